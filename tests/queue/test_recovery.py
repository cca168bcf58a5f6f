"""Leases and takeover without processes (the chaos test does it with real ones)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from bigin_ui.queue.engine import execute_run
from bigin_ui.queue.models import Row, SubmissionRun
from bigin_ui.queue.runs import start_run


def dead_run(owner):
    long_ago = timezone.now() - timedelta(minutes=10)
    return SubmissionRun.objects.create(created_by=owner, status=SubmissionRun.Status.RUNNING,
                                        heartbeat_at=long_ago, started_at=long_ago)


def row(owner, run, status, name, **extra):
    return Row.objects.create(module="Contacts", owner=owner, run=run, status=status,
                              payload={"Last_Name": name}, **extra)


def test_a_dead_run_does_not_block_a_new_submit(synced, staff, settings, fast_retries):
    settings.BIGIN_ENTRY_KEYS = {"Contacts": "Entry_Key"}
    stale = dead_run(staff)
    lapsed = timezone.now() - timedelta(minutes=5)
    pending = [row(staff, stale, Row.Status.PENDING, f"Left {i}") for i in range(3)]
    sending = row(staff, stale, Row.Status.SENDING, "Mid call", claim="a" * 32,
                  lease_until=lapsed, send_count=1)
    reconciling = row(staff, stale, Row.Status.RECONCILING, "Mid check", claim="b" * 32,
                      lease_until=lapsed, send_count=1)
    run = start_run(user=staff, owner=staff)
    assert run.rows_total == 5
    stale.refresh_from_db()
    assert stale.status == SubmissionRun.Status.STOPPED and "worker stopped" in stale.message
    every = [*pending, sending, reconciling]
    assert set(Row.objects.filter(pk__in=[r.pk for r in every])
               .values_list("status", flat=True)) == {Row.Status.CREATED}
    names = [r["Last_Name"] for r in synced.records("Contacts")]
    for item in every:
        assert names.count(item.payload["Last_Name"]) == 1


def test_a_resumed_run_takes_over_rows_its_dead_worker_left_in_flight(
        synced, staff, settings, fast_retries):
    settings.BIGIN_ENTRY_KEYS = {"Contacts": "Entry_Key"}
    settings.BIGIN_LEASE_MARGIN_SECONDS = 0.5
    settings.BIGIN_CONNECT_TIMEOUT = 0.5
    settings.BIGIN_READ_TIMEOUT = 1.0
    settings.BIGIN_CALL_DEADLINE_SECONDS = 1.5
    stale = dead_run(staff)
    # Claimed just before the worker died: the lease has a second to run.
    soon = timezone.now() + timedelta(seconds=1)
    left = [row(staff, stale, status, f"Orphan {status}", claim="c" * 32, lease_until=soon,
                send_count=1) for status in (Row.Status.SENDING, Row.Status.RECONCILING)]
    done = execute_run(run_id=stale.pk)
    assert done.status == SubmissionRun.Status.FINISHED, done.message
    assert set(Row.objects.filter(pk__in=[r.pk for r in left])
               .values_list("status", flat=True)) == {Row.Status.CREATED}
    assert "reconciling" not in done.message and "unknown" not in done.message


def test_a_run_never_finishes_with_rows_unknown(synced, staff, settings, fast_retries):
    # Every answer lost and no way to look the rows up: a person decides, the run ends.
    rows = [Row.objects.create(module="Contacts", owner=staff, payload={"Last_Name": f"L{i}"})
            for i in range(2)]
    synced.knobs(rate_drop=1.0)
    run = start_run(user=staff, owner=staff)
    run.refresh_from_db()
    assert run.status == SubmissionRun.Status.FINISHED
    assert set(Row.objects.filter(pk__in=[r.pk for r in rows])
               .values_list("status", flat=True)) == {Row.Status.NEEDS_REVIEW}
