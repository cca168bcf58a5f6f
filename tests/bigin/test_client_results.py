from __future__ import annotations

import pytest

from bigin_ui.bigin.client import _request_error, parse_write_results, scope_for
from bigin_ui.bigin.errors import (
    AuthenticationError,
    CreditsExhausted,
    InvalidModuleError,
    RateLimited,
    ScopeError,
    ServerError,
)
from bigin_ui.bigin.results import RecordError, RecordMissing, RecordSuccess

ID1, ID3, ID7, ID9 = ("2034020000000700001", "2034020000000700003", "7618134000000648053",
                      "4881139000000428295")


def success(record_id: str) -> dict:
    details = {"id": record_id, "Created_Time": "2026-10-09T22:11:33+03:00"}
    return {"code": "SUCCESS", "details": details, "message": "record added",
            "status": "success"}


def error(code: str, api_name: str | None = None, **details) -> dict:
    if api_name:
        details["api_name"] = api_name
    return {"code": code, "details": details, "message": code.lower(), "status": "error"}


def test_each_result_belongs_to_the_record_at_its_index():
    data = [success(ID1), error("INVALID_DATA", "Phone"), success(ID3)]
    results = parse_write_results(data, 3)
    assert isinstance(results[0], RecordSuccess) and results[0].id == ID1
    assert isinstance(results[1], RecordError) and results[1].api_name == "Phone"
    assert isinstance(results[2], RecordSuccess) and results[2].id == ID3
    assert [r.index for r in results] == [0, 1, 2]


def test_fewer_results_than_records_decide_no_record():
    # Issue 10: "fewer or more results than rows makes the rows unknown". With the count off,
    # position i may not be the i-th record's answer, so even data[0] is not trusted.
    results = parse_write_results([success(ID1)], 3)
    assert all(isinstance(r, RecordMissing) for r in results)
    assert "1 result(s) for 3 record(s)" in results[0].reason


def test_more_results_than_records_decide_no_record():
    results = parse_write_results([success(ID1), success(ID3)], 1)
    assert [type(r) for r in results] == [RecordMissing]


@pytest.mark.parametrize("item", [
    {"code": "SUCCESS", "status": "success", "message": "record added"},  # no details
    {"code": "SUCCESS", "status": "success", "details": {}},
    {"code": "SUCCESS", "status": "success", "details": {"id": "1" * 60}},  # absurd ID
    {"code": "SUCCESS", "status": "success", "details": {"id": "12ab"}},
    {"code": "SUCCESS", "status": "success", "details": {"id": True}},
    {"code": "SUCCESS", "status": "success", "details": {"id": {"x": 1}}},
    {"status": "success", "details": {"id": "0000000000000000001"}},
    {"message": "what"},  # neither success nor a code
    {"code": "", "status": "error"},
    {"code": "<b>oops</b>", "status": "error"},
    "created",
    None,
    ["SUCCESS"],
])
def test_unreadable_result_entries_are_unknown_never_failed(item):
    (result,) = parse_write_results([item], 1)
    assert isinstance(result, RecordMissing)
    assert result.reason


def test_a_nineteen_digit_id_as_a_number_is_read():
    item = {"code": "SUCCESS", "status": "success", "details": {"id": 7618134000000648053}}
    (result,) = parse_write_results([item], 1)
    assert isinstance(result, RecordSuccess) and result.id == "7618134000000648053"


def test_upper_or_lower_case_success_markers_are_both_read():
    item = {"code": "SUCCESS", "details": {"id": ID9}, "status": "SUCCESS"}
    (result,) = parse_write_results([item], 1)
    assert isinstance(result, RecordSuccess)


def test_duplicate_error_exposes_the_existing_record():
    item = error("DUPLICATE_DATA", "Email",
                 duplicate_record={"id": "4881139000000428295", "module": {"api_name": "Contacts"}})
    (result,) = parse_write_results([item], 1)
    assert isinstance(result, RecordError)
    assert result.duplicate_id == "4881139000000428295"


def test_upsert_action_is_kept():
    item = {**success(ID7), "action": "update", "duplicate_field": "Email"}
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
    # The doc lists LIMIT_EXCEEDED for "more than 100 records"; the client refuses to send more
    # than 100 (test below), so from Bigin it means the credits ran out (bigin-api.md §5).
    for code in ("LIMIT_EXCEEDED", "LIMIT_REACHED", "MAX_DAILY_CALLS_EXCEEDED"):
        assert isinstance(_request_error(400, {"code": code}, 0.1), CreditsExhausted)


def test_scope_and_permission_errors_name_what_is_missing():
    scope = _request_error(401, {"code": "OAUTH_SCOPE_MISMATCH", "message": "invalid oauth "
                                 "scope to access this URL"}, 0.1,
                           scope=scope_for("POST", "/bigin/v2/Contacts"))
    assert "ZohoBigin.modules.contacts.ALL" in str(scope)
    fields = _request_error(401, {"code": "OAUTH_SCOPE_MISMATCH"}, 0.1,
                            scope=scope_for("GET", "/bigin/v2/settings/fields"))
    assert "ZohoBigin.settings.fields.READ" in str(fields)
    denied = _request_error(403, {"code": "NO_PERMISSION", "message": "permission denied",
                                  "details": {"permissions": ["Crm_Implied_Create_Contacts"]}},
                            0.1)
    assert "Crm_Implied_Create_Contacts" in str(denied)


def test_the_client_never_sends_more_than_a_hundred_records():
    from bigin_ui.bigin.auth import MemoryTokenStore, OAuthClient
    from bigin_ui.bigin.client import BiginClient

    auth = OAuthClient(accounts_url="http://127.0.0.1:9", client_id="x", client_secret="x",
                       refresh_token="x", store=MemoryTokenStore(), session=None)
    client = BiginClient(auth=auth, session=None, api_domain="http://127.0.0.1:9")
    with pytest.raises(ValueError, match="at most 100"):
        client.insert_records("Contacts", [{"Last_Name": "x"}] * 101)
