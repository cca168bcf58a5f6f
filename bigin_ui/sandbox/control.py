"""The control API under ``_control/`` (JSON, for tests and scripts) and the human page.

Writes need JSON plus the per-install control token or an admin's session and CSRF token;
against a real org, admins only (see guard.py).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from bigin_ui.roles import is_admin
from bigin_ui.sandbox import catalog, customize, faults, guard, oauth, store
from bigin_ui.sandbox.constants import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from bigin_ui.sandbox.models import State
from bigin_ui.sandbox.responses import error_body, json_response

log = logging.getLogger(__name__)


def _bad(message: str, code: str = "INVALID_REQUEST", **details: Any) -> HttpResponse:
    return json_response(error_body(code, message, details), 400)


def _body(request: HttpRequest) -> dict[str, Any] | None:
    if not request.body.strip():
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _methods(*allowed: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            faults.send_promptly(request.environ)
            if request.method not in allowed:
                response = json_response(error_body(
                    "METHOD_NOT_ALLOWED", f"use {' or '.join(allowed)}"), 405)
                response["Allow"] = ", ".join(allowed)
                return response
            try:
                guard.check_control(request)
            except guard.Refused as refused:
                return json_response(error_body(refused.code, refused.message), refused.status)
            try:
                return view(request, *args, **kwargs)
            except Exception:
                log.exception("sandbox control failure on %s", request.path)
                return json_response(error_body("INTERNAL_ERROR", "Internal Server Error"),
                                     500)

        inner.__name__ = view.__name__
        inner.__doc__ = view.__doc__
        return inner

    return wrap


@_methods("GET", "POST")
def knobs(request: HttpRequest) -> HttpResponse:
    """GET the knobs, or POST a JSON object of changes (merged; unknown knobs are refused)."""
    if request.method == "GET":
        return json_response(faults.public(faults.effective(store.get_state().knobs)))
    body = _body(request)
    if body is None:
        return _bad("the body must be a JSON object")
    try:
        changes = faults.clean_knobs(body)
    except faults.KnobError as problem:
        return _bad(problem.reason, "INVALID_KNOB", knob=problem.knob)
    return json_response(apply_knobs(changes=changes))


def apply_knobs(*, changes: dict[str, Any]) -> dict[str, Any]:
    """Merge checked knob changes into the stored ones; the public knobs afterwards."""
    store.get_state()
    with transaction.atomic(using=store.DB):
        state = State.objects.select_for_update().get(pk=1)
        if changes.pop("expire_tokens", False):
            state.token_generation += 1
        if "seed" in changes:
            changes["_seed_version"] = uuid.uuid4().hex
        state.knobs = {**state.knobs, **changes}
        state.save()
    return faults.public(faults.effective(state.knobs))


@_methods("POST")
def reset(request: HttpRequest) -> HttpResponse:
    store.reset()
    return json_response({"status": "reset", "stats": store.stats(),
                          "records": store.module_counts()})


@_methods("GET")
def stats(request: HttpRequest) -> HttpResponse:
    store.get_state()
    return json_response({**store.stats(), "in_flight": faults.GATE.in_flight})


@_methods("GET")
def records(request: HttpRequest) -> HttpResponse:
    module = catalog.canonical_module(request.GET.get("module", ""))
    if module is None:
        return _bad("module: one of " + ", ".join(catalog.MODULES), module=None)
    schema = store.schema_for(module)
    data = store.all_records(schema)
    return json_response({"module": module, "count": len(data), "data": data})


@_methods("POST")
def grant_code(request: HttpRequest) -> HttpResponse:
    body = _body(request)
    if body is None:
        return _bad("the body must be a JSON object")
    scope = body.get("scope")
    if scope is not None and (not isinstance(scope, str) or not scope.strip()):
        return _bad("scope: a non-empty string")
    code = oauth.create_grant_code(scope)
    return json_response({"code": code.code, "expires_in": oauth.GRANT_CODE_SECONDS,
                          "scope": code.scope, "client_id": SANDBOX_CLIENT_ID,
                          "client_secret": SANDBOX_CLIENT_SECRET})


@_methods("POST")
def fields(request: HttpRequest) -> HttpResponse:
    body = _body(request)
    if body is None:
        return _bad("the body must be a JSON object")
    store.get_state()
    try:
        return json_response(customize.change_fields(body))
    except customize.CustomizeError as problem:
        return _bad(str(problem), "INVALID_FIELD_CHANGE")


# -- the human page ---------------------------------------------------------------------------


def _page_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    state = store.get_state()
    recent = []
    for record in store.recent_records():
        recent.append({
            "module": record.module,
            "id": record.record_id,
            "name": store.display_name(record.module, record.data),
            "created": store.org_time(record.created_at),
        })
    return {
        "knobs": faults.public(faults.effective(state.knobs)),
        "stats": store.stats(),
        "counts": store.module_counts(),
        "recent": recent,
        "base_url": oauth.api_domain(request),
        "client_id": SANDBOX_CLIENT_ID,
        "client_secret": SANDBOX_CLIENT_SECRET,
        **extra,
    }


def _page_guard(request: HttpRequest) -> None:
    if not guard.may_see_page(request):
        raise PermissionDenied("The app is connected to a real Bigin org: admins only.")


def _knob_fields(knobs: dict[str, Any], errors: dict[str, str],
                 posted: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One form input per knob: a checkbox for true/false, a choice or a text box."""
    fields = []
    for name, default in faults.KNOB_DEFAULTS.items():
        value = knobs.get(name)
        kind = "bool" if isinstance(default, bool) else "choice" if name in {
            "drop_mode", "multi_status"} else "text"
        choices = {"drop_mode": list(faults.DROP_MODES), "multi_status": ["202", "207"]}.get(
            name, [])
        shown = posted.get(name, "") if posted is not None and kind != "bool" else (
            "" if value is None else str(value))
        fields.append({"name": name, "kind": kind, "value": shown, "checked": bool(value),
                       "choices": choices, "error": errors.get(name, "")})
    return fields


