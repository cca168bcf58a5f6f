"""Encryption for secrets kept in the database (refresh tokens, client secrets, access tokens)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = settings.BIGIN_FERNET_KEY
    if not key:
        # Without a dedicated key, derive one from SECRET_KEY so a fresh install works; the
        # README tells production installs to set BIGIN_FERNET_KEY so rotating SECRET_KEY
        # does not make the stored refresh token unreadable.
        digest = hashlib.sha256(f"bigin_ui.fernet:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(value: str) -> str:
    """The plain text, or "" when the value was encrypted with another key."""
    if not value:
        return ""
    try:
        return _fernet().decrypt(value.encode()).decode()
    except (InvalidToken, ValueError):
        return ""


def fingerprint(*parts: str) -> str:
    """A stable, non-reversible key for caching per credential set."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:40]
