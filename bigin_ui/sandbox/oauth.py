"""Zoho Accounts: the token endpoint (refresh and grant-code grants) and revocation.

Like Zoho, the endpoint answers most failures with HTTP 200 and an ``error`` key; only the
throttle ("Access Denied") comes with 400.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from bigin_ui.sandbox import faults, seed_data, store, tokens
from bigin_ui.sandbox.constants import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_SCOPE
from bigin_ui.sandbox.models import GrantCode, RefreshToken
from bigin_ui.sandbox.responses import json_response

log = logging.getLogger(__name__)

GRANT_CODE_SECONDS = 180
THROTTLE_WINDOW = timedelta(seconds=600)
THROTTLED = {
    "error_description": "You have made too many requests continuously. Please try again "
                         "after some time.",
    "error": "Access Denied",
    "status": "failure",
}


def _error(code: str) -> HttpResponse:
    return json_response({"error": code})


def api_domain(request: HttpRequest) -> str:
    """Where this sandbox is mounted, as the client reached it: the client appends /bigin/v2."""
    return request.build_absolute_uri(reverse("sandbox:index")).rstrip("/")


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    faults.send_promptly(request.environ)
    if request.method != "POST":
        return json_response({"error": "invalid_request"}, 405)
    # Zoho takes the parameters in the form body or in the query string.
    params: dict[str, Any] = {**request.GET.dict(), **request.POST.dict()}
    try:
        state = store.get_state()
        grant_type = params.get("grant_type")
        if grant_type not in {"refresh_token", "authorization_code"}:
            return _error("unsupported_grant_type")
        if params.get("client_id") != SANDBOX_CLIENT_ID:
            return _error("invalid_client")
        if params.get("client_secret") != SANDBOX_CLIENT_SECRET:
            return _error("invalid_client_secret")
        knobs = faults.effective(state.knobs)
        if grant_type == "refresh_token":
            return _refresh(request, str(params.get("refresh_token") or ""), state, knobs)
        return _exchange_code(request, str(params.get("code") or ""), state, knobs)
    except Exception:
        log.exception("sandbox token endpoint failure")
        return json_response({"error": "internal_error"}, 500)


def _answer(request: HttpRequest, access: str, scope: str, ttl: int,
            refresh: str | None = None) -> HttpResponse:
    body: dict[str, Any] = {
        "access_token": access,
        "scope": " ".join(tokens.parse_scopes(scope)),
        "api_domain": api_domain(request),
        "token_type": "Bearer",
        "expires_in": ttl,
    }
    if refresh is not None:
        body["refresh_token"] = refresh
    return json_response(body)


def _refresh(request: HttpRequest, refresh_token: str, state: Any,
             knobs: dict[str, Any]) -> HttpResponse:
    with transaction.atomic(using=store.DB):
        grant = RefreshToken.objects.filter(token=refresh_token, revoked=False).first()
        if grant is None:
            return _error("invalid_code")
        if knobs["token_throttle"]:
            recent = store.issues_since(grant.token, timezone.now() - THROTTLE_WINDOW)
            if recent >= knobs["token_throttle_limit"]:
                return json_response(THROTTLED, 400)
        ttl = knobs["token_ttl_seconds"]
        access, _ = tokens.issue_access_token(
            scope=grant.scope, user_id=grant.user_id, refresh_id=grant.pk,
            generation=state.token_generation, ttl_seconds=ttl)
        store.record_issue(grant.token)
    return _answer(request, access, grant.scope, ttl)


def _exchange_code(request: HttpRequest, code: str, state: Any,
                   knobs: dict[str, Any]) -> HttpResponse:
    with transaction.atomic(using=store.DB):
        grant_code = GrantCode.objects.select_for_update().filter(code=code).first()
        if grant_code is None or grant_code.used or grant_code.expires_at <= timezone.now():
            return _error("invalid_code")
        grant_code.used = True
        grant_code.save(update_fields=["used"])
        grant = RefreshToken.objects.create(
            token=tokens.new_opaque_token(), client_id=grant_code.client_id,
            scope=grant_code.scope, user_id=grant_code.user_id)
        ttl = knobs["token_ttl_seconds"]
        access, _ = tokens.issue_access_token(
            scope=grant.scope, user_id=grant.user_id, refresh_id=grant.pk,
            generation=state.token_generation, ttl_seconds=ttl)
        store.record_issue(grant.token)
    return _answer(request, access, grant.scope, ttl, refresh=grant.token)


def create_grant_code(scope: str | None = None) -> GrantCode:
    """A one-time code, as the API console's Self Client > Generate Code makes."""
    store.get_state()
    return GrantCode.objects.create(
        code=tokens.new_opaque_token(),
        client_id=SANDBOX_CLIENT_ID,
        scope=",".join(tokens.parse_scopes(scope or SANDBOX_SCOPE)),
        user_id=seed_data.CURRENT_USER_ID,
        expires_at=timezone.now() + timedelta(seconds=GRANT_CODE_SECONDS),
    )


@csrf_exempt
def revoke(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return json_response({"error": "invalid_request"}, 405)
    faults.send_promptly(request.environ)
    value = request.GET.get("token") or request.POST.get("token") or ""
    try:
        store.get_state()
        revoked = RefreshToken.objects.filter(token=value).update(revoked=True)
    except Exception:
        log.exception("sandbox token revocation failure")
        return json_response({"error": "internal_error"}, 500)
    return json_response({"status": "success"} if revoked else {"error": "invalid_token"})
