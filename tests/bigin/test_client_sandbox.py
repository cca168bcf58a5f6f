"""The real client against the sandbox over real HTTP."""

from __future__ import annotations

import dataclasses

import pytest

from bigin_ui.bigin.errors import (
    AmbiguousOutcome,
    InvalidModuleError,
    OAuthError,
    RateLimited,
    ServerError,
    TokenThrottled,
    TransportError,
)
from bigin_ui.bigin.results import RecordError, RecordSuccess
from bigin_ui.connection.services import sandbox_config


def contact(last_name: str, email: str | None = None, **extra) -> dict:
    record = {"Last_Name": last_name, **extra}
    if email:
        record["Email"] = email
    return record


def test_fields_metadata_has_the_recorded_contacts_shape(sandbox, client_for):
    fields = client_for().get_fields("Contacts")
    names = [f["api_name"] for f in fields]
    assert names[:3] == ["Owner", "First_Name", "Last_Name"]
    email = next(f for f in fields if f["api_name"] == "Email")
    assert email["unique"] == {"casesensitive": "0"}
    assert email["data_type"] == "email" and email["json_type"] == "string"


def test_one_record_is_created_with_201(sandbox, client_for):
    response = client_for().insert_records("Contacts", [contact("Solo", "solo@example.com")])
    assert response.status == 201
    (result,) = response.results
    assert isinstance(result, RecordSuccess) and len(result.id) == 19


def test_mixed_batch_maps_every_result_to_its_record(sandbox, client_for):
    records = [contact("Ok1", "ok1@example.com"), {"First_Name": "NoLastName"},
               contact("Ok2", "ok2@example.com"), contact("Dup", "OK1@example.com")]
    response = client_for().insert_records("Contacts", records)
    assert response.status == 202
    ok1, missing, ok2, dup = response.results
    assert isinstance(ok1, RecordSuccess) and isinstance(ok2, RecordSuccess)
    assert isinstance(missing, RecordError) and missing.code == "MANDATORY_NOT_FOUND"
    assert missing.api_name == "Last_Name"
    assert isinstance(dup, RecordError) and dup.code == "DUPLICATE_DATA"
    assert dup.duplicate_id == ok1.id


def test_all_failed_is_400_with_per_record_errors(sandbox, client_for):
    response = client_for().insert_records("Contacts", [{"Email": "x@example.com"}])
    assert response.status == 400
    assert response.results[0].code == "MANDATORY_NOT_FOUND"


def test_invalid_module_raises(sandbox, client_for):
    with pytest.raises(InvalidModuleError):
        client_for().insert_records("Leads", [contact("X")])


def test_search_with_no_match_is_an_empty_list(sandbox, client_for):
    assert client_for().search("Contacts", criteria="(Email:equals:nobody@nowhere.test)") == []


def test_search_finds_a_created_record(sandbox, client_for):
    client = client_for()
    created = client.insert_records("Contacts", [contact("Findme", "findme@example.com")])
    found = client.search("Contacts", criteria="(Email:equals:findme@example.com)")
    assert [r["id"] for r in found] == [created.results[0].id]


def test_expired_token_is_refreshed_once_and_the_call_resent(sandbox, client_for):
    client = client_for()
    client.get_fields("Contacts")
    before = sandbox.stats()["token_issued"]
    sandbox.knobs(expire_tokens=True)
    response = client.insert_records("Contacts", [contact("After", "after@example.com")])
    assert isinstance(response.results[0], RecordSuccess)
    assert sandbox.stats()["token_issued"] == before + 1


def test_access_token_is_reused_across_clients(sandbox, client_for):
    client_for().get_fields("Contacts")
    client_for().get_fields("Accounts")
    assert sandbox.stats()["token_issued"] == 1


def test_wrong_client_id_is_a_clear_oauth_error(sandbox, client_for):
    config = dataclasses.replace(sandbox_config(), client_id="1000.WRONG")
    with pytest.raises(OAuthError, match="invalid_client"):
        client_for(config).get_fields("Contacts")


def test_revoked_refresh_token_says_invalid_code(sandbox, client_for):
    config = dataclasses.replace(sandbox_config(), refresh_token="1000.not-a-token")
    with pytest.raises(OAuthError, match="invalid_code"):
        client_for(config).get_fields("Contacts")


def test_token_throttling_is_reported_as_such(sandbox, client_for):
    sandbox.knobs(token_throttle=True, token_throttle_limit=1)
    client = client_for()
    client.get_fields("Contacts")
    sandbox.knobs(expire_tokens=True)
    with pytest.raises(TokenThrottled, match="throttling"):
        client.get_fields("Contacts")


def test_server_error_is_retryable_and_stores_nothing(sandbox, client_for):
    sandbox.knobs(rate_500=1.0)
    with pytest.raises(ServerError):
        client_for().insert_records("Contacts", [contact("Err", "err@example.com")])
    sandbox.knobs(rate_500=0.0)
    assert not [r for r in sandbox.records("Contacts") if r.get("Email") == "err@example.com"]


def test_rate_limit_is_raised(sandbox, client_for):
    sandbox.knobs(rate_429=1.0)
    with pytest.raises(RateLimited):
        client_for().insert_records("Contacts", [contact("Busy", "busy@example.com")])


def test_dropped_answer_is_ambiguous_and_the_record_exists(sandbox, client_for):
    sandbox.knobs(rate_drop=1.0)
    with pytest.raises(AmbiguousOutcome):
        client_for().insert_records("Contacts", [contact("Drop", "drop@example.com")])
    assert [r for r in sandbox.records("Contacts") if r.get("Email") == "drop@example.com"]


def test_unreachable_server_is_a_transport_error(client_for, settings, db):
    config = dataclasses.replace(sandbox_config(), api_domain="http://127.0.0.1:9",
                                 accounts_url="http://127.0.0.1:9")
    with pytest.raises(TransportError):
        client_for(config).get_fields("Contacts")


def test_the_token_is_refreshed_five_minutes_before_it_expires(sandbox):
    import requests

    from bigin_ui.bigin.auth import MemoryTokenStore, OAuthClient
    from bigin_ui.connection.services import sandbox_config

    config = sandbox_config()
    now = [1_000_000.0]
    auth = OAuthClient(accounts_url=config.accounts_url, client_id=config.client_id,
                       client_secret=config.client_secret, refresh_token=config.refresh_token,
                       store=MemoryTokenStore(), session=requests.Session(),
                       clock=lambda: now[0])
    first = auth.token()
    lifetime = first.expires_at - now[0]
    assert lifetime > 600  # the sandbox issues hour-long tokens, as Zoho does
    now[0] = first.expires_at - 301  # just over five minutes left: keep it
    assert auth.token().access_token == first.access_token
    now[0] = first.expires_at - 299  # under five minutes left: refresh
    assert auth.token().access_token != first.access_token
    assert auth.refresh_count == 2
