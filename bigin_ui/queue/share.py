"""Sharing one run between several worker processes: its driver and its helpers.

A run is *driven* by the worker that claimed it (``claim_run``): that worker reconciles, opens
the levels, goes round again after lost answers and finishes the run, as when a run was one
worker's. *Helpers* (``help_run`` tasks, BIGIN_RUN_HELPERS of them queued with a run) join a
running run and only claim and send batches, so a large run uses several processes. Why the
split rather than peers:

- everything that decides the run's outcome (reconcile, leftovers, waiting rows, the summary)
  stays in one place, so it happens once; helpers add throughput and nothing else;
- what helpers do is already safe between processes: a batch is claimed by a conditional
  UPDATE under a fresh token, ``claim_batch`` never takes a row whose parent is not created
  (so levels hold whoever sends the parents), and the call slots are shared through the
  database, so all helpers together stay under BIGIN_MAX_CONCURRENCY;
- a helper's rows carry leases renewed by its own heartbeat, so a killed helper's rows lapse,
  become unknown and are reconciled by the driver exactly like a killed driver's.

The driver finishes once: it closes the run to helpers (``open_to_helpers``, in
``engine.close_to_helpers``), then waits until every registered helper has left or stopped
beating. A helper registers before it looks at the
door and looks at it again after each claim, so a batch is either seen by the driver's wait or
given back unsent.

This module holds what both sides look at (the door, the helpers' beats, giving rows back);
a helper's own loop is ``queue.helping.join_run``, which runs the engine's ``send_all``, so
neither module here imports the engine.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from bigin_ui.queue.context import IN_FLIGHT, Batch, RunContext, stale_after
from bigin_ui.queue.models import Row, RunHelper, SubmissionRun

log = logging.getLogger(__name__)

# A queued run waiting this long for a worker makes helpers leave theirs: a helper is extra
# throughput for one run, not a reason for another person's submit to wait. A free worker
# takes a queued task within its poll interval (one second by default), so a run queued
# longer than this has none.
QUEUED_TOO_LONG = timedelta(seconds=1.5)
# How often a helper looks for such a run while it sends, besides its heartbeat: with the
# heartbeat's five seconds on top of QUEUED_TOO_LONG, the second of two runs started together
# waited for most of the first (its would-be worker was helping the first).
QUEUED_LOOK_SECONDS = 0.5


def door_open(run_id: int) -> bool:
    return SubmissionRun.objects.filter(
        pk=run_id, status=SubmissionRun.Status.RUNNING, open_to_helpers=True,
        stop_requested="",
    ).exists()


def give_back(batch: Batch) -> int:
    """Rows a helper claimed after the run closed: pending again, as if never claimed."""
    return Row.objects.filter(claim=batch.claim, status=Row.Status.SENDING).update(
        status=Row.Status.PENDING, claim="", lease_until=None,
        send_count=F("send_count") - 1,
    )


def others_in_flight(ctx: RunContext) -> bool:
    """Rows of the run another live participant is sending or reconciling.

    Their answers may make more rows sendable (children of rows being created, rows a
    reconcile sends again), so a participant with nothing to claim waits for them instead of
    leaving. Rows under a lapsed lease do not count: their holder is gone, and the driver
    takes them over (wait_for_orphans).
    """
    with ctx.lock:
        mine = list(ctx.claims)
    return (Row.objects.filter(run=ctx.run, status__in=IN_FLIGHT, lease_until__gt=timezone.now())
            .exclude(claim__in=mine).exists())


def request_stop(run: SubmissionRun, reason: str) -> None:
    """A participant had to stop (credits, token, refusal): the others stop too."""
    SubmissionRun.objects.filter(pk=run.pk, stop_requested="").update(stop_requested=reason)


def look_at_run(ctx: RunContext) -> None:
    """Read what the other participants said: a stop for everyone, a closed door, a queued
    run waiting for a worker (helpers only). Called by the heartbeat."""
    state = (SubmissionRun.objects.filter(pk=ctx.run.pk)
             .values("status", "open_to_helpers", "stop_requested").first())
    if state is None:
        ctx.leaving = True
        return
    if state["stop_requested"] and not ctx.helper:
        ctx.stop(state["stop_requested"])
    if not ctx.helper:
        return
    if ctx.stop_reason and not state["stop_requested"]:
        request_stop(ctx.run, ctx.stop_reason)  # now, not only once this helper has left
    if (state["stop_requested"] or not state["open_to_helpers"]
            or state["status"] != SubmissionRun.Status.RUNNING):
        ctx.leaving = True
    elif run_waiting_for_a_worker():
        log.info("Helper of run %s leaves it for a queued run", ctx.run.pk)
        ctx.leaving = True


def run_waiting_for_a_worker() -> bool:
    return SubmissionRun.objects.filter(status=SubmissionRun.Status.QUEUED,
                                        created_at__lt=timezone.now() - QUEUED_TOO_LONG).exists()


def leave_for_a_queued_run(ctx: RunContext) -> bool:
    """A helper, sending, looks twice a second for a run waiting for a worker, and leaves its
    run for it (``ctx.leaving``): one statement per look, none for a driver."""
    if not ctx.helper or ctx.leaving:
        return ctx.leaving
    now = time.monotonic()
    if now < ctx.next_queue_look:
        return False
    ctx.next_queue_look = now + QUEUED_LOOK_SECONDS
    if run_waiting_for_a_worker():
        log.info("Helper of run %s leaves it for a queued run", ctx.run.pk)
        ctx.leaving = True
    return ctx.leaving


def helpers_beating(run: SubmissionRun) -> bool:
    """A helper of the run is registered, has not left, and still beats (it is alive)."""
    return RunHelper.objects.filter(run=run, finished_at__isnull=True,
                                    beat_at__gte=timezone.now() - stale_after()).exists()


def wait_for_helpers(run: SubmissionRun) -> None:
    """Until every helper has left or stopped beating, however long that takes.

    No time limit: a helper's batch may sit in backoff or wait for a call slot far longer
    than any fixed bound, and a driver that finished meanwhile would leave its rows "sending"
    in a finished run. The wait still ends: a helper that sees the door closed claims nothing
    more, gives back what it has not sent (``send.write``) and leaves once its calls in
    flight are answered; a helper that stops beating died, and its leases lapse with it.
    """
    while helpers_beating(run):
        time.sleep(0.2)


def close_dead_helpers(run: SubmissionRun) -> int:
    """Helpers that stopped beating without leaving died with their worker: their task
    results would read "running" for ever in the task table."""
    dead = list(RunHelper.objects.filter(run=run, finished_at__isnull=True,
                                         beat_at__lt=timezone.now() - stale_after()))
    if not dead:
        return 0
    RunHelper.objects.filter(pk__in=[h.pk for h in dead]).update(finished_at=timezone.now())
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the Redis backend has no task table
        return len(dead)
    DBTaskResult.objects.filter(pk__in=[h.task_id for h in dead if h.task_id],
                                status="RUNNING").update(
        status="FAILED", finished_at=timezone.now(),
        exception_class_path="bigin_ui.queue.tasks.WorkerLost",
        traceback=f"The worker helping run {run.pk} stopped; its rows were taken over.",
    )
    return len(dead)
