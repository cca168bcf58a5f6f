"""Who may drive the sandbox's control API and page.

The control API changes what "Bigin" answers (fault knobs, fields, tooltips), so a web page
must not be able to drive it from a colleague's browser. A write is accepted only as JSON
(a cross-site form or ``text/plain`` fetch cannot send ``application/json`` without a CORS
preflight, which the sandbox never grants) and only with either the per-install control
token in a header (scripts, tests) or an admin's session with Django's CSRF token (the
page). When the app is connected to a real org, everything here is for admins only.

Kept apart from the app's Bigin client and validators, as the rest of the sandbox: it only
reads settings, the saved connection's mode and the user's groups.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware

from bigin_ui.roles import is_admin

TOKEN_HEADER = "X-Sandbox-Control-Token"


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def connected_to_real_org() -> bool:
    """The app's precedence (environment, then the connection page), read without the client."""
    if settings.BIGIN_CLIENT_ID and settings.BIGIN_REFRESH_TOKEN:
        return True
    from bigin_ui.connection.models import SavedConnection

    try:
        return SavedConnection.objects.filter(pk=1, mode=SavedConnection.Mode.LIVE).exists()
    except DatabaseError:
        # `sandbox_serve` runs the simulator without the app's tables: nothing was saved.
        return False


def has_control_token(request: HttpRequest) -> bool:
    expected = settings.BIGIN_SANDBOX_CONTROL_TOKEN
    given = request.headers.get(TOKEN_HEADER, "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _csrf_passes(request: HttpRequest) -> bool:
    # The control views are exempt from the middleware (a script has no CSRF cookie), so the
    # session path runs the same check by hand.
    check = CsrfViewMiddleware(lambda _request: HttpResponse())
    check.process_request(request)
    return check.process_view(request, lambda _request: HttpResponse(), (), {}) is None


def check_control(request: HttpRequest) -> None:
    """Raise Refused unless ``request`` may use the control API."""
    user = getattr(request, "user", None)
    admin = is_admin(user)
    if connected_to_real_org() and not admin:
        raise Refused(403, "NO_PERMISSION",
                      "the app is connected to a real Bigin org: admins only")
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    if request.content_type != "application/json":
        raise Refused(415, "UNSUPPORTED_MEDIA_TYPE", "send a JSON body (application/json)")
    if has_control_token(request):
        return
    if admin and _csrf_passes(request):
        return
    raise Refused(403, "NO_PERMISSION",
                  f"send the control token in {TOKEN_HEADER}, or act as an admin with a "
                  "CSRF token")


def may_see_page(request: HttpRequest) -> bool:
    return not connected_to_real_org() or is_admin(getattr(request, "user", None))
