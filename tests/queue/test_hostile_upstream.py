"""Only a readable per-record answer decides a row (issue 10).

A hostile upstream stores the records in the sandbox, then answers each malformed shape, or
cuts the connection before answering or halfway through the body. With an entry key the rows
must end created through reconciliation; without any way to look them up they need review;
never FAILED, and the sandbox never holds a second copy.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bigin_ui.queue.models import Attempt, Row
from bigin_ui.queue.runs import start_run
from tests.hostile import SHAPES, Hostile, point_app_at

MALFORMED = [*SHAPES, "fewer_results", "more_results", "cut_mid_body", "cut_before_answer"]


@pytest.fixture
def hostile(synced, settings, fast_retries):
    upstream = Hostile(synced.base_url)
    point_app_at(settings, upstream, synced.base_url)
    yield upstream
    upstream.close()


def contacts(owner, prefix, *, with_email):
    rows = []
    for i in range(3):
        payload = {"Last_Name": f"{prefix} {i}"}
        if with_email:
            payload["Email"] = f"{prefix}{i}@example.com"
        rows.append(Row.objects.create(module="Contacts", owner=owner, payload=payload))
    return rows


def in_sandbox(sandbox, prefix):
    return Counter(r["Last_Name"] for r in sandbox.records("Contacts")
                   if str(r.get("Last_Name", "")).startswith(prefix))


@pytest.mark.parametrize("shape", MALFORMED)
def test_with_an_entry_key_rows_end_created_once_via_reconciliation(
        hostile, synced, staff, settings, shape):
    settings.BIGIN_ENTRY_KEYS = {"Contacts": "Entry_Key"}
    hostile.mode = shape
    prefix = f"ek {shape}"
    rows = contacts(staff, prefix, with_email=False)
    start_run(user=staff, owner=staff)
    statuses = Counter(Row.objects.filter(pk__in=[r.pk for r in rows])
                       .values_list("status", flat=True))
    assert statuses == {Row.Status.CREATED: 3}, statuses
    stored = in_sandbox(synced, prefix)
    assert sorted(stored) == sorted(r.payload["Last_Name"] for r in rows)
    assert set(stored.values()) == {1}  # no duplicate
    ids = {r["Last_Name"]: str(r["id"]) for r in synced.records("Contacts")}
    for row in Row.objects.filter(pk__in=[r.pk for r in rows]):
        assert row.bigin_id == ids[row.payload["Last_Name"]]
    insert = Attempt.objects.filter(kind="insert").order_by("started_at").first()
    # A cut connection is an answer lost ("ambiguous"); a whole but malformed one unreadable.
    assert insert.outcome == "ambiguous" if shape.startswith("cut_") else (
        insert.outcome in {"unreadable", "results"}), insert.outcome
    assert Attempt.objects.filter(kind="upsert").exists()  # reconciled, not resent blindly


@pytest.mark.parametrize("shape", MALFORMED)
def test_without_a_way_to_look_them_up_rows_need_review_never_failed(
        hostile, synced, staff, shape):
    hostile.mode = shape
    prefix = f"nk {shape}"
    rows = contacts(staff, prefix, with_email=False)
    start_run(user=staff, owner=staff)
    rows = list(Row.objects.filter(pk__in=[r.pk for r in rows]))
    assert {r.status for r in rows} == {Row.Status.NEEDS_REVIEW}, [
        (r.status, r.error_code, r.last_problem) for r in rows]
    assert all(r.error_code == "" for r in rows)
    assert set(in_sandbox(synced, prefix).values()) == {1}  # stored once, never resent
    assert hostile.writes == 1


def test_the_reason_is_in_words_and_the_raw_answer_is_kept(hostile, synced, staff):
    hostile.mode = "html_200"
    rows = contacts(staff, "words", with_email=False)
    start_run(user=staff, owner=staff)
    row = Row.objects.get(pk=rows[0].pk)
    assert "HTTP 200 with an HTML page" in row.last_problem, row.last_problem
    attempt = Attempt.objects.get(kind="insert")
    assert attempt.outcome == "unreadable"
    assert "Bad gateway" in str(attempt.response_body)
    assert "HTTP 200" in attempt.error and "HTML page" in attempt.error


def test_with_a_unique_email_rows_are_found_by_search(hostile, synced, staff):
    hostile.mode = "success_without_details"
    rows = contacts(staff, "srch", with_email=True)
    start_run(user=staff, owner=staff)
    assert set(Row.objects.filter(pk__in=[r.pk for r in rows])
               .values_list("status", flat=True)) == {Row.Status.CREATED}
    assert set(in_sandbox(synced, "srch").values()) == {1}


def test_a_content_length_that_is_no_number_does_not_break_the_batch(hostile, synced, staff):
    # "²" passes str.isdigit() but not int(): the header says nothing, the body still does.
    hostile.mode = "length_not_a_number"
    rows = contacts(staff, "len", with_email=False)
    start_run(user=staff, owner=staff)
    assert set(Row.objects.filter(pk__in=[r.pk for r in rows])
               .values_list("status", flat=True)) == {Row.Status.CREATED}
    assert set(in_sandbox(synced, "len").values()) == {1}
    assert hostile.writes == 1


def test_when_the_reconciliations_answers_are_cut_too_rows_still_end_created_once(
        hostile, synced, staff, settings):
    # The insert's answer is cut after Bigin stored the rows, then so are the first two
    # upserts that settle them (each stored too): upserting again is safe, inserting is not.
    settings.BIGIN_ENTRY_KEYS = {"Contacts": "Entry_Key"}
    hostile.mode = "cut_mid_body"
    hostile.cut_upserts = 2
    rows = contacts(staff, "recut", with_email=False)
    start_run(user=staff, owner=staff)
    assert hostile.cut_upserts == 0  # both cuts happened
    assert set(Row.objects.filter(pk__in=[r.pk for r in rows])
               .values_list("status", flat=True)) == {Row.Status.CREATED}
    assert set(in_sandbox(synced, "recut").values()) == {1}
    assert hostile.writes == 1  # one insert, never resent
    assert Attempt.objects.filter(kind="upsert").count() >= 3
