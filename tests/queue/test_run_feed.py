"""A run takes its rows from the queue as it claims them (SubmissionRun.feed) instead of
marking them all when it starts; what Submit promised stays true meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bigin_ui.queue import runs
from bigin_ui.queue.engine import execute_run
from bigin_ui.queue.models import Attempt, Row, SubmissionRun
from bigin_ui.queue.rows import create_row, discard_rows
from bigin_ui.queue.run_report import describe_run
from bigin_ui.queue.runs import run_progress, start_run
from tests.queue.plans import index_plan

pytestmark = pytest.mark.postgres


def contacts(owner, count, prefix):
    return [create_row(module="Contacts", owner=owner,
                       payload={"Last_Name": f"{prefix} {i}", "Email": f"{prefix}{i}@example.com"})
            for i in range(count)]


@pytest.fixture
def not_started(monkeypatch):
    """Runs stay queued: no worker takes them until the test executes one."""
    monkeypatch.setattr(runs, "_enqueue", lambda *args, **kwargs: None)


def test_a_queued_run_counts_its_rows_without_marking_them(staff, not_started):
    rows = contacts(staff, 3, "feed")
    run = start_run(user=staff, owner=staff)
    assert run.rows_total == 3
    assert run.feed == {"owner": staff.pk, "module": "", "upto": rows[-1].pk}
    assert not Row.objects.filter(run=run).exists()
    # The run page counts them as the run's pending rows all the same.
    assert run_progress(run)[Row.Status.PENDING] == 3


def test_a_double_click_on_a_feeding_run_makes_an_empty_run_and_sends_once(synced, staff,
                                                                          not_started):
    rows = contacts(staff, 3, "twice")
    first = start_run(user=staff, owner=staff)
    second = start_run(user=staff, owner=staff)
    assert second.rows_total == 0 and second.status == SubmissionRun.Status.FINISHED
    # The first run's rows are now marked as its own.
    first.refresh_from_db()
    assert first.rows_total == 3
    assert set(Row.objects.filter(run=first).values_list("pk", flat=True)) == {
        r.pk for r in rows}
    execute_run(run_id=first.pk)
    assert Attempt.objects.filter(kind="insert").count() == 1
    assert set(Row.objects.values_list("status", flat=True)) == {Row.Status.CREATED}
    first.refresh_from_db()
    assert first.rows_created == 3 and "3 created" in first.message


def test_another_owners_submit_leaves_a_feeding_run_its_queue(staff, django_user_model,
                                                              not_started):
    other = django_user_model.objects.create_user("second-owner")
    contacts(staff, 2, "first")
    contacts(other, 3, "second")
    first = start_run(user=staff, owner=staff)
    second = start_run(user=other, owner=other)
    assert (first.rows_total, second.rows_total) == (2, 3)
    # Nothing of the first run's scope was marked: the scopes do not meet.
    assert not Row.objects.filter(run__isnull=False).exists()
    # A Submit of everything meets both: their rows are marked as theirs, it gets none.
    everything = start_run(user=staff)
    assert everything.rows_total == 0
    assert Row.objects.filter(run=first).count() == 2
    assert Row.objects.filter(run=second).count() == 3


def test_rows_entered_after_submit_wait_for_the_next_one(synced, staff, not_started):
    contacts(staff, 2, "before")
    run = start_run(user=staff, owner=staff)
    [late] = contacts(staff, 1, "after")
    execute_run(run_id=run.pk)
    late.refresh_from_db()
    assert late.status == Row.Status.PENDING and late.run_id is None
    assert Row.objects.filter(run=run, status=Row.Status.CREATED).count() == 2
    # ...and a second Submit meanwhile takes only it.
    assert start_run(user=staff, owner=staff).rows_total == 1


def test_another_owners_rows_stay_out_of_an_owners_run(synced, staff, django_user_model,
                                                       not_started):
    other = django_user_model.objects.create_user("other-owner")
    contacts(staff, 2, "mine")
    theirs = contacts(other, 2, "theirs")
    run = start_run(user=staff, owner=staff)
    execute_run(run_id=run.pk)
    assert Row.objects.filter(run=run, status=Row.Status.CREATED).count() == 2
    assert all(Row.objects.get(pk=r.pk).status == Row.Status.PENDING for r in theirs)


def test_rows_a_dead_run_never_took_are_free_for_the_next_submit(staff, not_started):
    contacts(staff, 3, "dead")
    dead = start_run(user=staff, owner=staff)
    SubmissionRun.objects.filter(pk=dead.pk).update(
        status=SubmissionRun.Status.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1))
    again = start_run(user=staff, owner=staff)
    assert again.rows_total == 3
    dead.refresh_from_db()
    assert dead.status == SubmissionRun.Status.STOPPED
    assert run_progress(dead)[Row.Status.PENDING] == 0


def test_a_claim_from_the_queue_reads_its_rows_along_the_run_index(staff):
    """Rows in no run are read along (run, status, module, id) from the run's first one,
    not along the primary key past every row claimed before (52 ms a claim at 100,000 rows
    on PostgreSQL), and not sorted."""
    from django.db import connection

    from bigin_ui.queue.claim import _candidates

    run = SubmissionRun.objects.create()
    done = SubmissionRun.objects.create(status=SubmissionRun.Status.FINISHED)
    Row.objects.bulk_create([Row(module="Contacts", owner=staff, payload={},
                                 run=None if i % 3 else done, status="pending" if i % 3 else
                                 "created") for i in range(600)])
    upto = Row.objects.order_by("-pk").values_list("pk", flat=True).first()
    sql, params = _candidates(run.pk, "Contacts", 100, connection.vendor,
                              (staff.pk, upto, run.created_at))
    plan = index_plan(sql, params, analyze=True)
    assert "row_run_status_module" in plan, plan
    assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan


# What a run says at its end about the rows of its scope it never took.

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
