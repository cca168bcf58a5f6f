"""Calls to Bigin's REST API v2.

Every call has explicit timeouts. Write calls return one typed result per record sent, read
from ``data[i]`` by position, whatever the HTTP status (201, 202, 207 and 400-with-data all
carry per-record results). Request-level failures raise the exceptions in errors.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

import requests

from bigin_ui.bigin.auth import OAuthClient, _never_connected
from bigin_ui.bigin.errors import (
    AmbiguousOutcome,
    AuthenticationError,
    BiginError,
    InvalidModuleError,
    RateLimited,
    RecordLimitError,
    RequestError,
    ScopeError,
    ServerError,
    TransportError,
)
from bigin_ui.bigin.results import (
    CallRecord,
    RecordError,
    RecordMissing,
    RecordResult,
    RecordSuccess,
    WriteResponse,
)

MAX_RECORDS_PER_CALL = 100
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
    ) -> None:
        self.auth = auth
        self.session = session
        self.api_domain = api_domain.rstrip("/")
        self.timeout = timeout
        self.observer = observer

    # -- metadata -----------------------------------------------------------------------

    def get_fields(self, module: str) -> list[dict[str, Any]]:
        body = self._json("GET", "/bigin/v2/settings/fields", params={"module": module})
        return list(body.get("fields") or [])

    def get_layouts(self, module: str) -> list[dict[str, Any]]:
        body = self._json("GET", "/bigin/v2/settings/layouts", params={"module": module})
        return list(body.get("layouts") or [])

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
            users.extend(body.get("users") or [])
            if not (body.get("info") or {}).get("more_records"):
                return users
            page += 1

    def get_org(self) -> dict[str, Any]:
        body = self._json("GET", "/bigin/v2/org")
        orgs = body.get("org") or []
        return dict(orgs[0]) if orgs else {}

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
        response, parsed, duration = self._send("POST", path, json_body=body)
        data = parsed.get("data") if isinstance(parsed, dict) else None
        if isinstance(data, list) and response.status_code in (200, 201, 202, 207, 400):
            return WriteResponse(
                status=response.status_code,
                results=parse_write_results(data, count),
                body=parsed,
                duration=duration,
            )
        raise _request_error(response.status_code, parsed, duration)

    def _json(
        self, method: str, path: str, *, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        response, parsed, duration = self._send(method, path, params=params)
        if response.status_code == 204:
            return {}
        if response.status_code == 200 and isinstance(parsed, dict):
            return parsed
        raise _request_error(response.status_code, parsed, duration)

    def _base(self) -> str:
        if self.api_domain:
            return self.api_domain
        token = self.auth.token()
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
        token = self.auth.token()
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
                token = self.auth.token(reject=token.access_token)
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
                method, url, params=params, json=json_body, headers=headers, timeout=self.timeout
            )
            # Read the whole body here so a connection dropped mid-body surfaces now.
            content = response.content
        except requests.RequestException as exc:
            duration = time.perf_counter() - started
            # ConnectionError, Timeout and a body cut short (ChunkedEncodingError) may all
            # happen after Bigin got the request; only a failure to connect proves it did not.
            never_sent = isinstance(exc, requests.ConnectTimeout) or _never_connected(exc) or (
                not isinstance(exc, (requests.ConnectionError, requests.Timeout,
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
    """One result per record sent: ``data[i]`` belongs to the i-th record, never by guessing."""
    results: list[RecordResult] = []
    for index in range(count):
        if index >= len(data) or not isinstance(data[index], dict):
            results.append(RecordMissing(index))
            continue
        item: dict[str, Any] = data[index]
        details = item.get("details") if isinstance(item.get("details"), dict) else {}
        # status is lower case and code upper case in Bigin's answers; accept either spelling.
        succeeded = str(item.get("code", "")).upper() == "SUCCESS" or str(
            item.get("status", "")
        ).lower() == "success"
        if succeeded and details.get("id"):
            results.append(
                RecordSuccess(
                    index=index,
                    id=str(details["id"]),
                    message=str(item.get("message") or ""),
                    created_time=details.get("Created_Time"),
                    modified_time=details.get("Modified_Time"),
                    action=item.get("action"),
                    duplicate_field=item.get("duplicate_field"),
                    raw=item,
                )
            )
        else:
            api_name = details.get("api_name")
            results.append(
                RecordError(
                    index=index,
                    code=str(item.get("code") or "UNKNOWN_ERROR"),
                    message=str(item.get("message") or ""),
                    api_name=str(api_name) if api_name else None,
                    details=details,
                    raw=item,
                )
            )
    return results


def _code(parsed: Any) -> str:
    if isinstance(parsed, dict):
        if parsed.get("code"):
            return str(parsed["code"])
        data = parsed.get("data")
        if isinstance(data, list) and data and isinstance(data[0], dict):
            return str(data[0].get("code") or "")
    return ""


def _request_error(status: int, parsed: Any, duration: float) -> BiginError:
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
    if code == "LIMIT_EXCEEDED" and status != 429:
        return RecordLimitError(text, **kwargs)
    if status == 429 or code == "TOO_MANY_REQUESTS":
        return RateLimited(text, **kwargs)
    if status >= 500:
        return ServerError(text, **kwargs)
    if code == "INVALID_MODULE":
        return InvalidModuleError(text, **kwargs)
    if code in {"OAUTH_SCOPE_MISMATCH", "NO_PERMISSION"} or status == 403:
        return ScopeError(text, **kwargs)
    if status == 401:
        return AuthenticationError(text, **kwargs)
    return RequestError(text, **kwargs)
