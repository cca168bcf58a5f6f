"""Bigin REST API v2 under ``bigin/v2/``.

Every request goes through ``bigin_api``: the concurrency gate, then the token, then the view,
which checks scope, then module, then the body, in Bigin's order. Latency is added at the end
so that a call takes at least ``latency_ms`` in all.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from bigin_ui.sandbox import catalog, criteria, faults, seed_data, store, tokens
from bigin_ui.sandbox.middleware import ARRIVED
from bigin_ui.sandbox.models import State
from bigin_ui.sandbox.responses import (
    ApiError,
    authentication_failure,
    dumps,
    internal_error,
    invalid_module,
    invalid_param,
    invalid_query,
    invalid_token,
    json_response,
    no_content,
    param_missing,
    scope_mismatch,
    too_many_requests,
)
from bigin_ui.sandbox.schema import ModuleSchema
from bigin_ui.sandbox.validation import valid_email

log = logging.getLogger(__name__)

MAX_RECORDS = 100
MAX_PER_PAGE = 200
MAX_FIELDS = 50
TRIGGERS = frozenset({"workflow", "approval", "blueprint"})


@dataclass
class Call:
    request: HttpRequest
    state: State
    knobs: dict[str, Any]
    claims: tokens.AccessClaims

    def require(self, *alternatives: Iterable[str]) -> None:
        """Every group must be satisfied by at least one of its scopes."""
        scopes = self.claims.scopes
        if not all(tokens.allows(scopes, group) for group in alternatives):
            raise scope_mismatch()

    def module(self, name: str, *, write: bool = False, search: bool = False) -> ModuleSchema:
        """Scope first, then the module, as Bigin checks them."""
        canonical = catalog.canonical_module(name)
        groups: list[Iterable[str]] = [tokens.module_scopes(canonical or name, write=write)]
        if search:
            groups.append(tokens.SEARCH_SCOPES)
        self.require(*groups)
        if canonical is None:
            raise invalid_module()
        return store.schema_for(canonical, self.state)

    def module_param(self) -> ModuleSchema:
        name = self.request.GET.get("module", "").strip()
        if not name:
            raise param_missing("module")
        canonical = catalog.canonical_module(name)
        if canonical is None:
            raise invalid_module({"param_name": "module"})
        return store.schema_for(canonical, self.state)


View = Callable[..., HttpResponse]


def bigin_api(view: View) -> View:
    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # From the request's arrival (sandbox/middleware.py) when stamped: the whole call.
        started = request.META.get(ARRIVED) or time.monotonic()
        faults.send_promptly(request.environ)
        try:
            state = store.get_state()
        except Exception:
            log.exception("sandbox state unavailable")
            return internal_error()
        knobs = faults.effective(state.knobs)
        in_flight = faults.GATE.enter(knobs["max_concurrency"])
        if in_flight is None:
            _count("api_calls", "responses_429")
            return too_many_requests()
        try:
            return _handle(view, request, state, knobs, in_flight, started, args, kwargs)
        finally:
            faults.GATE.leave()

    return wrapper


def _count(*names: str) -> None:
    try:
        for name in names:
            store.bump(name)
    except Exception:
        log.exception("sandbox counters unavailable")


def _handle(view: View, request: HttpRequest, state: State, knobs: dict[str, Any],
            in_flight: int, started: float, args: Any, kwargs: Any) -> HttpResponse:
    claims: tokens.AccessClaims | None = None
    try:
        store.bump("api_calls")
        store.raise_peak(in_flight)
        claims = authenticate(request, state)
        response = view(request, Call(request, state, knobs, claims), *args, **kwargs)
    except ApiError as error:
        response = error.response()
    except Exception:
        log.exception("sandbox API failure on %s", request.path)
        _count("responses_500")
        response = internal_error()
    if claims is not None:
        expiry = datetime.fromtimestamp(claims.expires_at, tz=UTC)
        response["x-accesstoken-reset"] = store.org_time(expiry)
    faults.sleep_remainder(started, knobs["latency_ms"])
    return response


def authenticate(request: HttpRequest, state: State) -> tokens.AccessClaims:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.casefold() != "zoho-oauthtoken" or not token.strip():
        raise authentication_failure()
    claims = tokens.read_access_token(token.strip())
    if (
        claims is None
        or claims.expires_at <= time.time()
        or claims.generation != state.token_generation
        or not store.refresh_token_active(claims.refresh_id)
    ):
        raise invalid_token()
    return claims


# -- request helpers ----------------------------------------------------------------------------


def _int_param(request: HttpRequest, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"\d+", raw) or int(raw) < 1 or (maximum and int(raw) > maximum):
        raise invalid_param(name)
    return int(raw)


def _paging(request: HttpRequest) -> tuple[int, int]:
    return _int_param(request, "page", 1), _int_param(request, "per_page", MAX_PER_PAGE,
                                                      MAX_PER_PAGE)


def _page(items: list[Any], page: int, per_page: int) -> tuple[list[Any], bool]:
    start = (page - 1) * per_page
    return items[start:start + per_page], len(items) > start + per_page


def _json_body(request: HttpRequest) -> dict[str, Any]:
    raw = request.body if hasattr(request, "_body") else request.read()
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "INVALID_DATA", "the input is not a valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_DATA", "the input is not a valid JSON",
                       {"expected_data_type": "jsonobject"})
    return body


def _records_of(body: dict[str, Any]) -> list[Any]:
    if "data" not in body:
        raise ApiError(400, "MANDATORY_NOT_FOUND", "required field not found",
                       {"api_name": "data"})
    data = body["data"]
    if not isinstance(data, list):
        raise ApiError(400, "INVALID_DATA", "invalid data",
                       {"expected_data_type": "jsonarray", "api_name": "data"})
    if not data:
        raise ApiError(400, "MANDATORY_NOT_FOUND", "required field not found",
                       {"api_name": "data"})
    if len(data) > MAX_RECORDS:
        raise ApiError(400, "LIMIT_EXCEEDED", "Record count exceeded", {"limit": MAX_RECORDS})
    trigger = body.get("trigger")
    if "trigger" in body:
        if not isinstance(trigger, list) or not all(isinstance(t, str) for t in trigger):
            raise ApiError(400, "INVALID_DATA", "invalid data",
                           {"expected_data_type": "jsonarray", "api_name": "trigger"})
        if not set(trigger) <= TRIGGERS:
            raise ApiError(400, "INVALID_DATA", "invalid data", {"api_name": "trigger"})
    return data


def _requested_fields(call: Call, schema: ModuleSchema, *, required: bool) -> list[str] | None:
    raw = call.request.GET.get("fields", "").strip()
    if not raw:
        if required:
            raise param_missing("fields")
        return None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if len(names) > MAX_FIELDS:
        raise ApiError(400, "LIMIT_EXCEEDED", "fields limit exceeded",
                       {"param_name": "fields", "limit": MAX_FIELDS})
    for name in names:
        if name != "id" and name not in schema.by_name:
            raise invalid_param("fields", api_name=name)
    return names


# -- settings, users, org ------------------------------------------------------------------------


@bigin_api
def settings_fields(request: HttpRequest, call: Call) -> HttpResponse:
    call.require(tokens.settings_scopes("fields"))
    schema = call.module_param()
    return json_response({"fields": list(schema.fields)})


@bigin_api
def settings_layouts(request: HttpRequest, call: Call, layout_id: str | None = None
                     ) -> HttpResponse:
    call.require(tokens.settings_scopes("layouts"))
    schema = call.module_param()
    layouts = [la for la in schema.layouts if layout_id is None or la["id"] == layout_id]
    if not layouts:
        return no_content()
    return json_response({"layouts": layouts})


@bigin_api
def settings_tags(request: HttpRequest, call: Call) -> HttpResponse:
    call.require(tokens.settings_scopes("tags"))
    schema = call.module_param()
    tags = store.tag_listing(schema.module)
    return json_response({"tags": tags, "info": {"count": len(tags), "allowed_count": 100}})


@bigin_api
def settings_modules(request: HttpRequest, call: Call) -> HttpResponse:
    call.require(tokens.settings_scopes("modules"))
    admin = store.user_ref(seed_data.CURRENT_USER_ID)
    return json_response({"modules": catalog.module_listing(seed_data.SEED_TIME, admin)})


_USER_TYPES: dict[str, Callable[[dict[str, Any], str], bool]] = {
    "AllUsers": lambda u, me: u["status"] != "deleted",
    "ActiveUsers": lambda u, me: u["status"] == "active",
    "DeactiveUsers": lambda u, me: u["status"] == "disabled",
    "ConfirmedUsers": lambda u, me: bool(u["confirm"]),
    "NotConfirmedUsers": lambda u, me: not u["confirm"],
    "DeletedUsers": lambda u, me: u["status"] == "deleted",
    "ActiveConfirmedUsers": lambda u, me: u["status"] == "active" and bool(u["confirm"]),
    "AdminUsers": lambda u, me: u["profile"]["name"] == "Administrator",
    "ActiveConfirmedAdmins": lambda u, me: (
        u["status"] == "active" and bool(u["confirm"]) and u["profile"]["name"] == "Administrator"
    ),
    "CurrentUser": lambda u, me: u["id"] == me,
}


@bigin_api
def users(request: HttpRequest, call: Call) -> HttpResponse:
    call.require(tokens.USERS_SCOPES)
    kind = request.GET.get("type", "AllUsers").strip() or "AllUsers"
    if kind not in _USER_TYPES:
        raise invalid_param("type")
    page, per_page = _paging(request)
    wanted = [u for u in seed_data.USERS if _USER_TYPES[kind](u, call.claims.user_id)]
    shown, more = _page(wanted, page, per_page)
    if not shown:
        return no_content()
    return json_response({"users": shown, "info": {"per_page": per_page, "count": len(shown),
                                                   "page": page, "more_records": more}})


@bigin_api
def user_detail(request: HttpRequest, call: Call, user_id: str) -> HttpResponse:
    call.require(tokens.USERS_SCOPES)
    user = seed_data.USERS_BY_ID.get(user_id)
    return json_response({"users": [user]}) if user else no_content()


@bigin_api
def org(request: HttpRequest, call: Call) -> HttpResponse:
    call.require(tokens.ORG_SCOPES)
    return json_response({"org": [seed_data.org()]})


# -- records ---------------------------------------------------------------------------------


@bigin_api
def records(request: HttpRequest, call: Call, module: str) -> HttpResponse:
    if request.method == "POST":
        return _write(call, module, upsert=False)
    if request.method == "GET":
        return _list(call, module)
    raise ApiError(400, "INVALID_REQUEST_METHOD",
                   "The http request method type is not a valid one")


@bigin_api
def upsert(request: HttpRequest, call: Call, module: str) -> HttpResponse:
    if request.method != "POST":
        raise ApiError(400, "INVALID_REQUEST_METHOD",
                       "The http request method type is not a valid one")
    return _write(call, module, upsert=True)


def _duplicate_check_fields(body: dict[str, Any], schema: ModuleSchema) -> list[str]:
    if "duplicate_check_fields" not in body:
        return [n for n in schema.unique_fields if not schema.by_name[n].get("custom_field")]
    names = body["duplicate_check_fields"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ApiError(400, "INVALID_DATA", "invalid data",
                       {"expected_data_type": "jsonarray", "api_name": "duplicate_check_fields"})
    unique = set(schema.unique_fields)
    for position, name in enumerate(names):
        if name not in unique:
            raise ApiError(400, "INVALID_DATA", "invalid data", {
                "api_name": "duplicate_check_fields",
                "json_path": f"$.duplicate_check_fields[{position}]",
            })
    return names


def _write(call: Call, module: str, *, upsert: bool) -> HttpResponse:
    schema = call.module(module, write=True)
    store.bump("write_calls")
    knobs = call.knobs
    # Injected faults answer before anything is read or stored.
    refused = faults.refusal(knobs, module)
    if refused is not None:
        return json_response(refused[1], refused[0])
    if faults.roll(knobs, knobs["rate_429"]):
        store.bump("responses_429")
        return too_many_requests()
    if faults.roll(knobs, knobs["rate_500"]):
        store.bump("responses_500")
        return internal_error()
    body = _json_body(call.request)
    records = _records_of(body)
    user_id = call.claims.user_id
    if upsert:
        fields = _duplicate_check_fields(body, schema)
        outcome = store.upsert_records(schema, records, duplicate_check_fields=fields,
                                       user_id=user_id, knobs=knobs)
    else:
        outcome = store.insert_records(schema, records, user_id=user_id, knobs=knobs)
    store.bump("records_created", outcome.created)
    store.bump("records_updated", outcome.updated)
    status = _write_status(outcome, len(records), knobs)
    answer = {"data": outcome.items}
    if faults.roll(knobs, knobs["rate_drop"]):
        # The records are committed; only the answer is lost on its way back.
        store.bump("drops")
        return faults.dropped_response(dumps(answer), call.request.environ, knobs["drop_mode"])
    return json_response(answer, status)


def _write_status(outcome: store.WriteOutcome, sent: int, knobs: dict[str, Any]) -> int:
    if not outcome.created and not outcome.updated:
        return 400
    if sent > 1:
        return int(knobs["multi_status"])
    return 200 if outcome.updated else 201


def _list(call: Call, module: str) -> HttpResponse:
    schema = call.module(module)
    fields = _requested_fields(call, schema, required=True)
    page, per_page = _paging(call.request)
    sort_by = call.request.GET.get("sort_by", "id") or "id"
    if sort_by not in {"id", "Created_Time", "Modified_Time"}:
        raise invalid_param("sort_by")
    sort_order = call.request.GET.get("sort_order", "desc") or "desc"
    if sort_order not in {"asc", "desc"}:
        raise invalid_param("sort_order")
    pipeline_id = call.request.GET.get("pipeline_id") or None
    found = store.list_records(schema, sort_by=sort_by, descending=sort_order == "desc",
                               pipeline_id=pipeline_id)
    shown, more = _page(found, page, per_page)
    if not shown:
        return no_content()
    return json_response({
        "data": [store.record_view(schema, r, only=fields) for r in shown],
        "info": {
            "per_page": per_page,
            "next_page_token": None,
            "count": len(shown),
            "sort_by": sort_by,
            "page": page,
            "previous_page_token": None,
            "page_token_expiry": None,
            "sort_order": sort_order,
            "more_records": more,
        },
    })


@bigin_api
def record_detail(request: HttpRequest, call: Call, module: str, record_id: str) -> HttpResponse:
    if request.method != "GET":
        raise ApiError(400, "INVALID_REQUEST_METHOD",
                       "The http request method type is not a valid one")
    schema = call.module(module)
    fields = _requested_fields(call, schema, required=False)
    record = store.get_record(schema, record_id)
    if record is None:
        return no_content()
    return json_response({"data": [store.record_view(schema, record, only=fields)]})


@bigin_api
def search(request: HttpRequest, call: Call, module: str) -> HttpResponse:
    schema = call.module(module, search=True)
    given = {k: request.GET[k] for k in ("criteria", "email", "phone", "word")
             if request.GET.get(k, "").strip()}
    if not given:
        raise param_missing("criteria")
    if len(given) > 1:
        raise invalid_query("give only one of criteria, email, phone or word")
    page, per_page = _paging(request)
    (kind, text), = given.items()
    text = text.strip()
    predicate, unique_equals = _search_predicate(schema, kind, text)
    found = store.search_records(schema, predicate, lag_seconds=call.knobs["search_lag_seconds"],
                                 unique_equals=unique_equals)
    shown, more = _page(found, page, per_page)
    if not shown:
        return no_content()
    return json_response({"data": shown, "info": {
        "per_page": per_page, "count": len(shown), "sort_by": "id", "page": page,
        "sort_order": "desc", "more_records": more}})


def _fields_of_type(schema: ModuleSchema, data_type: str) -> list[str]:
    return [f["api_name"] for f in schema.fields if f.get("data_type") == data_type]


def _search_predicate(schema: ModuleSchema, kind: str, text: str
                      ) -> tuple[Callable[[dict[str, Any]], bool], tuple[str, str] | None]:
    if kind == "criteria":
        try:
            node = criteria.parse_criteria(text)
        except criteria.QueryError as problem:
            raise invalid_query(str(problem), param_name="criteria") from None
        for condition in criteria.conditions(node):
            if condition.field != "id" and condition.field not in schema.by_name:
                raise invalid_query("the field is not available for search",
                                    api_name=condition.field)
        unique = None
        if (isinstance(node, criteria.Condition) and node.operator == "equals"
                and node.field in schema.unique_fields):
            unique = (node.field, node.value)
        return (lambda view: criteria.matches(node, view)), unique
    if kind == "email":
        if not valid_email(text):
            raise invalid_query("not an email address", param_name="email")
        fields = _fields_of_type(schema, "email")
        return (lambda view: any(
            str(view.get(f) or "").casefold() == text.casefold() for f in fields)), None
    if kind == "phone":
        digits = re.sub(r"\D", "", text)
        if not digits:
            raise invalid_query("not a phone number", param_name="phone")
        fields = _fields_of_type(schema, "phone")
        return (lambda view: any(
            re.sub(r"\D", "", str(view.get(f) or "")) == digits for f in fields)), None
    if len(text) < 2:
        raise invalid_query("the word must have at least 2 characters", param_name="word")
    return (lambda view: store.word_matches(schema, view, text)), None


@bigin_api
def unknown_url(request: HttpRequest, call: Call, rest: str) -> HttpResponse:
    raise ApiError(404, "INVALID_URL_PATTERN",
                   "Please check if the URL trying to access is a correct one")
