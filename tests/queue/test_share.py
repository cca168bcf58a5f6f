"""One run shared by several workers: its driver and helpers (queue/share.py)."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import timedelta

import pytest
from django.db import close_old_connections
from django.utils import timezone

from bigin_ui.queue.context import RunContext
from bigin_ui.queue.helping import join_run
from bigin_ui.queue.models import Attempt, Row, RowEvent, RunHelper, SubmissionRun
from bigin_ui.queue.rows import create_row
from bigin_ui.queue.runs import start_run
from bigin_ui.queue.share import give_back, look_at_run, request_stop
from tests.processes import app_env, start_worker, stop, wait_until

pytestmark = pytest.mark.postgres


def running_run(owner, rows):
    run = SubmissionRun.objects.create(created_by=owner, status=SubmissionRun.Status.RUNNING,
                                       heartbeat_at=timezone.now(), started_at=timezone.now(),
                                       rows_total=len(rows))
    Row.objects.filter(pk__in=[r.pk for r in rows]).update(run=run)
    return run


def contacts(owner, count, prefix):
    return [Row.objects.create(module="Contacts", owner=owner,
                               payload={"Last_Name": f"{prefix} {i}",
                                        "Email": f"{prefix}{i}@example.com"})
            for i in range(count)]


# --- in one process -----------------------------------------------------------------------


def test_a_helper_sends_a_running_runs_rows_and_leaves_the_finishing_to_its_driver(
        synced, staff, settings):
    settings.BIGIN_BATCH_SIZE = 10
    rows = contacts(staff, 25, "helped")
    run = running_run(staff, rows)
    assert join_run(run_id=run.pk) == 3
    assert set(Row.objects.filter(run=run).values_list("status", flat=True)) == {"created"}
    run.refresh_from_db()
    # The helper only sends: the summary, waiting rows and the end are the driver's.
    assert run.status == SubmissionRun.Status.RUNNING and run.finished_at is None
    helper = RunHelper.objects.get(run=run)
    assert helper.finished_at is not None
    assert set(Attempt.objects.filter(run=run).values_list("worker", flat=True)) == {
        helper.worker}


def parent_in_flight(synced, staff):
    """A run of a company and a contact that refers to it, the company in flight under
    another worker's claim and lease; and the ID of a company Bigin has."""
    parent = create_row(module="Accounts", owner=staff, payload={"Account_Name": "Parent Co"})
    child = create_row(module="Contacts", owner=staff,
                       payload={"Last_Name": "Child", "Account_Name": {"$row": parent.pk}})
    run = running_run(staff, [parent, child])
    Row.objects.filter(pk=parent.pk).update(status=Row.Status.SENDING, claim="o" * 32,
                                            lease_until=timezone.now() + timedelta(minutes=1))
    return parent, child, run, synced.records("Accounts")[0]["id"]


def test_a_helper_waits_for_a_parent_another_worker_is_sending_then_sends_its_child(
        synced, staff, transactional_db):
    import threading

    parent, child, run, existing = parent_in_flight(synced, staff)

    def other_worker_settles():
        import time

        time.sleep(0.6)
        Row.objects.filter(pk=parent.pk).update(status=Row.Status.CREATED, bigin_id=existing)

    settler = threading.Thread(target=other_worker_settles)
    settler.start()
    try:
        assert join_run(run_id=run.pk) == 1
    finally:
        settler.join()
    child.refresh_from_db()
    assert child.status == Row.Status.CREATED and child.send_count == 1


def test_a_helper_whose_other_worker_settles_just_after_its_claim_claims_once_more(
        synced, staff, monkeypatch, transactional_db):
    """The other worker creates the parent between this helper's claim (nothing sendable yet)
    and its look at the rows others have in flight (none now): the child became sendable in
    between, and the helper used to leave without it."""
    from bigin_ui.queue import share

    parent, child, run, existing = parent_in_flight(synced, staff)
    looks = []
    real = share.others_in_flight

    def others_in_flight(ctx):
        looks.append(1)
        if len(looks) == 2:  # just after the helper's second claim found nothing
            Row.objects.filter(pk=parent.pk).update(status=Row.Status.CREATED,
                                                    bigin_id=existing)
        return real(ctx)

    monkeypatch.setattr(share, "others_in_flight", others_in_flight)
    assert join_run(run_id=run.pk) == 1
    child.refresh_from_db()
    assert child.status == Row.Status.CREATED and child.send_count == 1


def test_a_helper_does_not_join_a_run_closed_to_helpers(synced, staff):
    rows = contacts(staff, 3, "closed")
    run = running_run(staff, rows)
    SubmissionRun.objects.filter(pk=run.pk).update(open_to_helpers=False)
    assert join_run(run_id=run.pk) == 0
    assert set(Row.objects.filter(run=run).values_list("status", flat=True)) == {"pending"}
    assert not Attempt.objects.exists()
    assert RunHelper.objects.get(run=run).finished_at is not None