def _parse_knob(default: Any, raw: str, present: bool) -> Any:
    if isinstance(default, bool):
        return present
    text = raw.strip()
    if text == "" and default is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text  # a word (drop_mode); clean_knobs says whether it is allowed


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _page_guard(request)
    context = _page_context(request)
    context["knob_fields"] = _knob_fields(context["knobs"], {})
    context["may_change_knobs"] = is_admin(request.user)
    return render(request, "sandbox/index.html", context)


@require_POST
def knobs_form(request: HttpRequest) -> HttpResponse:
    """The page's knob form (admins; a CSRF-protected form, like the grant-code button)."""
    if not is_admin(request.user):
        raise PermissionDenied("Only admins change the sandbox's knobs.")
    posted = {name: request.POST.get(name, "") for name in faults.KNOB_DEFAULTS}
    changes = {name: _parse_knob(default, posted[name], name in request.POST)
               for name, default in faults.KNOB_DEFAULTS.items()}
    if request.POST.get("expire_tokens"):
        changes["expire_tokens"] = True
    try:
        cleaned = faults.clean_knobs(changes)
    except faults.KnobError as problem:
        context = _page_context(request)
        context["knob_fields"] = _knob_fields(context["knobs"], {problem.knob: problem.reason},
                                              posted)
        context["may_change_knobs"] = True
        context["knob_error"] = str(problem)
        return render(request, "sandbox/index.html", context, status=400)
    apply_knobs(changes=cleaned)
    return redirect("sandbox:index")


@require_POST
def grant_code_form(request: HttpRequest) -> HttpResponse:
    """The page's button (a CSRF-protected form for people, unlike the JSON control API)."""
    _page_guard(request)
    code = oauth.create_grant_code()
    context = _page_context(request, grant=code)
    context["knob_fields"] = _knob_fields(context["knobs"], {})
    context["may_change_knobs"] = is_admin(request.user)
    return render(request, "sandbox/index.html", context)
