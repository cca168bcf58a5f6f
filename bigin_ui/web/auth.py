"""Login throttling glue for django-axes: the backend, the client address, the lockout page."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' lockout check, for authentications that come with a request.

    Every web login (the login page, Django's admin) passes its request, so every one an
    attacker can make is counted and checked. ``authenticate()`` without a request comes
    only from code on the server itself (``Client.login`` in tests, shell scripts); axes
    would refuse those outright, so they skip the check and go on to the password backend.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request: HttpRequest) -> str:
    """The address failures are counted against.

    Behind a reverse proxy every request comes from the proxy's address, so one attacker
    would lock everybody out; with ``TRUSTED_PROXY_COUNT`` set, the client is the address the
    outermost trusted proxy appended to X-Forwarded-For (entries further left are whatever the
    client claimed, and are ignored).
    """
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                 if part.strip()]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


def lockout_response(request: HttpRequest, original_response: Any = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The log-in page's own look for a lockout, saying for how long and whom to ask."""
    from axes.helpers import get_client_username, get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    return render(request, "registration/locked_out.html", {
        "failure_limit": get_failure_limit(request, credentials),
        "username": get_client_username(request, credentials) or "",
        "minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }, status=settings.AXES_HTTP_RESPONSE_CODE)
