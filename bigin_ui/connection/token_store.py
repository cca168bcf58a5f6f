"""A TokenStore backed by the AccessToken table, shared by web and worker processes."""

from __future__ import annotations

import time

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from bigin_ui.bigin.auth import CachedToken
from bigin_ui.connection.crypto import decrypt, encrypt
from bigin_ui.connection.models import AccessToken


class DatabaseTokenStore:
    def __init__(self, key: str) -> None:
        self.key = key

    def _ensure_row(self) -> None:
        if AccessToken.objects.filter(key=self.key).exists():
            return
        try:
            with transaction.atomic():
                AccessToken.objects.create(key=self.key)
        except IntegrityError:
            pass  # another process created it first

    def load(self) -> CachedToken | None:
        row = AccessToken.objects.filter(key=self.key).first()
        if row is None or not row.token_enc:
            return None
        token = decrypt(row.token_enc)
        if not token:
            return None
        return CachedToken(access_token=token, expires_at=row.expires_at, api_domain=row.api_domain)

    def save(self, token: CachedToken) -> None:
        self._ensure_row()
        AccessToken.objects.filter(key=self.key).update(
            token_enc=encrypt(token.access_token),
            expires_at=token.expires_at,
            api_domain=token.api_domain,
            refreshed_at=timezone.now(),
            refresh_count=F("refresh_count") + 1,
        )

    def try_acquire(self, owner: str, seconds: float) -> bool:
        self._ensure_row()
        now = time.time()
        taken = AccessToken.objects.filter(
            Q(lease_until__lt=now) | Q(lease_owner=owner) | Q(lease_owner=""), key=self.key
        ).update(lease_owner=owner, lease_until=now + seconds)
        return taken == 1

    def refresh_attempts(self) -> list[float]:
        row = AccessToken.objects.filter(key=self.key).values_list("refresh_attempts",
                                                                    flat=True).first()
        return [float(t) for t in row or [] if isinstance(t, (int, float))]

    def note_refresh_attempt(self, at: float, keep_after: float) -> None:
        # Called only by the lease holder, so read-modify-write cannot lose an attempt.
        self._ensure_row()
        kept = [t for t in self.refresh_attempts() if t > keep_after]
        AccessToken.objects.filter(key=self.key).update(refresh_attempts=[*kept, at])

    def release(self, owner: str) -> None:
        AccessToken.objects.filter(key=self.key, lease_owner=owner).update(
            lease_owner="", lease_until=0
        )
