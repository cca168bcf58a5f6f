"""Access tokens and scopes.

Access tokens are stateless: ``1000.<payload>.<signature>``, signed with a key derived from
SECRET_KEY, carrying scope, expiry, the issuing refresh token and a generation number. Nobody
can forge one without the key, and bumping the stored generation voids every earlier token.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.core import signing

PREFIX = "1000."
SEARCH_SCOPES = ("ZohoSearch.securesearch.READ", "ZohoSearch.securesearch.ALL")


@dataclass(frozen=True)
class AccessClaims:
    scope: str
    expires_at: int
    generation: int
    user_id: str
    refresh_id: int

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(s.casefold() for s in parse_scopes(self.scope))


def issue_access_token(
    *, scope: str, user_id: str, refresh_id: int, generation: int, ttl_seconds: int
) -> tuple[str, int]:
    expires_at = int(time.time()) + ttl_seconds
    payload = {"s": scope, "e": expires_at, "g": generation, "u": user_id, "r": refresh_id,
               "n": secrets.token_hex(4)}
    return PREFIX + _signer().sign_object(payload), expires_at


def read_access_token(token: str) -> AccessClaims | None:
    """The claims of a token this sandbox signed, or None (expiry is checked by the caller)."""
    if not token.startswith(PREFIX):
        return None
    try:
        payload = _signer().unsign_object(token[len(PREFIX):])
        return AccessClaims(
            scope=str(payload["s"]),
            expires_at=int(payload["e"]),
            generation=int(payload["g"]),
            user_id=str(payload["u"]),
            refresh_id=int(payload["r"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def _signer() -> signing.Signer:
    # Built per use so the key always follows the current SECRET_KEY setting.
    return signing.Signer(salt="bigin_ui.sandbox.access-token", sep=".")


def new_opaque_token() -> str:
    """A refresh token or grant code: random, in Zoho's ``1000.<hex>.<hex>`` form."""
    return f"{PREFIX}{secrets.token_hex(16)}.{secrets.token_hex(16)}"


def parse_scopes(text: str) -> list[str]:
    """Scopes as Zoho takes them: comma separated (the console) or space separated (OAuth)."""
    return [s for s in re.split(r"[\s,]+", text or "") if s]


def allows(scopes: frozenset[str], accepted: Iterable[str]) -> bool:
    """Scope names match without regard to case, as the docs spell them both ways."""
    return any(s.casefold() in scopes for s in accepted)


def module_scopes(module: str, *, write: bool) -> list[str]:
    operations = ("ALL", "WRITE", "CREATE") if write else ("ALL", "READ")
    return ["ZohoBigin.modules.ALL", *(f"ZohoBigin.modules.{module}.{op}" for op in operations)]


def settings_scopes(kind: str) -> list[str]:
    return ["ZohoBigin.settings.ALL", f"ZohoBigin.settings.{kind}.READ",
            f"ZohoBigin.settings.{kind}.ALL"]


USERS_SCOPES = ("ZohoBigin.users.ALL", "ZohoBigin.users.READ")
ORG_SCOPES = ("ZohoBigin.org.ALL", "ZohoBigin.org.READ")