def test_a_helper_does_not_join_a_finished_run(synced, staff):
    rows = contacts(staff, 3, "late")
    run = running_run(staff, rows)
    SubmissionRun.objects.filter(pk=run.pk).update(status=SubmissionRun.Status.FINISHED)
    assert join_run(run_id=run.pk) == 0
    assert not RunHelper.objects.exists()


def test_rows_claimed_after_the_run_closed_go_back_as_if_never_claimed(staff):
    from bigin_ui.queue.claim import claim_batch

    rows = contacts(staff, 4, "back")
    run = running_run(staff, rows)
    batch = claim_batch(run, ("Contacts",), limit=10)
    assert give_back(batch) == 4
    assert set(Row.objects.filter(run=run).values_list("status", "claim", "send_count")) == {
        ("pending", "", 0)}


def test_a_stop_asked_by_a_helper_stops_the_driver_and_every_helper(staff):
    run = running_run(staff, [])
    driver = RunContext(run=run, client=None, started_by="test")
    helper = RunContext(run=run, client=None, started_by="test", helper=True)
    request_stop(run, "Bigin refused the call: no permission.")
    look_at_run(driver)
    look_at_run(helper)
    assert driver.stop_reason == "Bigin refused the call: no permission."
    # A helper leaves without a stop of its own: its unsent rows stay in the run.
    assert helper.leaving and not helper.stopped


def test_a_helper_that_had_to_stop_tells_the_run_with_its_next_beat(staff):
    run = running_run(staff, [])
    helper = RunContext(run=run, client=None, started_by="test", helper=True)
    helper.stop("Stopped at the daily credit allowance.")
    look_at_run(helper)
    run.refresh_from_db()
    assert run.stop_requested == "Stopped at the daily credit allowance."


def test_a_helper_leaves_its_run_for_a_run_waiting_for_a_worker(staff):
    run = running_run(staff, [])
    helper = RunContext(run=run, client=None, started_by="test", helper=True)
    look_at_run(helper)
    assert not helper.leaving
    SubmissionRun.objects.create(created_by=staff, status=SubmissionRun.Status.QUEUED)
    SubmissionRun.objects.filter(status=SubmissionRun.Status.QUEUED).update(
        created_at=timezone.now() - timedelta(seconds=10))
    look_at_run(helper)
    assert helper.leaving


def test_a_sending_helper_looks_for_a_queued_run_between_its_heartbeats(staff):
    """Twice a second, not only with the five-second heartbeat; a driver never leaves."""
    from bigin_ui.queue.share import leave_for_a_queued_run

    run = running_run(staff, [])
    helper = RunContext(run=run, client=None, started_by="test", helper=True)
    driver = RunContext(run=run, client=None, started_by="test")
    assert not leave_for_a_queued_run(helper)
    SubmissionRun.objects.create(created_by=staff, status=SubmissionRun.Status.QUEUED)
    SubmissionRun.objects.filter(status=SubmissionRun.Status.QUEUED).update(
        created_at=timezone.now() - timedelta(seconds=2))
    assert not leave_for_a_queued_run(helper)  # looked a moment ago
    helper.next_queue_look = 0.0
    assert leave_for_a_queued_run(helper) and helper.leaving
    assert not leave_for_a_queued_run(driver) and not driver.leaving


def test_helpers_are_queued_only_for_runs_with_more_than_one_batch(staff, settings):
    from bigin_ui.queue import tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    settings.BIGIN_RUN_HELPERS = 2
    settings.BIGIN_BATCH_SIZE = 10
    assert tasks.schedule_helpers(1, rows=10) == 0
    assert tasks.schedule_helpers(1, rows=11) == 2
    from django_tasks_db.models import DBTaskResult

    helpers = DBTaskResult.objects.filter(task_path="bigin_ui.queue.tasks.help_run")
    assert helpers.count() == 2
    # Below drivers: a free worker starts a queued run before it helps a running one.
    assert set(helpers.values_list("priority", flat=True)) == {tasks.HELPER_PRIORITY}
    assert tasks.HELPER_PRIORITY < 0


# --- real worker processes ------------------------------------------------------------------


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}


def linked_rows(owner, count, prefix):
    """Companies and a Contact of each: the Contacts level opens only as companies exist."""
    companies = [create_row(module="Accounts", owner=owner,
                            payload={"Account_Name": f"{prefix} Company {i}"})
                 for i in range(count)]
    people = [create_row(module="Contacts", owner=owner,
                         payload={"Last_Name": f"{prefix} {i}", "Email": f"{prefix}{i}@example.com",
                                  "Account_Name": {"$row": company.pk}})
              for i, company in enumerate(companies)]
    return companies, people


def final(rows):
    close_old_connections()
    return not Row.objects.filter(pk__in=[r.pk for r in rows]).exclude(
        status=Row.Status.CREATED).exists() and not SubmissionRun.objects.filter(
        status__in=[SubmissionRun.Status.QUEUED, SubmissionRun.Status.RUNNING]).exists()


