"""Bigin-shaped JSON answers: every API error is one of these, never an HTML page."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"


def dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def json_response(body: Any, status: int = 200) -> HttpResponse:
    response = HttpResponse(dumps(body), status=status, content_type=JSON_CONTENT_TYPE)
    if status >= 400:
        # A simulated Bigin error is the sandbox working, not failing: keep Django from
        # logging it as "Internal Server Error" or "Bad Request" (real failures are logged
        # where they are caught).
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def no_content() -> HttpResponse:
    return HttpResponse(status=204)


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "details": details or {}, "message": message, "status": "error"}


class ApiError(Exception):
    """A request-level failure, answered as a top-level (not per-record) error body."""

    def __init__(self, status: int, code: str, message: str,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.body = error_body(code, message, details)

    def response(self) -> HttpResponse:
        return json_response(self.body, self.status)


def authentication_failure() -> ApiError:
    return ApiError(401, "AUTHENTICATION_FAILURE", "Authentication failed")


def invalid_token() -> ApiError:
    return ApiError(401, "INVALID_TOKEN", "invalid oauth token")


def scope_mismatch() -> ApiError:
    return ApiError(401, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL")


def invalid_module(details: dict[str, Any] | None = None) -> ApiError:
    return ApiError(400, "INVALID_MODULE", "the module name given seems to be invalid",
                    details if details is not None else {"resource_path_index": 0})


def param_missing(name: str) -> ApiError:
    return ApiError(400, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing",
                    {"param_name": name})


def invalid_param(name: str, **extra: Any) -> ApiError:
    return ApiError(400, "INVALID_DATA", "invalid data", {"param_name": name, **extra})


def invalid_query(reason: str, **extra: Any) -> ApiError:
    return ApiError(400, "INVALID_QUERY", "invalid query formed", {"reason": reason, **extra})


def too_many_requests() -> HttpResponse:
    return json_response(error_body("TOO_MANY_REQUESTS", "too many requests"), 429)


def internal_error() -> HttpResponse:
    return json_response(error_body("INTERNAL_ERROR", "Internal Server Error"), 500)
