"""Rows through the engine into the sandbox, over real HTTP."""

from __future__ import annotations

import time

import pytest

from bigin_ui.queue.engine import execute_run
from bigin_ui.queue.history import attempts_of
from bigin_ui.queue.models import Attempt, Row, SubmissionRun
from bigin_ui.queue.rows import create_row
from bigin_ui.queue.runs import start_run

pytestmark = pytest.mark.postgres


def queue_contact(owner, last_name, email=None, **extra):
    payload = {"Last_Name": last_name, **extra}
    if email:
        payload["Email"] = email
    return create_row(module="Contacts", payload=payload, owner=owner)


def test_a_pending_contact_gets_its_bigin_id(synced, staff):
    row = queue_contact(staff, "Johnson", "sarah.johnson@example.com")
    run = start_run(user=staff, owner=staff)
    row.refresh_from_db()
    run.refresh_from_db()
    assert row.status == Row.Status.CREATED
    assert len(row.bigin_id) == 19
    assert run.status == SubmissionRun.Status.FINISHED
    stored = [r for r in synced.records("Contacts") if r["id"] == row.bigin_id]
    assert stored and stored[0]["Email"] == "sarah.johnson@example.com"


def test_each_call_is_stored_as_an_attempt_with_request_and_response(synced, staff):
    row = queue_contact(staff, "Audit", "audit@example.com")
    start_run(user=staff, owner=staff)
    [attempt] = attempts_of(Row.objects.get(pk=row.pk))
    assert attempt.http_status == 201
    assert attempt.request_body["data"][0]["Email"] == "audit@example.com"
    assert attempt.response_body["data"][0]["code"] == "SUCCESS"
    assert attempt.credits == 1


def test_mixed_batch_every_row_gets_its_own_result(synced, staff):
    good = [queue_contact(staff, f"Good{i}", f"good{i}@example.com") for i in range(3)]
    bad_phone = queue_contact(staff, "BadPhone", "bp@example.com", Phone="<555>")
    long_name = queue_contact(staff, "L" * 81, "long@example.com")
    start_run(user=staff, owner=staff)
    for row in good:
        row.refresh_from_db()
        assert row.status == Row.Status.CREATED
    bad_phone.refresh_from_db()
    long_name.refresh_from_db()
    assert (bad_phone.status, bad_phone.error_code, bad_phone.error_field) == (
        Row.Status.FAILED, "INVALID_DATA", "Phone")
    assert (long_name.error_code, long_name.error_field) == ("INVALID_DATA", "Last_Name")
    assert long_name.error_details.get("maximum_length") == 80


def test_a_second_submit_does_not_send_rows_of_a_running_run(synced, staff):
    queue_contact(staff, "Once", "once@example.com")
    first = start_run(user=staff, owner=staff)
    second = start_run(user=staff, owner=staff)
    assert first.rows_total == 1
    assert second.rows_total == 0
    assert Attempt.objects.count() == 1


def test_executing_a_finished_run_again_sends_nothing(synced, staff):
    queue_contact(staff, "Twice", "twice@example.com")
    run = start_run(user=staff, owner=staff)
    assert execute_run(run_id=run.pk) is None
    assert Attempt.objects.count() == 1


def test_hundred_rows_with_every_error_code_interleaved(synced, staff):
    rows, expected = [], []
    for i in range(100):
        kind = i % 5
        payload = {"Last_Name": f"Mixed {i}", "Email": f"mixed{i}@example.com"}
        if kind == 1:
            del payload["Last_Name"]
            expected.append(("MANDATORY_NOT_FOUND", "Last_Name"))
        elif kind == 2:
            payload["Mobile"] = "<not a phone>"
            expected.append(("INVALID_DATA", "Mobile"))
        elif kind == 3:
            payload["Email"] = f"MIXED{i - 3}@example.com"  # same as an earlier row, other case
            expected.append(("DUPLICATE_DATA", "Email"))
        elif kind == 4:
            payload["First_Name"] = "F" * 41
            expected.append(("INVALID_DATA", "First_Name"))
        else:
            expected.append(("", ""))
        rows.append(create_row(module="Contacts", payload=payload, owner=staff))
    # Our own duplicate check would hold the copies; let them through so Bigin judges them.
    Row.objects.filter(pk__in=[r.pk for r in rows[3::5]]).update(duplicate_ok=True)
    run = start_run(user=staff, owner=staff)
    run.refresh_from_db()
    assert run.calls == 1
    for row, (code, field) in zip(rows, expected, strict=True):
        row.refresh_from_db()
        if code:
            assert (row.status, row.error_code, row.error_field) == (Row.Status.FAILED, code,
                                                                     field), row.pk
        else:
            assert row.status == Row.Status.CREATED, row.pk
    duplicate = rows[3]
    duplicate.refresh_from_db()
    rows[0].refresh_from_db()
    assert duplicate.error_details["duplicate_record"]["id"] == rows[0].bigin_id


