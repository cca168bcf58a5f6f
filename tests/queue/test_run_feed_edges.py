"""A run that takes its rows from the queue as it claims them (SubmissionRun.feed): what it
says at the end about the rows of its scope it never took."""

from __future__ import annotations

import pytest

from bigin_ui.queue import runs
from bigin_ui.queue.engine import execute_run
from bigin_ui.queue.models import Row, SubmissionRun
from bigin_ui.queue.rows import create_row, discard_rows
from bigin_ui.queue.run_report import describe_run
from bigin_ui.queue.runs import run_progress, start_run

pytestmark = pytest.mark.postgres


def contacts(owner, count, prefix):
    return [create_row(module="Contacts", owner=owner,
                       payload={"Last_Name": f"{prefix} {i}", "Email": f"{prefix}{i}@example.com"})
            for i in range(count)]


@pytest.fixture
def not_started(monkeypatch):
    monkeypatch.setattr(runs, "_enqueue", lambda *args, **kwargs: None)


def test_a_row_discarded_before_the_run_took_it_is_not_said_to_be_back_in_the_queue(
        synced, staff, not_started):
    """Submit counted three rows; one is discarded before the run's first claim. The run's
    summary must not tell the person it is "back in the queue unsent" and to "submit again
    to send" it: it was discarded, and submitting again sends nothing. (With every row
    marked at the start, the summary said "1 discarded".)"""
    rows = contacts(staff, 3, "gone")
    run = start_run(user=staff, owner=staff)
    assert run.rows_total == 3
    discard_rows(rows=[rows[0]], actor=staff, reason="typo")
    execute_run(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == SubmissionRun.Status.FINISHED
    assert Row.objects.filter(status=Row.Status.CREATED).count() == 2
    assert "back in the queue" not in run.message, run.message
    assert "submit again" not in run.message, run.message
    assert "1 of the rows counted at Submit left the queue before the run took them" in (
        run.message), run.message
    # The run's rows are the two it took; its report says nothing is waiting to be resent.
    assert run.rows_total == 2
    report = " ".join(describe_run(run, run_progress(run)))
    assert "Of 2 rows: 2 created" in report, report
    assert "pending again" not in report, report


def test_rows_the_run_took_and_gave_back_are_still_said_to_be_back_in_the_queue(
        synced, staff, fast_retries):
    """The other side of the line drawn above: rows the run took and gave back unsent (Bigin
    refused the writes: credits used up) are back in the queue and must be submitted again."""
    rows = contacts(staff, 3, "back")
    synced.knobs(refuse_writes="LIMIT_REACHED")
    run = start_run(user=staff, owner=staff)
    run.refresh_from_db()
    assert run.status == SubmissionRun.Status.STOPPED
    assert set(Row.objects.filter(pk__in=[r.pk for r in rows])
               .values_list("status", flat=True)) == {Row.Status.PENDING}
    assert "3 row(s) are back in the queue unsent" in run.message, run.message
    assert "left the queue before" not in run.message, run.message
    assert run.rows_total == 3


def test_rows_resent_by_name_during_a_feeding_run_are_the_new_runs(synced, staff, not_started):
    """Review's resend names its rows: they go with the run the person started and follows,
    not silently with a larger run still taking the owner's queue (whose summary then says
    they left the queue before it took them). Each row is still sent once."""
    rows = contacts(staff, 3, "named")
    feeding = start_run(user=staff, owner=staff)
    resend = start_run(user=staff, origin="review", row_ids=[rows[0].pk])
    assert resend.rows_total == 1
    assert list(Row.objects.filter(run=resend).values_list("pk", flat=True)) == [rows[0].pk]
    execute_run(run_id=resend.pk)
    execute_run(run_id=feeding.pk)
    feeding.refresh_from_db()
    resend.refresh_from_db()
    assert set(Row.objects.values_list("status", flat=True)) == {Row.Status.CREATED}
    assert synced.stats()["records_created"] == 3
    assert "1 created" in resend.message, resend.message
    assert feeding.rows_total == 2 and "2 created" in feeding.message, feeding.message
    assert "left the queue before the run took them (discarded, held or taken by another "\
        "run)" in feeding.message, feeding.message