@pytest.mark.slow
def test_two_workers_share_one_run_and_send_each_row_once_in_level_order(
        synced, live_server, staff, database_tasks, tmp_path, settings):
    companies, people = linked_rows(staff, 120, "shared")
    every = companies + people
    env = app_env(f"{live_server.url}/sandbox", BIGIN_RUN_HELPERS="1", BIGIN_BATCH_SIZE="10",
                  BIGIN_MAX_CONCURRENCY="4")
    synced.knobs(latency_ms=300, max_concurrency=4)
    workers = [start_worker(env, tmp_path / f"w{i}.log") for i in range(2)]
    try:
        # Queued while both workers are up (this process queues the helper, as the web
        # server does), so the helper is taken while the run is young.
        settings.BIGIN_RUN_HELPERS = 1
        settings.BIGIN_BATCH_SIZE = 10
        run = start_run(user=staff, owner=staff)
        wait_until(lambda: final(every), timeout=120, message=f"all rows created ({tmp_path})")
    finally:
        for worker in workers:
            stop(worker)
    run.refresh_from_db()
    assert run.status == SubmissionRun.Status.FINISHED, run.message
    inserts = Attempt.objects.filter(run=run, kind="insert")
    # Each row in exactly one call, and both workers made calls.
    sends = Row.objects.filter(pk__in=[r.pk for r in every]).values_list("send_count", flat=True)
    assert set(sends) == {1}
    assert len(set(inserts.values_list("worker", flat=True))) == 2
    helper = RunHelper.objects.get(run=run)
    assert inserts.filter(worker=helper.worker).exists()
    # In the sandbox once each, and each contact linked to its own company's new record.
    in_sandbox = [r for r in synced.records("Contacts")
                  if str(r.get("Email", "")).startswith("shared")]
    assert len(in_sandbox) == 120 == len({r["Email"] for r in in_sandbox})
    company_ids = {c.pk: c.bigin_id for c in Row.objects.filter(pk__in=[c.pk for c in companies])}
    by_email = {r["Email"]: r for r in in_sandbox}
    for person in Row.objects.filter(pk__in=[p.pk for p in people]):
        parent = person.payload["Account_Name"]["$row"]
        linked = by_email[person.payload["Email"]]["Account_Name"]
        assert str(linked.get("id") if isinstance(linked, dict) else linked) == \
            company_ids[parent]
    # Finished once, after the helper left and after every call ended.
    assert helper.finished_at <= run.finished_at
    assert all(a.started_at <= run.finished_at for a in inserts)
    assert inserts.exclude(outcome="results").count() == 0


@pytest.mark.slow
def test_a_killed_helpers_rows_are_recovered_and_the_run_finishes_once(
        synced, live_server, staff, database_tasks, tmp_path, settings):
    rows = contacts(staff, 200, "helpkill")
    env = app_env(f"{live_server.url}/sandbox", BIGIN_RUN_HELPERS="1", BIGIN_BATCH_SIZE="20",
                  BIGIN_MAX_CONCURRENCY="4", BIGIN_LEASE_MARGIN_SECONDS="1",
                  BIGIN_READ_TIMEOUT="5", BIGIN_CONNECT_TIMEOUT="2",
                  BIGIN_SEARCH_LAG_SECONDS="0.5")
    synced.knobs(latency_ms=2500, max_concurrency=4)
    workers = [start_worker(env, tmp_path / f"w{i}.log") for i in range(2)]
    try:
        settings.BIGIN_RUN_HELPERS = 1
        settings.BIGIN_BATCH_SIZE = 20
        run = start_run(user=staff, owner=staff)

        def helper_in_flight():
            close_old_connections()
            helper = RunHelper.objects.filter(run=run).first()
            return helper is not None and Attempt.objects.filter(
                run=run, worker=helper.worker, outcome="in_flight").exists()

        wait_until(helper_in_flight, timeout=60, message="a helper's call in flight")
        helper = RunHelper.objects.get(run=run)
        pid = int(helper.worker.rsplit(":", 1)[1])
        victim = next(w for w in workers if w.pid == pid)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        synced.knobs(latency_ms=0)
        wait_until(lambda: final(rows), timeout=120, message=f"all rows created ({tmp_path})")
    finally:
        for worker in workers:
            stop(worker)
    run.refresh_from_db()
    assert run.status == SubmissionRun.Status.FINISHED, run.message
    # The sandbox finished the killed helper's call: its rows were found, not sent again.
    emails = Counter(r["Email"] for r in synced.records("Contacts")
                     if str(r.get("Email", "")).startswith("helpkill"))
    assert len(emails) == 200 and max(emails.values()) == 1
    # The helper's batches in flight were taken over as unknown and reconciled.
    lost = set(RowEvent.objects.filter(row__in=[r.pk for r in rows], kind="unknown",
                                       message__startswith="Worker lost")
               .values_list("row", flat=True))
    assert lost and len(lost) % 20 == 0
    helper.refresh_from_db()
    assert helper.finished_at is not None and helper.finished_at <= run.finished_at
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.get(pk=helper.task_id)
    assert task.status == "FAILED" and task.exception_class_path.endswith("WorkerLost")
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()
