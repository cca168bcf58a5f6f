"""Fault knobs over real HTTP: 429s, 500s, dropped answers, latency, token expiry."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from tests.sandbox.helpers import contact, insert


def emails(sandbox):
    return [r["Email"] for r in sandbox.records("Contacts")]


def test_max_concurrency_answers_429_to_the_excess(sandbox):
    sandbox.knobs(max_concurrency=2, latency_ms=400)
    token = sandbox.token()
    statuses = []
    barrier = threading.Barrier(6)

    def call():
        barrier.wait()
        statuses.append(sandbox.api("GET", "org", token=token).status_code)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(429) >= 1 and statuses.count(200) >= 2
    stats = sandbox.stats()
    assert stats["max_in_flight"] == 2 and stats["responses_429"] == statuses.count(429)


def test_too_many_requests_has_the_bigin_shape(sandbox):
    sandbox.knobs(rate_429=1.0)
    response = insert(sandbox, "Contacts", contact("Busy", "busy@example.com"))
    assert (response.status_code, response.json()) == (429, {
        "code": "TOO_MANY_REQUESTS", "details": {}, "message": "too many requests",
        "status": "error"})
    assert "busy@example.com" not in emails(sandbox)


def test_rate_500_stores_nothing(sandbox):
    sandbox.knobs(rate_500=1.0)
    response = insert(sandbox, "Contacts", contact("Err", "err@example.com"))
    assert (response.status_code, response.json()) == (500, {
        "code": "INTERNAL_ERROR", "details": {}, "message": "Internal Server Error",
        "status": "error"})
    assert "err@example.com" not in emails(sandbox)
    assert sandbox.stats()["responses_500"] == 1


def test_rate_500_spares_reads(sandbox):
    sandbox.knobs(rate_500=1.0)
    assert sandbox.api("GET", "org").status_code == 200


def test_dropped_answer_breaks_the_client_but_the_record_is_stored(sandbox):
    sandbox.knobs(rate_drop=1.0)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        insert(sandbox, "Contacts", contact("Drop", "drop@example.com"))
    assert "drop@example.com" in emails(sandbox)
    assert sandbox.stats()["drops"] == 1


def test_drop_before_headers_is_a_connection_error(sandbox):
    sandbox.knobs(rate_drop=1.0, drop_mode="before_headers")
    with pytest.raises(requests.exceptions.ConnectionError):
        insert(sandbox, "Contacts", contact("Gone", "gone@example.com"))
    assert "gone@example.com" in emails(sandbox)


def test_a_dropped_upsert_is_stored_too(sandbox):
    sandbox.knobs(rate_drop=1.0)
    with pytest.raises(requests.exceptions.RequestException):
        sandbox.api("POST", "Contacts/upsert", json={"data": [contact("Up", "up@example.com")]})
    assert "up@example.com" in emails(sandbox)


def test_the_server_keeps_answering_after_drops(sandbox):
    sandbox.knobs(rate_drop=1.0)
    for n in range(3):
        with pytest.raises(requests.exceptions.RequestException):
            insert(sandbox, "Contacts", contact(f"D{n}"), )
    sandbox.knobs(rate_drop=0.0)
    started = time.monotonic()
    assert insert(sandbox, "Contacts", contact("After")).status_code == 201
    assert time.monotonic() - started < 2


def test_latency_makes_each_call_last_at_least_that_long(sandbox):
    sandbox.knobs(latency_ms=300)
    started = time.monotonic()
    sandbox.api("GET", "org")
    assert time.monotonic() - started >= 0.3


def test_latency_is_the_calls_whole_time_the_apps_middleware_included(sandbox, monkeypatch):
    """latency_ms is what Bigin takes to answer in all: time the app's own middleware spends
    before the sandbox's view counts towards it instead of coming on top."""
    from django.middleware.common import CommonMiddleware

    sandbox.api("GET", "org")  # a token first, outside the slow middleware
    sandbox.knobs(latency_ms=300)

    def slow(self, request):
        time.sleep(0.25)

    monkeypatch.setattr(CommonMiddleware, "process_request", slow)
    started = time.monotonic()
    sandbox.api("GET", "org")
    elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 0.5


def test_no_latency_by_default(sandbox):
    sandbox.api("GET", "org")
    started = time.monotonic()
    sandbox.api("GET", "org")
    assert time.monotonic() - started < 0.3


def test_expire_tokens_voids_every_issued_token(sandbox):
    old = sandbox.token()
    sandbox.knobs(expire_tokens=True)
    assert sandbox.api("GET", "org", token=old).json()["code"] == "INVALID_TOKEN"
    assert sandbox.api("GET", "org", token=sandbox.token()).status_code == 200


def test_expire_tokens_is_an_action_not_a_knob(sandbox):
    assert "expire_tokens" not in sandbox.knobs(expire_tokens=True)


def test_seeded_faults_repeat(sandbox):
    def pattern():
        sandbox.knobs(rate_500=0.5, seed=11)
        return [insert(sandbox, "Contacts", contact("S")).status_code for _ in range(10)]

    first_run = pattern()
    sandbox.knobs(seed=None)
    assert pattern() == first_run and set(first_run) == {201, 500}


def test_calls_are_counted(sandbox):
    sandbox.api("GET", "org")
    insert(sandbox, "Contacts", contact("A"))
    stats = sandbox.stats()
    assert (stats["api_calls"], stats["write_calls"], stats["records_created"]) == (2, 1, 1)
