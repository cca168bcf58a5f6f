from __future__ import annotations

from django.conf import settings
from django.db import models


class SavedConnection(models.Model):
    """The Bigin org an admin connected from the connection page (one row, pk=1).

    Environment variables, when set, win over this row; with neither, the app uses its sandbox.
    """

    class Mode(models.TextChoices):
        SANDBOX = "sandbox", "Sandbox (built-in simulator)"
        LIVE = "live", "Real Bigin org"

    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.SANDBOX)
    dc = models.CharField("data centre", max_length=4, default="us")
    client_id = models.CharField(max_length=200, blank=True)
    client_secret_enc = models.TextField(blank=True)
    refresh_token_enc = models.TextField(blank=True)
    # Overrides for proxies and for pointing at another Bigin-compatible server (tests).
    accounts_url = models.URLField(blank=True)
    api_domain = models.URLField(blank=True)
    scope = models.TextField(blank=True)
    org_name = models.CharField(max_length=200, blank=True)
    org_id = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )


class AccessToken(models.Model):
    """The shared access-token cache and refresh lease, one row per credential set.

    The lease is a conditional UPDATE (never a lock held during the HTTP call), so one process
    refreshes while the others wait and then read the new token.
    """

    key = models.CharField(max_length=40, unique=True)
    token_enc = models.TextField(blank=True)
    expires_at = models.FloatField(default=0)
    api_domain = models.CharField(max_length=200, blank=True)
    lease_owner = models.CharField(max_length=40, blank=True)
    lease_until = models.FloatField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    refresh_count = models.PositiveIntegerField(default=0)
    # Epoch seconds of recent refresh attempts, failed ones included: the refresh budget
    # (bigin.auth.REFRESH_BUDGET per window) is counted here, across processes.
    refresh_attempts = models.JSONField(default=list, blank=True)
