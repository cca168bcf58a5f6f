"""Real worker processes: a crash mid-call, two workers, and a cold start of eight processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest
from django.db import close_old_connections

from bigin_ui.queue.models import Attempt, Row, SubmissionRun
from bigin_ui.queue.rows import create_row
from bigin_ui.queue.runs import start_run
from tests.processes import ROOT, app_env, start_worker, stop, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}


def queue_contacts(owner, count, prefix):
    return [create_row(module="Contacts", owner=owner,
                       payload={"Last_Name": f"{prefix} {i}", "Email": f"{prefix}{i}@example.com"})
            for i in range(count)]


def statuses(rows):
    close_old_connections()
    return sorted(set(Row.objects.filter(pk__in=[r.pk for r in rows]).values_list("status",
                                                                                  flat=True)))


def two_workers_until_created(env, rows, tmp_path, *, timeout):
    workers = [start_worker(env, tmp_path / f"w{i}.log") for i in range(2)]
    try:
        wait_until(lambda: statuses(rows) == [Row.Status.CREATED], timeout=timeout,
                   message="all rows created")
    finally:
        for worker in workers:
            stop(worker)


def sandbox_emails(sandbox, prefix):
    return [r["Email"] for r in sandbox.records("Contacts")
            if str(r.get("Email", "")).startswith(prefix)]


def test_a_worker_killed_mid_call_loses_and_duplicates_nothing(
        synced, live_server, staff, database_tasks, tmp_path):
    rows = queue_contacts(staff, 150, "crash")
    env = app_env(f"{live_server.url}/sandbox", BIGIN_LEASE_MARGIN_SECONDS="1",
                  BIGIN_READ_TIMEOUT="20", BIGIN_CONNECT_TIMEOUT="2",
                  BIGIN_SEARCH_LAG_SECONDS="0.5", BIGIN_MAX_CONCURRENCY="1")
    synced.knobs(latency_ms=3000)
    start_run(user=staff, owner=staff)
    log = tmp_path / "worker.log"
    worker = start_worker(env, log)
    try:
        wait_until(lambda: Row.objects.filter(status=Row.Status.SENDING).exists(), timeout=30,
                   message="a batch in flight")
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        stop(worker)
    # The batch in flight (and one claimed behind it) are left "sending" by the dead worker.
    assert Row.objects.filter(status=Row.Status.SENDING).count() >= 100
    synced.knobs(latency_ms=0)
    restarted = start_worker(env, log)
    try:
        wait_until(lambda: statuses(rows) == [Row.Status.CREATED], timeout=90,
                   message=f"all rows created (log: {log})")
    finally:
        stop(restarted)
    emails = sandbox_emails(synced, "crash")
    assert len(emails) == 150 == len(set(emails))
    assert len({r.bigin_id for r in Row.objects.filter(pk__in=[r.pk for r in rows])}) == 150


def in_flight(pks):
    """(pk, status, claim) of the rows a worker holds right now: sending or reconciling."""
    close_old_connections()
    return set(Row.objects.filter(pk__in=pks, status__in=[
        Row.Status.SENDING, Row.Status.RECONCILING]).values_list("pk", "status", "claim"))


def kill(worker):
    worker.send_signal(signal.SIGKILL)
    worker.wait()


def test_a_run_whose_worker_is_killed_twice_in_a_row_still_sends_each_row_once(
        synced, live_server, staff, database_tasks, tmp_path):
    # Contacts settle a lost answer by upsert on their entry key, Companies by a search on
    # their unique name: the second kill can land in either way of settling.
    contacts = queue_contacts(staff, 40, "twice-killed")
    companies = [create_row(module="Accounts", owner=staff,
                            payload={"Account_Name": f"Twice Killed {i}"}) for i in range(40)]
    pks = [r.pk for r in contacts + companies]
    # Short calls, so each takeover waits out a lease of seconds, not the default minutes.
    env = app_env(f"{live_server.url}/sandbox", BIGIN_LEASE_MARGIN_SECONDS="0.5",
                  BIGIN_READ_TIMEOUT="3", BIGIN_CONNECT_TIMEOUT="1",
                  BIGIN_SEARCH_LAG_SECONDS="0.3", BIGIN_MAX_CONCURRENCY="2",
                  BIGIN_BATCH_SIZE="20", BIGIN_ENTRY_KEYS="Contacts=Entry_Key")
    synced.knobs(latency_ms=1500)
    run = start_run(user=staff, owner=staff)
    log = tmp_path / "worker.log"
    first = start_worker(env, log)
    try:
        wait_until(lambda: bool(in_flight(pks)), timeout=30, message="a first batch in flight")
        kill(first)
    finally:
        stop(first)
    left = in_flight(pks)
    # The next worker takes the run over and is killed in its turn, mid-call: settling the
    # rows the first one left, or sending rows under claims of its own.
    second = start_worker(env, log)
    try:
        wait_until(lambda: bool(in_flight(pks) - left), timeout=60,
                   message=f"the second worker mid-call (log: {log})")
        kill(second)
    finally:
        stop(second)
    assert in_flight(pks)  # the second death, too, left rows in flight
    synced.knobs(latency_ms=0)
    third = start_worker(env, log)
    try:
        wait_until(lambda: statuses(contacts + companies) == [Row.Status.CREATED], timeout=90,
                   message=f"all rows created (log: {log})")
        wait_until(lambda: SubmissionRun.objects.get(pk=run.pk).status not in {
            SubmissionRun.Status.RUNNING, SubmissionRun.Status.QUEUED}, timeout=30,
            message="the run ended")
    finally:
        stop(third)
    emails = sandbox_emails(synced, "twice-killed")
    names = [r["Account_Name"] for r in synced.records("Accounts")
             if str(r.get("Account_Name", "")).startswith("Twice Killed")]
    assert len(emails) == 40 == len(set(emails))  # exactly once
    assert len(names) == 40 == len(set(names))
    ids = list(Row.objects.filter(pk__in=pks).values_list("bigin_id", flat=True))
    assert len(set(ids)) == 80 and "" not in ids


def test_two_workers_and_a_double_submitted_run_send_each_row_once(
        synced, live_server, staff, database_tasks, tmp_path):
    from bigin_ui.queue.tasks import run_submission

    rows = queue_contacts(staff, 250, "twice")
    env = app_env(f"{live_server.url}/sandbox")
    synced.knobs(latency_ms=150)
    run = start_run(user=staff, owner=staff)
    run_submission.enqueue(run_id=run.pk)  # the same run queued a second time
    again = start_run(user=staff, owner=staff)  # a double click
    assert again.rows_total == 0
    two_workers_until_created(env, rows, tmp_path, timeout=60)
    sends = [pk for row_ids in Attempt.objects.filter(kind="insert").values_list(
        "row_ids", flat=True) for pk in row_ids]
    assert sorted(sends) == sorted(r.pk for r in rows)  # every row in exactly one call
    assert len(sandbox_emails(synced, "twice")) == 250
    assert SubmissionRun.objects.get(pk=run.pk).status == SubmissionRun.Status.FINISHED


def test_two_runs_on_two_workers_stay_under_one_shared_call_cap(
        synced, live_server, staff, database_tasks, tmp_path, django_user_model):
    other = django_user_model.objects.create_user("otto", "otto@example.com", "pw-sales-123")
    rows = queue_contacts(staff, 100, "capa") + queue_contacts(other, 100, "capb")
    # Bigin's cap and ours are both 2; each run alone would happily use both slots.
    env = app_env(f"{live_server.url}/sandbox", BIGIN_MAX_CONCURRENCY="2",
                  BIGIN_BATCH_SIZE="10")
    synced.knobs(latency_ms=150, max_concurrency=2)
    start_run(user=staff, owner=staff)
    start_run(user=other, owner=other)
    two_workers_until_created(env, rows, tmp_path, timeout=90)
    stats = synced.stats()
    assert stats["responses_429"] == 0
    assert stats["max_in_flight"] == 2  # the cap was used, and never exceeded
    assert Attempt.objects.filter(kind="insert").count() == 20


COLD_START = textwrap.dedent("""
    import sys, time
    import django
    django.setup()
    from bigin_ui.connection.services import build_client
    start_at = float(sys.argv[1])
    while time.time() < start_at:
        time.sleep(0.001)
    print(len(build_client().get_fields("Contacts")))
""")


def test_eight_processes_starting_cold_make_one_token_refresh(sandbox, live_server, db):
    import time

    env = app_env(f"{live_server.url}/sandbox")
    start_at = str(time.time() + 4)
    processes = [subprocess.Popen([sys.executable, "-c", COLD_START, start_at], env=env,
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(8)]
    outputs = [p.communicate(timeout=60) for p in processes]
    assert all(p.returncode == 0 for p in processes), [o[1][-500:] for o in outputs]
    assert all(int(out.strip()) > 20 for out, _ in outputs)
    assert sandbox.stats()["token_issued"] == 1