def test_a_contact_waits_for_its_queued_company_and_gets_its_id(synced, staff):
    company = create_row(module="Accounts", payload={"Account_Name": "Parent Co"}, owner=staff)
    contact = create_row(module="Contacts", owner=staff,
                         payload={"Last_Name": "Child", "Account_Name": {"$row": company.pk}})
    start_run(user=staff, owner=staff)
    company.refresh_from_db()
    contact.refresh_from_db()
    assert company.status == contact.status == Row.Status.CREATED
    [attempt] = attempts_of(contact)
    assert attempt.request_body["data"][0]["Account_Name"] == {"id": company.bigin_id}


def test_an_event_whose_participant_is_a_queued_contact_gets_the_bare_id(synced, staff):
    contact = queue_contact(staff, "Guest", "guest@example.com")
    event = create_row(module="Events", owner=staff, payload={
        "Event_Title": "Kick-off", "Start_DateTime": "2026-12-01T10:00:00+00:00",
        "End_DateTime": "2026-12-01T11:00:00+00:00",
        "Participants": [{"type": "contact", "participant": {"$row": contact.pk}},
                         {"type": "email", "participant": "else@example.com"}]})
    start_run(user=staff, owner=staff)
    contact.refresh_from_db()
    event.refresh_from_db()
    assert contact.status == event.status == Row.Status.CREATED, event.error_message
    [sent_call] = attempts_of(event)
    sent = sent_call.request_body["data"][0]["Participants"]
    # Bigin takes a contact participant as its bare ID, not as {"id": ...}.
    assert {"type": "contact", "participant": contact.bigin_id} in sent
    stored = [r for r in synced.records("Events") if r["id"] == event.bigin_id]
    assert stored


def test_when_the_parent_fails_the_child_waits_with_a_reason(synced, staff):
    company = create_row(module="Accounts", payload={"Account_Name": "P" * 300}, owner=staff)
    contact = create_row(module="Contacts", owner=staff,
                         payload={"Last_Name": "Orphan", "Account_Name": {"$row": company.pk}})
    start_run(user=staff, owner=staff)
    company.refresh_from_db()
    contact.refresh_from_db()
    assert company.status == Row.Status.FAILED
    assert contact.status == Row.Status.PENDING
    assert contact.hold == Row.Hold.WAITING
    assert f"Accounts row {company.pk}" in contact.hold_reason
    assert not attempts_of(contact)


def test_no_workflows_sends_an_empty_trigger(synced, staff):
    create_row(module="Contacts", payload={"Last_Name": "Quiet"}, owner=staff)
    start_run(user=staff, owner=staff, trigger=[])
    assert Attempt.objects.get().request_body["trigger"] == []


def test_lost_answer_is_reconciled_by_search_without_a_duplicate(synced, staff, fast_retries):
    row = queue_contact(staff, "Lost", "lost.answer@example.com")
    synced.knobs(rate_drop=1.0)
    run = start_run(user=staff, owner=staff)
    row.refresh_from_db()
    assert row.status == Row.Status.CREATED
    matches = [r for r in synced.records("Contacts") if r.get("Email") == "lost.answer@example.com"]
    assert [m["id"] for m in matches] == [row.bigin_id]
    kinds = list(Attempt.objects.filter(run=run).order_by("pk").values_list("kind", "outcome"))
    assert kinds == [("insert", "ambiguous"), ("search", "search")]


