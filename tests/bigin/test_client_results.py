from __future__ import annotations

from bigin_ui.bigin.client import _request_error, parse_write_results
from bigin_ui.bigin.errors import (
    AuthenticationError,
    InvalidModuleError,
    RateLimited,
    RecordLimitError,
    ScopeError,
    ServerError,
)
from bigin_ui.bigin.results import RecordError, RecordMissing, RecordSuccess


def success(record_id: str) -> dict:
    details = {"id": record_id, "Created_Time": "2026-10-09T22:11:33+03:00"}
    return {"code": "SUCCESS", "details": details, "message": "record added",
            "status": "success"}


def error(code: str, api_name: str | None = None, **details) -> dict:
    if api_name:
        details["api_name"] = api_name
    return {"code": code, "details": details, "message": code.lower(), "status": "error"}


def test_each_result_belongs_to_the_record_at_its_index():
    data = [success("1"), error("INVALID_DATA", "Phone"), success("3")]
    results = parse_write_results(data, 3)
    assert isinstance(results[0], RecordSuccess) and results[0].id == "1"
    assert isinstance(results[1], RecordError) and results[1].api_name == "Phone"
    assert isinstance(results[2], RecordSuccess) and results[2].id == "3"
    assert [r.index for r in results] == [0, 1, 2]


def test_missing_entries_are_unknown_not_guessed():
    results = parse_write_results([success("1")], 3)
    assert isinstance(results[0], RecordSuccess)
    assert all(isinstance(r, RecordMissing) for r in results[1:])


def test_upper_or_lower_case_success_markers_are_both_read():
    item = {"code": "SUCCESS", "details": {"id": "9"}, "status": "SUCCESS"}
    (result,) = parse_write_results([item], 1)
    assert isinstance(result, RecordSuccess)


def test_duplicate_error_exposes_the_existing_record():
    item = error("DUPLICATE_DATA", "Email",
                 duplicate_record={"id": "4881139000000428295", "module": {"api_name": "Contacts"}})
    (result,) = parse_write_results([item], 1)
    assert isinstance(result, RecordError)
    assert result.duplicate_id == "4881139000000428295"


def test_upsert_action_is_kept():
    item = {**success("7"), "action": "update", "duplicate_field": "Email"}
    (result,) = parse_write_results([item], 1)
    assert result.action == "update" and result.duplicate_field == "Email"


def test_request_level_errors_are_typed():
    assert isinstance(_request_error(429, {"code": "TOO_MANY_REQUESTS"}, 0.1), RateLimited)
    assert isinstance(_request_error(500, {"code": "INTERNAL_ERROR"}, 0.1), ServerError)
    assert isinstance(_request_error(502, "<html>bad gateway</html>", 0.1), ServerError)
    assert isinstance(_request_error(400, {"code": "INVALID_MODULE"}, 0.1), InvalidModuleError)
    assert isinstance(_request_error(401, {"code": "OAUTH_SCOPE_MISMATCH"}, 0.1), ScopeError)
    assert isinstance(_request_error(403, {"code": "NO_PERMISSION"}, 0.1), ScopeError)
    assert isinstance(_request_error(401, {"code": "INVALID_TOKEN"}, 0.1), AuthenticationError)
    assert isinstance(_request_error(400, {"code": "LIMIT_EXCEEDED"}, 0.1), RecordLimitError)
