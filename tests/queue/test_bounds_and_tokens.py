"""Bounded work and bounded token refreshes (issue 10).

- A maximum answer size and a total deadline per call, enforced while reading: a huge answer
  is not held in memory, a body dripped a byte every 2 s ends at the deadline.
- Nothing sent means nothing sent: a slow or absent accounts server leaves rows pending with
  the reason, pauses the run, and the refresh token is asked at most a handful of times.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest

from bigin_ui.bigin.errors import UnreadableAnswer
from bigin_ui.queue.attempts import bounded_body
from bigin_ui.queue.models import Attempt, Row, SubmissionRun
from bigin_ui.queue.runs import start_run
from tests.hostile import Hostile, point_app_at


@pytest.fixture
def hostile(synced, settings):
    settings.BIGIN_RETRY_BASE_SECONDS = 0.01
    settings.BIGIN_SEARCH_LAG_SECONDS = 0.2
    settings.BIGIN_MAX_ANSWER_BYTES = 200_000
    settings.BIGIN_CALL_DEADLINE_SECONDS = 3.0
    settings.BIGIN_READ_TIMEOUT = 8.0
    upstream = Hostile(synced.base_url)
    point_app_at(settings, upstream, synced.base_url)
    yield upstream
    upstream.close()


def a_client():
    from bigin_ui.connection.services import build_client

    return build_client()


@pytest.mark.parametrize("mode", ["huge_chunked", "huge_declared"])
def test_a_huge_answer_is_cut_off_without_being_held_in_memory(hostile, mode):
    client = a_client()
    client.auth.token()
    hostile.mode = mode
    tracemalloc.start()
    began = time.monotonic()
    try:
        with pytest.raises(UnreadableAnswer, match="BIGIN_MAX_ANSWER_BYTES"):
            client.insert_records("Contacts", [{"Last_Name": f"Huge {mode}"}])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # the server would send without end; 200 kB were allowed
    assert time.monotonic() - began < 3.5


def test_a_dripping_answer_ends_at_the_call_deadline(hostile):
    client = a_client()
    client.auth.token()
    hostile.mode = "drip"  # one byte every 2 s; each byte is inside the 8 s read timeout
    began = time.monotonic()
    with pytest.raises(UnreadableAnswer, match="time ran out"):
        client.insert_records("Contacts", [{"Last_Name": "Drip"}])
    elapsed = time.monotonic() - began
    assert elapsed < 3.0 + 1.0, elapsed


def test_rows_whose_answer_was_too_big_are_reconciled_not_failed(hostile, synced, staff,
                                                                 settings):
    settings.BIGIN_ENTRY_KEYS = {"Contacts": "Entry_Key"}
    hostile.mode = "huge_chunked"
    rows = [Row.objects.create(module="Contacts", owner=staff,
                               payload={"Last_Name": f"Big {i}"}) for i in range(3)]
    start_run(user=staff, owner=staff)
    assert set(Row.objects.filter(pk__in=[r.pk for r in rows])
               .values_list("status", flat=True)) == {Row.Status.CREATED}
    names = [r["Last_Name"] for r in synced.records("Contacts")
             if str(r.get("Last_Name", "")).startswith("Big ")]
    assert sorted(names) == ["Big 0", "Big 1", "Big 2"]
    insert = Attempt.objects.get(kind="insert")
    assert insert.outcome == "unreadable"
    assert len(str(insert.response_body)) < 5000


def test_stored_answers_are_capped_with_a_marker(settings):
    settings.BIGIN_MAX_STORED_BODY_CHARS = 100
    small = {"data": [1, 2]}
    assert bounded_body(small) == small
    cut = bounded_body({"data": ["x" * 500]})
    assert cut["truncated"] is True and cut["original_chars"] > 500
    assert len(cut["head"]) == 100 and "BIGIN_MAX_STORED_BODY_CHARS" in cut["note"]
    assert bounded_body("y" * 1000)["truncated"] is True


def test_a_slow_accounts_server_pauses_the_run_and_refreshes_stay_few(
        synced, staff, settings, fast_retries):
    # The token endpoint answers after 2.5 s; the app waits at most its read timeout, 1 s.
    accounts = Hostile(synced.base_url)
    accounts.token_delay = 2.5
    point_app_at(settings, accounts, synced.base_url)
    settings.BIGIN_READ_TIMEOUT = 1.0
    settings.BIGIN_BATCH_SIZE = 10
    settings.BIGIN_MAX_CONCURRENCY = 3
    try:
        rows = [Row.objects.create(module="Contacts", owner=staff,
                                   payload={"Last_Name": f"Slow {i}"}) for i in range(60)]
        runs = []
        for _ in range(8):  # eight Submits in a row, each from a fresh client
            runs.append(start_run(user=staff, owner=staff))
        for run in runs:
            run.refresh_from_db()
        first = runs[0]
        assert first.status == SubmissionRun.Status.STOPPED
        assert "access token" in first.message and "nothing was sent" in first.message
        assert "did not answer in time" in first.message
        statuses = set(Row.objects.filter(pk__in=[r.pk for r in rows])
                       .values_list("status", flat=True))
        assert statuses == {Row.Status.PENDING}  # never unknown: nothing left
        assert "access token" in Row.objects.get(pk=rows[0].pk).last_problem
        assert not Attempt.objects.exclude(outcome="not_sent").exists()
        assert synced.stats()["write_calls"] == 0
        # At most a handful of token requests in ten minutes, whatever happened.
        assert 1 <= accounts.token_hits <= 5, accounts.token_hits
        assert "waits about" in runs[-1].message or "did not answer" in runs[-1].message
    finally:
        accounts.close()
    print(f"slow accounts: {accounts.token_hits} token requests for 8 submits")


def test_without_a_token_unknown_rows_stay_unknown_for_the_next_submit(
        synced, staff, settings, fast_retries):
    # Reconciling needs searches; with no token none can run. That is no evidence about the
    # rows, so they must not be worn out to "needs review": the run stops, they wait.
    accounts = Hostile(synced.base_url)
    accounts.token_delay = 2.5
    point_app_at(settings, accounts, synced.base_url)
    settings.BIGIN_READ_TIMEOUT = 1.0
    try:
        row = Row.objects.create(module="Contacts", owner=staff, status=Row.Status.UNKNOWN,
                                 send_count=1, payload={"Last_Name": "Lost",
                                                        "Email": "lost@example.com"})
        run = start_run(user=staff, owner=staff)
        run.refresh_from_db()
        row.refresh_from_db()
        assert run.status == SubmissionRun.Status.STOPPED and "access token" in run.message
        assert (row.status, row.run_id) == (Row.Status.UNKNOWN, None)
        assert accounts.token_hits <= 2
        # Once tokens come again, the next Submit settles it.
        accounts.token_delay = 0
        settings.BIGIN_READ_TIMEOUT = 10.0
        from bigin_ui.bigin import auth

        auth_pause, auth.FAILURE_PAUSE_SECONDS = auth.FAILURE_PAUSE_SECONDS, 0.0
        try:
            start_run(user=staff, owner=staff)
        finally:
            auth.FAILURE_PAUSE_SECONDS = auth_pause
        row.refresh_from_db()
        assert row.status == Row.Status.CREATED, (row.status, row.last_problem)
    finally:
        accounts.close()
