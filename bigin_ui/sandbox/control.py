"""The control API under ``_control/`` (JSON, for tests and scripts) and the human page.

The control API has no authentication: the sandbox is mounted only when enabled, for
development and tests.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bigin_ui.sandbox import catalog, customize, faults, oauth, store
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
    store.get_state()
    with transaction.atomic(using=store.DB):
        state = State.objects.select_for_update().get(pk=1)
        if changes.pop("expire_tokens", False):
            state.token_generation += 1
        if "seed" in changes:
            changes["_seed_version"] = uuid.uuid4().hex
        state.knobs = {**state.knobs, **changes}
        state.save()
    return json_response(faults.public(faults.effective(state.knobs)))


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


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "sandbox/index.html", _page_context(request))


@require_POST
def grant_code_form(request: HttpRequest) -> HttpResponse:
    """The page's button (a CSRF-protected form for people, unlike the JSON control API)."""
    code = oauth.create_grant_code()
    return render(request, "sandbox/index.html", _page_context(request, grant=code))
