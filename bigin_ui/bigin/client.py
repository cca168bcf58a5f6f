"""Calls to Bigin's REST API v2.

Every call has explicit timeouts. Write calls return one typed result per record sent, read
from ``data[i]`` by position, whatever the HTTP status (201, 202, 207 and 400-with-data all
carry per-record results). Request-level failures raise the exceptions in errors.py.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

import requests
import urllib3

from bigin_ui.bigin.auth import OAuthClient, _never_connected
from bigin_ui.bigin.errors import (
    AmbiguousOutcome,
    AuthenticationError,
    BiginError,
    CreditsExhausted,
    InvalidModuleError,
    MalformedAnswer,
    OAuthError,
    RateLimited,
    RequestError,
    ScopeError,
    ServerError,
    TokenUnavailable,
    TransportError,
    UnreadableAnswer,
)
from bigin_ui.bigin.reading import TooMuch as _TooMuch
from bigin_ui.bigin.reading import read_bounded
from bigin_ui.bigin.results import (
    CallRecord,
    RecordError,
    RecordMissing,
    RecordResult,
    RecordSuccess,
    WriteResponse,
)

MAX_RECORDS_PER_CALL = 100
DEFAULT_MAX_ANSWER_BYTES = 20_000_000
# Bigin record IDs are long decimal numbers (19 digits in every recorded answer). Anything else
# in details.id is not an ID we can store or link to, so the record's outcome is unknown.
RECORD_ID = re.compile(r"[1-9][0-9]{9,19}")
# Bigin's error codes are upper-case words joined by underscores (INVALID_DATA, ...).
ERROR_CODE = re.compile(r"[A-Z][A-Z0-9_]{1,59}")
CREDIT_CODES = frozenset({"LIMIT_REACHED", "LIMIT_EXCEEDED", "MAX_DAILY_CALLS_EXCEEDED"})
MODULES = ("Accounts", "Products", "Contacts", "Pipelines", "Tasks", "Events", "Calls")

Observer = Callable[[CallRecord], None]


def new_session(pool_size: int = 10) -> requests.Session:
    """A Session with a connection pool big enough for the configured concurrency.

    Retries stay off: a write must never be resent by the transport without the queue knowing.
    """
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(
        pool_connections=4, pool_maxsize=max(pool_size, 2), max_retries=0
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = "bigin_ui/0.1 (+self-hosted)"
    return session


class BiginClient:
    def __init__(
        self,
        *,
        auth: OAuthClient,
        session: requests.Session,
        api_domain: str = "",
        timeout: tuple[float, float] = (5.0, 60.0),
        observer: Observer | None = None,
        max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
        deadline: float | None = None,
    ) -> None:
        self.auth = auth
        self.session = session
        self.api_domain = api_domain.rstrip("/")
        self.timeout = timeout
        self.observer = observer
        self.max_answer_bytes = max_answer_bytes
        # Whole seconds one exchange may take, reading included. The read timeout alone bounds
        # only the gap between two packets: a body dripped a byte at a time never trips it.
        self.deadline = deadline if deadline is not None else timeout[0] + timeout[1]

    # -- metadata -----------------------------------------------------------------------

    def get_fields(self, module: str) -> list[dict[str, Any]]:
        body = self._json("GET", "/bigin/v2/settings/fields", params={"module": module})
        return _listing(body, "fields", what=f"{module} field list")

    def get_layouts(self, module: str) -> list[dict[str, Any]]:
        body = self._json("GET", "/bigin/v2/settings/layouts", params={"module": module})
        return _listing(body, "layouts", what=f"{module} layouts")

    def get_tags(self, module: str) -> list[dict[str, Any]]:
        body = self._json("GET", "/bigin/v2/settings/tags", params={"module": module})
        return list(body.get("tags") or [])

    def get_users(self, user_type: str = "ActiveUsers") -> list[dict[str, Any]]:
        users: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self._json(
                "GET", "/bigin/v2/users", params={"type": user_type, "page": page, "per_page": 200}
            )
            if not body:
                return users  # 204: no (more) users
            users.extend(_listing(body, "users", what="user list"))
            info = body.get("info")
            if not isinstance(info, dict) or info.get("more_records") is not True:
                return users
            if page >= 500:  # 100,000 users: an answer that never ends is not an org
                raise MalformedAnswer("Bigin's user list did not end after 500 pages.",
                                      code="MALFORMED_ANSWER")
            page += 1

    def get_org(self) -> dict[str, Any]:
        body = self._json("GET", "/bigin/v2/org")
        orgs = body.get("org") or []
        return dict(orgs[0]) if isinstance(orgs, list) and orgs and isinstance(
            orgs[0], dict) else {}

    # -- records ------------------------------------------------------------------------

    def insert_records(
        self, module: str, records: Sequence[dict[str, Any]], *, trigger: list[str] | None = None
    ) -> WriteResponse:
        body: dict[str, Any] = {"data": list(records)}
        if trigger is not None:
            body["trigger"] = trigger
        return self._write(f"/bigin/v2/{quote(module)}", body, len(records))

    def upsert_records(
        self,
        module: str,
        records: Sequence[dict[str, Any]],
        *,
        duplicate_check_fields: Sequence[str],
        trigger: list[str] | None = None,
    ) -> WriteResponse:
        body: dict[str, Any] = {
            "data": list(records),
            "duplicate_check_fields": list(duplicate_check_fields),
        }
        if trigger is not None:
            body["trigger"] = trigger
        return self._write(f"/bigin/v2/{quote(module)}/upsert", body, len(records))

    def search(
        self,
        module: str,
        *,
        criteria: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        word: str | None = None,
        page: int = 1,
        per_page: int = 200,
    ) -> list[dict[str, Any]]:
        """Records matching one search parameter; Bigin answers 204 when nothing matches."""
        given = {
            k: v
            for k, v in {"criteria": criteria, "email": email, "phone": phone, "word": word}.items()
            if v
        }
        if len(given) != 1:
            raise ValueError("search takes exactly one of criteria, email, phone or word")
        params: dict[str, Any] = {**given, "page": page, "per_page": per_page}
        body = self._json("GET", f"/bigin/v2/{quote(module)}/search", params=params)
        return list(body.get("data") or [])

    def get_record(self, module: str, record_id: str) -> dict[str, Any] | None:
        body = self._json("GET", f"/bigin/v2/{quote(module)}/{quote(record_id)}")
        data = body.get("data") or []
        return dict(data[0]) if data else None

    # -- plumbing -----------------------------------------------------------------------

    def _write(self, path: str, body: dict[str, Any], count: int) -> WriteResponse:
        if count == 0:
            raise ValueError("nothing to send")
        if count > MAX_RECORDS_PER_CALL:
            raise ValueError(f"Bigin accepts at most {MAX_RECORDS_PER_CALL} records per call")
        try:
            response, parsed, duration = self._send("POST", path, json_body=body)
        except _TooMuch as exc:
            # The request went out; what Bigin did with it is in the answer we would not read.
            raise UnreadableAnswer(str(exc), code="UNREADABLE_ANSWER", status=exc.status,
                                   body=exc.head, duration=exc.duration) from None
        status = response.status_code
        data = parsed.get("data") if isinstance(parsed, dict) else None
        if isinstance(data, list) and status in (200, 201, 202, 207, 400):
            return WriteResponse(
                status=status,
                results=parse_write_results(data, count),
                body=parsed,
                duration=duration,
            )
        if 200 <= status < 300 or (status == 400 and _code(parsed) == ""):
            # Only a per-record answer decides a record. A success status without one (a body
            # cut short, an HTML page from a proxy, {"data": "created"}, 204) or a 400 that is
            # not Bigin's error envelope may follow records that were stored.
            raise UnreadableAnswer(
                f"Bigin answered HTTP {status} {describe_body(parsed)} instead of one result per "
                "record; the records may have been stored.",
                code="UNREADABLE_ANSWER", status=status, body=parsed, duration=duration,
            )
        raise _request_error(status, parsed, duration, scope=scope_for("POST", path))

    def _json(
        self, method: str, path: str, *, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        try:
            response, parsed, duration = self._send(method, path, params=params)
        except _TooMuch as exc:
            raise UnreadableAnswer(str(exc), code="UNREADABLE_ANSWER", status=exc.status,
                                   body=exc.head, duration=exc.duration) from None
        if response.status_code == 204:
            return {}
        if response.status_code == 200 and isinstance(parsed, dict):
            return parsed
        if response.status_code == 200:
            raise UnreadableAnswer(
                f"Bigin answered HTTP 200 {describe_body(parsed)} instead of a JSON object.",
                code="UNREADABLE_ANSWER", status=200, body=parsed, duration=duration,
            )
        raise _request_error(response.status_code, parsed, duration,
                             scope=scope_for(method, path))

    def _token(self, *, reject: str | None = None) -> Any:
        """An access token, or TokenUnavailable: whatever the accounts server did, no request
        to Bigin has left yet, so the caller knows nothing was sent."""
        try:
            return self.auth.token(reject=reject)
        except OAuthError:
            raise
        except BiginError as exc:
            raise TokenUnavailable(
                f"Could not get an access token from the Zoho accounts server: {exc.message}",
                code="TOKEN_UNAVAILABLE",
            ) from exc

    def _base(self) -> str:
        if self.api_domain:
            return self.api_domain
        token = self._token()
        if not token.api_domain:
            raise BiginError("No API domain configured and the token response named none.")
        return token.api_domain.rstrip("/")

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
    ) -> tuple[requests.Response, Any, float]:
        """One HTTP exchange, resent once with a new token if Bigin says the token is invalid."""
        token = self._token()
        for attempt in (1, 2):
            response, parsed, duration = self._exchange(
                method, path, token.access_token, params=params, json_body=json_body
            )
            if response.status_code == 401 and attempt == 1 and _code(parsed) in {
                "INVALID_TOKEN",
                "AUTHENTICATION_FAILURE",
                "INVALID_OAUTHTOKEN",
            }:
                # Bigin rejected the token before doing anything: refresh once and resend.
                token = self._token(reject=token.access_token)
                continue
            return response, parsed, duration
        raise AssertionError("unreachable")

    def _exchange(
        self,
        method: str,
        path: str,
        access_token: str,
        *,
        params: dict[str, Any] | None,
        json_body: Any,
    ) -> tuple[requests.Response, Any, float]:
        url = f"{self._base()}{path}"
        headers = {"Authorization": f"Zoho-oauthtoken {access_token}"}
        started = time.perf_counter()
        try:
            response = self.session.request(
                method, url, params=params, json=json_body, headers=headers, timeout=self.timeout,
                stream=True, allow_redirects=False,
            )
            try:
                content = read_bounded(response, limit=self.max_answer_bytes,
                                       deadline=started + self.deadline)
            finally:
                response.close()
        except _TooMuch as exc:
            exc.duration = time.perf_counter() - started
            self._observe(method, url, json_body, exc.status, exc.head, exc.duration, str(exc))
            raise
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            duration = time.perf_counter() - started
            # ConnectionError, Timeout and a body cut short (ChunkedEncodingError) may all
            # happen after Bigin got the request; only a failure to connect proves it did not.
            never_sent = isinstance(exc, requests.ConnectTimeout) or _never_connected(exc) or (
                isinstance(exc, requests.RequestException)
                and not isinstance(exc, (requests.ConnectionError, requests.Timeout,
                                         requests.exceptions.ChunkedEncodingError,
                                         requests.exceptions.ContentDecodingError))
            )
            self._observe(method, url, json_body, None, None, duration, repr(exc))
            if never_sent:
                raise TransportError(
                    f"Cannot reach Bigin at {self._base()}: {exc}",
                    code="CONNECT_FAILED", duration=duration,
                ) from exc
            raise AmbiguousOutcome(
                f"Bigin did not answer completely ({type(exc).__name__}); the request may "
                "have been processed.",
                code="NO_RESPONSE", duration=duration,
            ) from exc
        duration = time.perf_counter() - started
        parsed: Any = None
        if content:
            try:
                parsed = json.loads(content)
            except ValueError:
                parsed = content[:2000].decode("utf-8", "replace")
        self._observe(method, url, json_body, response.status_code, parsed, duration, "")
        return response, parsed, duration

    def _observe(
        self,
        method: str,
        url: str,
        request_body: Any,
        status: int | None,
        response_body: Any,
        duration: float,
        error: str,
    ) -> None:
        if self.observer is not None:
            self.observer(
                CallRecord(method, url, request_body, status, response_body, duration, error)
            )


def parse_write_results(data: list[Any], count: int) -> list[RecordResult]:
    """One result per record sent: ``data[i]`` belongs to the i-th record, never by guessing.

    Only a readable answer decides a record: SUCCESS with a well-formed ID, or an error with
    Bigin's code. Anything else (no entry, SUCCESS without an ID, an ID that is not one, an
    entry without a code) is RecordMissing, so the row is reconciled rather than marked.
    """
    if len(data) != count:
        # Results are matched by position; with more or fewer of them than records sent, no
        # position can be trusted, so no record is decided by this answer.
        reason = (f"Bigin's answer had {len(data)} result(s) for {count} record(s) sent, so "
                  "no result can be matched to its record.")
        return [RecordMissing(index, reason) for index in range(count)]
    results: list[RecordResult] = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            results.append(RecordMissing(index, "Bigin's result for this record was not a "
                                         "record answer."))
            continue
        raw_details = item.get("details")
        details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
        code = item.get("code")
        # status is lower case and code upper case in Bigin's answers; accept either spelling.
        succeeded = str(code or "").upper() == "SUCCESS" or str(
            item.get("status") or ""
        ).lower() == "success"
        if succeeded:
            record_id = details.get("id")
            if not isinstance(record_id, (str, int)) or isinstance(record_id, bool) or not \
                    RECORD_ID.fullmatch(str(record_id)):
                shown = "no record ID" if record_id in (None, "") else (
                    f"a record ID that is not one ({str(record_id)[:40]!r})")
                results.append(RecordMissing(index, f"Bigin said SUCCESS for this record but "
                                             f"gave {shown}."))
                continue
            results.append(
                RecordSuccess(
                    index=index,
                    id=str(record_id),
                    message=str(item.get("message") or ""),
                    created_time=details.get("Created_Time"),
                    modified_time=details.get("Modified_Time"),
                    action=item.get("action"),
                    duplicate_field=item.get("duplicate_field"),
                    raw=item,
                )
            )
            continue
        if not isinstance(code, str) or not ERROR_CODE.fullmatch(code):
            results.append(RecordMissing(index, "Bigin's result for this record had neither "
                                         "SUCCESS nor an error code."))
            continue
        api_name = details.get("api_name")
        results.append(
            RecordError(
                index=index,
                code=code,
                message=str(item.get("message") or ""),
                api_name=str(api_name) if api_name else None,
                details=details,
                raw=item,
            )
        )
    return results


def _listing(body: dict[str, Any], key: str, *, what: str) -> list[dict[str, Any]]:
    """``body[key]`` when it is a list of objects; anything else (204, {}, an error envelope
    with HTTP 200, a string) is not an answer the caller may act on."""
    items = body.get(key)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        shown = "nothing (HTTP 204 or an empty object)" if not body else (
            f"no {key!r} list" if key not in body else f"{key!r} as a {type(items).__name__}"
            if not isinstance(items, list) else f"{key!r} entries that are not objects")
        raise MalformedAnswer(f"Bigin's {what} came back with {shown}.", code="MALFORMED_ANSWER",
                              status=200 if body else 204, body=_head(body))
    return items


def _head(body: Any, limit: int = 2000) -> str:
    return json.dumps(body, default=str)[:limit]


def describe_body(parsed: Any) -> str:
    """A few words on an answer body that was not what was expected, for people to read."""
    if parsed is None:
        return "with no body"
    if isinstance(parsed, str):
        head = parsed.lstrip()[:15].lower()
        if head.startswith(("<!doctype", "<html", "<")):
            return "with an HTML page"
        return "with a body that is not JSON (cut short or malformed)"
    if isinstance(parsed, dict):
        data = parsed.get("data")
        if "data" not in parsed:
            return "with JSON that has no data list"
        return f"with a data field that is a {type(data).__name__}, not a list"
    return f"with a JSON {type(parsed).__name__} instead of an object"


def _code(parsed: Any) -> str:
    if isinstance(parsed, dict):
        if parsed.get("code"):
            return str(parsed["code"])
        data = parsed.get("data")
        if isinstance(data, list) and data and isinstance(data[0], dict):
            return str(data[0].get("code") or "")
    return ""


def scope_for(method: str, path: str) -> str:
    """The OAuth scope a call needs, to name it when Bigin says the token lacks one."""
    parts = [p for p in path.split("/") if p]  # bigin, v2, ...
    rest = parts[2:] if len(parts) > 2 else []
    if not rest:
        return "ZohoBigin.modules.ALL"
    head = rest[0]
    if head == "settings":
        what = rest[1] if len(rest) > 1 else ""
        return f"ZohoBigin.settings.{what}.READ" if what else "ZohoBigin.settings.ALL"
    if head == "users":
        return "ZohoBigin.users.READ"
    if head == "org":
        return "ZohoBigin.org.READ"
    module = head.lower()
    if len(rest) > 1 and rest[1] == "search":
        return f"ZohoBigin.modules.{module}.READ and ZohoSearch.securesearch.READ"
    if method == "GET":
        return f"ZohoBigin.modules.{module}.READ"
    return f"ZohoBigin.modules.{module}.ALL (or .CREATE)"


def _request_error(status: int, parsed: Any, duration: float, *, scope: str = "") -> BiginError:
    code = _code(parsed)
    message = ""
    details: dict[str, Any] = {}
    if isinstance(parsed, dict):
        source = parsed
        data = parsed.get("data")
        if not parsed.get("code") and isinstance(data, list) and data and isinstance(data[0], dict):
            source = data[0]
        message = str(source.get("message") or "")
        details = source.get("details") if isinstance(source.get("details"), dict) else {}
    kwargs = {"code": code, "status": status, "details": details, "body": parsed,
              "duration": duration}
    text = message or f"HTTP {status}"
    if code in CREDIT_CODES:
        # The client never sends more than 100 records, so Bigin's LIMIT_EXCEEDED cannot be the
        # per-call record limit here: like LIMIT_REACHED it means the credits ran out.
        return CreditsExhausted(
            f"Bigin's API credits for the last 24 hours are used up ({message or code}).",
            **kwargs)
    if status == 429 or code == "TOO_MANY_REQUESTS":
        return RateLimited(text, **kwargs)
    if status >= 500:
        return ServerError(text, **kwargs)
    if code == "INVALID_MODULE":
        return InvalidModuleError(text, **kwargs)
    if code in {"OAUTH_SCOPE_MISMATCH", "NO_PERMISSION"} or status == 403:
        permissions = details.get("permissions")
        named = ", ".join(str(p) for p in permissions[:10]) if isinstance(
            permissions, list) and permissions else ""
        if code == "NO_PERMISSION" or status == 403:
            need = (f"the Bigin user lacks the permission {named}" if named else
                    "the Bigin user's profile lacks the permission for this")
            if scope:
                need += f" (the call also needs the scope {scope})"
        else:
            need = f"the connection's token lacks the scope {scope or 'for this call'}"
        return ScopeError(f"{text}: {need}. Grant it, then generate a new grant code on the "
                          "connection page.", **kwargs)
    if status == 401:
        return AuthenticationError(text, **kwargs)
    return RequestError(text, **kwargs)
