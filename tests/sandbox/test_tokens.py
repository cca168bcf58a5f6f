"""Stateless access tokens and scope checks."""

from __future__ import annotations

import time

import pytest

from bigin_ui.sandbox import tokens


def issue(**overrides):
    options = {"scope": "ZohoBigin.modules.ALL", "user_id": "1", "refresh_id": 7,
               "generation": 3, "ttl_seconds": 60, **overrides}
    return tokens.issue_access_token(**options)


def test_a_token_carries_its_claims():
    token, expires_at = issue()
    claims = tokens.read_access_token(token)
    assert (claims.scope, claims.generation, claims.user_id, claims.refresh_id) == (
        "ZohoBigin.modules.ALL", 3, "1", 7)
    assert claims.expires_at == expires_at
    assert expires_at - time.time() == pytest.approx(60, abs=2)


def test_tokens_look_like_zoho_tokens():
    token, _ = issue()
    assert token.startswith("1000.") and token.count(".") == 2


def test_two_tokens_differ():
    assert issue()[0] != issue()[0]


def test_a_tampered_token_is_refused():
    token, _ = issue()
    payload_start = len("1000.")
    forged = token[:payload_start] + ("A" if token[payload_start] != "A" else "B") + token[
        payload_start + 1:]
    assert tokens.read_access_token(forged) is None


def test_a_token_signed_with_another_key_is_refused(settings):
    token, _ = issue()
    settings.SECRET_KEY = "another-key"
    assert tokens.read_access_token(token) is None


@pytest.mark.parametrize("token", ["", "1000.", "garbage", "1000.abc.def"])
def test_garbage_is_refused(token):
    assert tokens.read_access_token(token) is None


def test_scopes_split_on_commas_and_spaces():
    assert tokens.parse_scopes("A.b, C.d E.f") == ["A.b", "C.d", "E.f"]


def test_module_scope_matches_without_case():
    scopes = frozenset({"zohobigin.modules.contacts.create"})
    assert tokens.allows(scopes, tokens.module_scopes("Contacts", write=True))


def test_create_scope_does_not_allow_reading():
    scopes = frozenset({"zohobigin.modules.contacts.create"})
    assert not tokens.allows(scopes, tokens.module_scopes("Contacts", write=False))


def test_module_scope_is_per_module():
    scopes = frozenset({"zohobigin.modules.contacts.all"})
    assert not tokens.allows(scopes, tokens.module_scopes("Accounts", write=True))


def test_grant_codes_are_random():
    assert tokens.new_opaque_token() != tokens.new_opaque_token()
