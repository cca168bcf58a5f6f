"""The accounts server over real HTTP: grants, their errors, throttling and revocation."""

from __future__ import annotations

from datetime import timedelta

import requests
from django.utils import timezone

from bigin_ui.sandbox.constants import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_REFRESH_TOKEN,
    SANDBOX_SCOPE,
)
from bigin_ui.sandbox.models import GrantCode

CLIENT = {"client_id": SANDBOX_CLIENT_ID, "client_secret": SANDBOX_CLIENT_SECRET}


def refresh(sandbox, refresh_token=SANDBOX_REFRESH_TOKEN, **overrides):
    params = {"grant_type": "refresh_token", "refresh_token": refresh_token, **CLIENT,
              **overrides}
    return sandbox.token_response(**params)


def exchange(sandbox, code):
    return sandbox.token_response(grant_type="authorization_code", code=code, **CLIENT)


def test_refresh_grant_answers_a_bearer_token_for_this_sandbox(sandbox):
    response = refresh(sandbox)
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"access_token", "scope", "api_domain", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert body["api_domain"] == sandbox.base_url
    assert body["access_token"].startswith("1000.")


def test_refresh_grant_reports_the_scope(sandbox):
    assert refresh(sandbox).json()["scope"].split() == SANDBOX_SCOPE.split(",")


def test_the_token_opens_the_api_at_api_domain(sandbox):
    body = refresh(sandbox).json()
    response = requests.get(f"{body['api_domain']}/bigin/v2/org", timeout=10,
                            headers={"Authorization": f"Zoho-oauthtoken {body['access_token']}"})
    assert response.status_code == 200


def test_parameters_may_come_in_the_query_string(sandbox):
    params = {"grant_type": "refresh_token", "refresh_token": SANDBOX_REFRESH_TOKEN, **CLIENT}
    response = requests.post(f"{sandbox.base_url}/oauth/v2/token", params=params, timeout=10)
    assert "access_token" in response.json()


def test_token_ttl_knob_sets_expires_in(sandbox):
    sandbox.knobs(token_ttl_seconds=120)
    assert refresh(sandbox).json()["expires_in"] == 120


def test_unknown_client_is_invalid_client_with_http_200(sandbox):
    response = refresh(sandbox, client_id="1000.WRONG")
    assert (response.status_code, response.json()) == (200, {"error": "invalid_client"})


def test_wrong_secret_is_invalid_client_secret(sandbox):
    assert refresh(sandbox, client_secret="nope").json() == {"error": "invalid_client_secret"}


def test_unknown_refresh_token_is_invalid_code(sandbox):
    assert refresh(sandbox, "1000.not.a-token").json() == {"error": "invalid_code"}


def test_missing_grant_type_is_unsupported(sandbox):
    assert sandbox.token_response(**CLIENT).json() == {"error": "unsupported_grant_type"}


def test_unknown_grant_type_is_unsupported(sandbox):
    body = sandbox.token_response(grant_type="password", **CLIENT).json()
    assert body == {"error": "unsupported_grant_type"}


def test_grant_code_gives_a_new_refresh_token(sandbox):
    body = exchange(sandbox, sandbox.grant_code()).json()
    assert body["refresh_token"].startswith("1000.")
    assert body["refresh_token"] != SANDBOX_REFRESH_TOKEN
    assert sandbox.token(body["refresh_token"]).startswith("1000.")


def test_grant_code_works_once(sandbox):
    code = sandbox.grant_code()
    exchange(sandbox, code)
    assert exchange(sandbox, code).json() == {"error": "invalid_code"}


def test_expired_grant_code_is_invalid_code(sandbox):
    code = sandbox.grant_code()
    GrantCode.objects.filter(code=code).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert exchange(sandbox, code).json() == {"error": "invalid_code"}


def test_unknown_grant_code_is_invalid_code(sandbox):
    assert exchange(sandbox, "1000.made.up").json() == {"error": "invalid_code"}


def test_grant_code_scope_limits_the_token(sandbox):
    body = exchange(sandbox, sandbox.grant_code("ZohoBigin.modules.contacts.READ")).json()
    token = body["access_token"]
    assert sandbox.api("GET", "Contacts", token=token, params={"fields": "Email"}).status_code == (
        200)
    denied = sandbox.api("POST", "Contacts", token=token, json={"data": [{"Last_Name": "X"}]})
    assert (denied.status_code, denied.json()["code"]) == (401, "OAUTH_SCOPE_MISMATCH")


def test_throttle_answers_access_denied_past_the_limit(sandbox):
    sandbox.knobs(token_throttle_limit=2)
    refresh(sandbox)
    refresh(sandbox)
    response = refresh(sandbox)
    assert response.status_code == 400
    assert response.json() == {
        "error_description": "You have made too many requests continuously. Please try again "
                             "after some time.",
        "error": "Access Denied", "status": "failure"}


def test_throttle_is_per_refresh_token(sandbox):
    sandbox.knobs(token_throttle_limit=2)
    refresh(sandbox)
    refresh(sandbox)
    assert refresh(sandbox).status_code == 400
    # The exchange itself issues the new refresh token's first access token.
    other = exchange(sandbox, sandbox.grant_code()).json()["refresh_token"]
    assert "access_token" in refresh(sandbox, other).json()


def test_throttle_can_be_turned_off(sandbox):
    sandbox.knobs(token_throttle=False, token_throttle_limit=1)
    refresh(sandbox)
    assert "access_token" in refresh(sandbox).json()


def test_throttle_is_on_by_default_at_ten(sandbox):
    answers = [refresh(sandbox).status_code for _ in range(11)]
    assert answers == [200] * 10 + [400]


def test_every_issued_token_is_counted(sandbox):
    refresh(sandbox)
    exchange(sandbox, sandbox.grant_code())
    refresh(sandbox, "1000.not.a-token")
    assert sandbox.stats()["token_issued"] == 2


def test_revoked_refresh_token_is_invalid_code(sandbox):
    fresh = exchange(sandbox, sandbox.grant_code()).json()["refresh_token"]
    response = requests.post(f"{sandbox.base_url}/oauth/v2/token/revoke",
                             params={"token": fresh}, timeout=10)
    assert response.json() == {"status": "success"}
    assert refresh(sandbox, fresh).json() == {"error": "invalid_code"}


def test_revoking_a_refresh_token_voids_its_access_tokens(sandbox):
    body = exchange(sandbox, sandbox.grant_code()).json()
    requests.post(f"{sandbox.base_url}/oauth/v2/token/revoke",
                  params={"token": body["refresh_token"]}, timeout=10)
    response = sandbox.api("GET", "org", token=body["access_token"])
    assert (response.status_code, response.json()["code"]) == (401, "INVALID_TOKEN")


def test_reset_restores_a_revoked_built_in_token(sandbox):
    requests.post(f"{sandbox.base_url}/oauth/v2/token/revoke",
                  params={"token": SANDBOX_REFRESH_TOKEN}, timeout=10)
    sandbox.reset()
    assert "access_token" in refresh(sandbox).json()