def test_lost_answer_with_an_entry_key_is_resent_by_upsert(synced, staff, settings,
                                                           fast_retries):
    settings.BIGIN_ENTRY_KEYS = {"Tasks": "Entry_Key"}
    row = create_row(module="Tasks", payload={"Subject": "Call back"}, owner=staff)
    synced.knobs(rate_drop=1.0)
    start_run(user=staff, owner=staff)
    row.refresh_from_db()
    # Every call's answer is lost, so after its tries the row waits for a person.
    assert row.status == Row.Status.NEEDS_REVIEW
    synced.knobs(rate_drop=0.0)
    tasks = [r for r in synced.records("Tasks") if r.get("Entry_Key") == str(row.uuid)]
    assert len(tasks) == 1


def test_lost_answer_without_unique_value_needs_review(synced, staff, fast_retries):
    row = create_row(module="Calls", owner=staff, payload={
        "Call_Type": "Outbound", "Call_Start_Time": "2026-11-26T10:00:00+00:00",
        "Call_Duration": "05:00", "Subject": "No key"})
    synced.knobs(rate_drop=1.0)
    start_run(user=staff, owner=staff)
    row.refresh_from_db()
    assert row.status == Row.Status.NEEDS_REVIEW


def test_server_errors_are_retried_then_the_rows_go_back_to_pending(synced, staff, settings,
                                                                     fast_retries):
    settings.BIGIN_MAX_RETRIES = 2
    row = queue_contact(staff, "Flaky", "flaky@example.com")
    synced.knobs(rate_500=1.0)
    run = start_run(user=staff, owner=staff)
    row.refresh_from_db()
    run.refresh_from_db()
    assert row.status == Row.Status.PENDING
    assert "gave up after 3 tries" in row.last_problem
    assert Attempt.objects.filter(run=run, outcome="retry").count() == 3


def test_a_token_refused_even_after_a_refresh_is_retried_then_stops_the_run(
        synced, staff, settings, fast_retries, monkeypatch):
    from bigin_ui.bigin.auth import CachedToken, OAuthClient

    settings.BIGIN_MAX_RETRIES = 2
    calls = []

    def stale_token(self, *, reject=None):
        calls.append(reject)
        return CachedToken(access_token="revoked-token", expires_at=time.time() + 3600,
                           api_domain=synced.base_url)

    monkeypatch.setattr(OAuthClient, "token", stale_token)
    row = queue_contact(staff, "Locked", "locked@example.com")
    run = start_run(user=staff, owner=staff)
    row.refresh_from_db()
    run.refresh_from_db()
    assert run.status == SubmissionRun.Status.STOPPED
    assert "refused the connection" in run.message
    assert row.status == Row.Status.PENDING and row.run_id is None
    # Each of the three tries asked for a fresh token once after Bigin's 401.
    assert calls.count("revoked-token") == 3
    assert Attempt.objects.filter(run=run, outcome="retry").count() == 3


def test_batches_waiting_for_the_slot_are_not_sent_once_the_token_is_refused_for_good(
        synced, staff, settings, fast_retries, monkeypatch):
    """The run stops on a refusal that outlasts its retries; batches already waiting for the
    call slot would meet the same refusal, so they go back unsent instead of each making
    one more doomed call (as with credits used up or no token at all)."""
    from bigin_ui.bigin.auth import CachedToken, OAuthClient

    settings.BIGIN_MAX_RETRIES = 0
    settings.BIGIN_MAX_CONCURRENCY = 1
    settings.BIGIN_BATCH_SIZE = 1

    def stale_token(self, *, reject=None):
        return CachedToken(access_token="revoked-token", expires_at=time.time() + 3600,
                           api_domain=synced.base_url)

    monkeypatch.setattr(OAuthClient, "token", stale_token)
    rows = [queue_contact(staff, f"Waiting{i}", f"waiting{i}@example.com") for i in range(4)]
    run = start_run(user=staff, owner=staff)
    run.refresh_from_db()
    assert run.status == SubmissionRun.Status.STOPPED
    assert "refused the connection" in run.message
    # One call reached Bigin and was refused; none after it.
    assert Attempt.objects.filter(run=run, outcome="retry").count() == 1
    assert not Attempt.objects.filter(run=run).exclude(
        outcome__in=["retry", "not_sent"]).exists()
    assert {r.status for r in Row.objects.filter(pk__in=[r.pk for r in rows])} == {
        Row.Status.PENDING}


