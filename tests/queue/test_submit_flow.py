"""Rows through the engine into the sandbox, over real HTTP."""

from __future__ import annotations

import pytest

from bigin_ui.queue.engine import execute_run
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
    attempt = Attempt.objects.get(rows=row)
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