def test_no_free_call_slot_puts_the_rows_back_unsent(synced, staff, monkeypatch):
    from contextlib import contextmanager

    from bigin_ui.queue.slots import NoFreeSlot, SlotPool

    @contextmanager
    def all_taken(self, *, wait=600.0):
        raise NoFreeSlot("No free slot for a Bigin call")
        yield  # pragma: no cover

    monkeypatch.setattr(SlotPool, "slot", all_taken)
    row = queue_contact(staff, "Patient", "patient@example.com")
    run = start_run(user=staff, owner=staff)
    row.refresh_from_db()
    run.refresh_from_db()
    # Never sent, so never "unknown": back to pending, and no credit or call counted.
    assert row.status == Row.Status.PENDING and "busy" in row.last_problem
    [attempt] = attempts_of(row)
    assert (attempt.outcome, attempt.credits) == ("not_sent", 0)
    assert run.calls == 0
    assert not [r for r in synced.records("Contacts") if r.get("Last_Name") == "Patient"]


def test_credit_allowance_stops_the_run(synced, staff, settings):
    settings.BIGIN_DAILY_CREDITS = 1
    settings.BIGIN_BATCH_SIZE = 10
    rows = [queue_contact(staff, f"Credit {i}", f"credit{i}@example.com") for i in range(20)]
    run = start_run(user=staff, owner=staff)
    run.refresh_from_db()
    assert run.status == SubmissionRun.Status.STOPPED
    assert "credit allowance" in run.message
    statuses = sorted(Row.objects.filter(pk__in=[r.pk for r in rows]).values_list("status",
                                                                                  flat=True))
    assert statuses.count(Row.Status.CREATED) == 10
    assert statuses.count(Row.Status.PENDING) == 10


def test_rows_bigin_already_has_are_held_when_checking_first(synced, staff, settings):
    settings.BIGIN_CHECK_EXISTING = True
    existing = next(r for r in synced.records("Contacts")
                    if r.get("Email") == "ava.bell@globaladventures.example")
    row = queue_contact(staff, "Bell", "Ava.Bell@globaladventures.example")
    fresh = queue_contact(staff, "Fresh", "fresh.person@example.com")
    start_run(user=staff, owner=staff)
    row.refresh_from_db()
    fresh.refresh_from_db()
    assert (row.status, row.hold) == (Row.Status.PENDING, Row.Hold.EXISTS)
    assert row.error_details["existing_id"] == existing["id"]
    assert fresh.status == Row.Status.CREATED


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_renews_leases_and_skips_rows_being_settled(staff):
    import datetime as dt
    import threading

    from django.db import connection, transaction
    from django.utils import timezone

    from bigin_ui.queue.engine import Heartbeat, RunContext

    run = SubmissionRun.objects.create(created_by=staff, status="running")
    old = timezone.now() - dt.timedelta(minutes=1)
    free, busy = (Row.objects.create(module="Contacts", owner=staff, payload={"Last_Name": n},
                                     status=Row.Status.SENDING, claim=c, run=run,
                                     lease_until=old)
                  for n, c in (("Free", "c1"), ("Busy", "c2")))
    ctx = RunContext(run=run, client=None, started_by="test")
    ctx.claims.update({"c1", "c2"})
    locked, release = threading.Event(), threading.Event()

    def settle_slowly():  # another connection holds the busy row, as a settling batch does
        with transaction.atomic():
            Row.objects.select_for_update().get(pk=busy.pk)
            locked.set()
            release.wait(10)
        connection.close()

    row_locks = connection.vendor == "postgresql"  # SQLite locks the whole file instead
    holder = threading.Thread(target=settle_slowly)
    if row_locks:
        holder.start()
        locked.wait(10)
    try:
        Heartbeat(ctx).beat()
    finally:
        release.set()
        if row_locks:
            holder.join()
    free.refresh_from_db()
    busy.refresh_from_db()
    assert free.lease_until > timezone.now()
    if row_locks:
        assert busy.lease_until == old
    else:
        assert busy.lease_until > timezone.now()
