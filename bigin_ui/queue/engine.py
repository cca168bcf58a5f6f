"""The submission engine: moves a run's pending rows into Bigin.

Rules it keeps (DESIGN.md, "A pending row's life"):
- a row is claimed (pending → sending) by a conditional UPDATE under a fresh claim token, so two
  workers or two runs never send one row twice (``claim``);
- at most 100 rows per call, at most BIGIN_MAX_CONCURRENCY calls in flight across processes;
- ``data[i]`` is mapped to the i-th row sent (``settle``);
- 429/5xx/connection failures before the request reached Bigin are retried with exponential
  backoff and jitter (``send``); an answer lost after sending makes the rows ``unknown`` and
  they are reconciled, never re-inserted blindly (``reconcile``);
- a dead worker's rows and runs are taken over when their lease lapses (``recover``);
- parents before children: Companies and Products, then Contacts, then Pipelines, then
  activities, with each child's ``{"$row": pk}`` replaced by its parent's new Bigin ID.

This module only drives the stages; the names below are re-exported for existing callers.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.db import DatabaseError, connections

from bigin_ui.bigin.client import BiginClient
from bigin_ui.connection.services import build_client
from bigin_ui.queue import share
from bigin_ui.queue.claim import build_bodies, claim_batch, claim_run, finalize_body
from bigin_ui.queue.context import (
    IN_FLIGHT,
    LEVELS,
    MODULE_ORDER,
    NOT_CREATED,
    Batch,
    RunContext,
    entry_key_field,
    lease_seconds,
    stale_after,
    trigger_for,
)
from bigin_ui.queue.feed import queue_scope, take_rest
from bigin_ui.queue.models import Row, SubmissionRun
from bigin_ui.queue.reconcile import reconcile_run
from bigin_ui.queue.recover import (
    Heartbeat,
    heartbeat,
    recover_stale_rows,
    release_stale_runs,
    wait_for_orphans,
)
from bigin_ui.queue.send import backoff_delay, hold_existing, send_batch, write
from bigin_ui.queue.settle import apply_results, finish_run, mark_waiting, settle_leftovers

__all__ = [
    "LEVELS", "MODULE_ORDER", "NOT_CREATED", "Batch", "Heartbeat", "RunContext",
    "apply_results", "backoff_delay", "build_bodies", "claim_batch", "claim_run",
    "entry_key_field", "execute_run", "finalize_body", "finish_run", "heartbeat",
    "hold_existing", "lease_seconds", "mark_waiting", "recover_stale_rows",
    "release_stale_runs", "send_all",
    "send_batch", "stale_after", "trigger_for", "write",
]

log = logging.getLogger(__name__)

# Send, reconcile, resend rounds per run; each lost answer costs a round, and reconcile
# gives a row to a person after MAX_SENDS sends, so this bound is never the one that stops.
MAX_ROUNDS = 8
# Batches prepared beyond the cap at most (send_all).
MAX_SPARE = 5
# How often a participant with nothing to claim looks again while others have rows in flight.
OTHERS_POLL_SECONDS = 0.1


def send_all(ctx: RunContext) -> None:
    """Send every sendable row of the run, keeping the call slots busy.

    Levels open in order (Companies and Products, then Contacts, Pipelines, activities); a
    level opens once every row of the levels before it has been claimed, so the last calls
    of one level overlap the first of the next instead of leaving slots idle. A row that
    refers to a queued row is never claimed before that row is created, and rows of earlier
    levels always go first.

    The run's driver and its helpers (queue/share.py) both run this. With nothing to claim
    and nothing of its own in flight, a participant waits while another one still has rows
    in flight: their answers may make more rows sendable (children of rows being created), and
    leaving would let the next level go out on fewer workers or cost the driver a round.
    """
    cap = settings.BIGIN_MAX_CONCURRENCY
    limit = settings.BIGIN_BATCH_SIZE
    # Batches beyond the cap are claimed and prepared while calls are in flight, so that a
    # freed call slot is used at once; the slots themselves still cap the calls. The calls of
    # a round tend to come back together, and a batch is claimed only once another has
    # settled: with two spare, on PostgreSQL 37 of 102 batches were ready only after their
    # slot had been free a while (up to 80 ms; slots busy 81 % of the time, 89-92 % with as
    # many spare as slots at a cap of 5). At most MAX_SPARE, though: each spare batch is a
    # thread with its own database connection, and a worker killed while its batches wait
    # leaves them to be reconciled as if sent; at a cap of 10 the machine's cores, not the
    # spare batches, set the pace (3,434-3,802 rows/s with 2, 5 or 10 spare).
    depth = cap + min(cap, MAX_SPARE)
    reach = 0
    # Modules found with nothing to send are not asked again (a claim statement each, per
    # call, at the end of every module), unless rows of the run wait for others: a batch
    # that settles may free them.
    empty: set[str] = set()
    # Modules whose part of the queue had nothing sendable for a run still feeding.
    drained: set[str] = set()
    waits = rows_wait(ctx.run)
    others_seen = False  # another participant had rows in flight at the last look
    with ThreadPoolExecutor(max_workers=depth, thread_name_prefix="bigin-send") as pool:
        in_flight: set[Future[None]] = set()
        while True:
            while (len(in_flight) < depth and not ctx.stopped
                   and not share.leave_for_a_queued_run(ctx)):
                open_modules = tuple(m for level in LEVELS[: reach + 1] for m in level
                                     if m not in empty)
                batch = claim_batch(ctx.run, open_modules, limit=limit, empty=empty,
                                    drained=drained)
                if batch is None:
                    if reach + 1 < len(LEVELS):
                        reach += 1
                        continue
                    break
                # A helper looks at the door after claiming: a driver that closed the run
                # before this claim may already be finishing it, so the rows go back unsent.
                if ctx.helper and not share.door_open(ctx.run.pk):
                    share.give_back(batch)
                    ctx.leaving = True
                    break
                in_flight.add(pool.submit(send_batch, ctx, batch))
            if not in_flight:
                if (not ctx.stopped and not ctx.leaving
                        and (not ctx.helper or share.door_open(ctx.run.pk))):
                    if share.others_in_flight(ctx):
                        others_seen = True
                        time.sleep(OTHERS_POLL_SECONDS)
                        if waits:
                            empty.clear()  # the others' batches may have freed rows waiting
                            drained.clear()
                        continue
                    if others_seen:
                        # The others settled between this participant's last claim and
                        # that look: what they settled (a parent created, rows given back)
                        # may be sendable now, so claim once more before leaving. Leaving
                        # here left a helper's child rows to the driver's next round.
                        others_seen = False
                        empty.clear()
                        drained.clear()
                        continue
                # Nothing more is sendable from the queue: what is left of the run's scope
                # there (rows waiting for a parent not created) becomes the run's, for the
                # rest of the engine (waiting, rounds, the summary) to see.
                if (ctx.run.feed is not None and not ctx.stopped and not ctx.leaving
                        and take_rest(ctx.run)):
                    empty.clear()
                    waits = rows_wait(ctx.run)
                    continue
                close_pool_connections(pool, depth)
                return
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            if waits:
                empty.clear()
                drained.clear()
            for future in done:
                if future.exception() is not None:
                    log.error("A batch failed: %s", future.exception())


def rows_wait(run: SubmissionRun) -> bool:
    """Whether rows of the run (or of its scope in the queue) refer to other rows: then a
    settled batch may make more rows sendable, and modules found empty are asked again."""
    through = Row.depends_on.through.objects
    if through.filter(from_row__run=run).exists():
        return True
    return run.feed is not None and through.filter(from_row__in=queue_scope(run)).exists()


def close_pool_connections(pool: ThreadPoolExecutor, size: int) -> None:
    """Close the database connections the pool's threads opened.

    Django connections belong to the thread that opened them, so each thread must close its
    own: one task per thread, held at a barrier until every thread has one. Keeping them open
    between batches matters on PostgreSQL, where a new connection per batch is expensive.
    """
    barrier = threading.Barrier(size)

    def close_mine() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=30)
        connections.close_all()

    for future in [pool.submit(close_mine) for _ in range(size)]:
        future.result()


def go_round(ctx: RunContext) -> None:
    """Send, take over orphans, reconcile, and again while rows of the run are unsettled."""
    for _round in range(MAX_ROUNDS):
        send_all(ctx)
        if ctx.stopped:
            break
        # A previous execution of this run may have died with rows in flight: once
        # their leases lapse they are unknown, and reconciled below like any other.
        wait_for_orphans(ctx)
        resend = reconcile_run(ctx)
        if not resend and not unfinished(ctx.run):
            break


def close_to_helpers(ctx: RunContext) -> None:
    """The driver is about to finish: no helper claims anything more, and the driver waits
    until every helper has left (its batches settled) or stopped beating (it died: its rows'
    leases lapsed with its beat, and they are taken over as unknown)."""
    SubmissionRun.objects.filter(pk=ctx.run.pk).update(open_to_helpers=False)
    # The driver makes no more calls: its call slots go to the helpers' last batches at once.
    ctx.slots.close()
    share.wait_for_helpers(ctx.run)
    share.close_dead_helpers(ctx.run)
    recover_stale_rows(ctx.run)


def unfinished(run: SubmissionRun) -> bool:
    """Rows of the run unsettled, or pending and sendable (children of rows settled just now,
    rows given back): worth going round again."""
    if Row.objects.filter(run=run, status__in=[Row.Status.UNKNOWN, *IN_FLIGHT]).exists():
        return True
    return (Row.objects.filter(run=run, status=Row.Status.PENDING, hold="")
            .exclude(depends_on__status__in=NOT_CREATED).exists())


def execute_run(
    *,
    run_id: int,
    client: BiginClient | None = None,
    on_claimed: Callable[[], None] | None = None,
) -> SubmissionRun | None:
    """Run a submission to the end. Safe to call twice: the second call finds it taken.

    ``on_claimed`` runs once the run is this worker's (a resume tidies up after the dead one).
    """
    run = claim_run(run_id)
    if run is None:
        return None
    if on_claimed is not None:
        on_claimed()
    ctx = RunContext(
        run=run,
        client=client or build_client(),
        started_by=run.created_by.get_username() if run.created_by else run.origin,
    )
    beat = Heartbeat(ctx, every=min(5.0, lease_seconds() / 3))
    beat.start()
    closed = False
    unknown_released = 0
    try:
        # Whatever any dead worker left in flight, not only this run's: no row may wait for
        # an owner that will never come back.
        recover_stale_rows()
        reconcile_run(ctx)
        go_round(ctx)
        # Once, after every helper has left: nothing they hold may settle after the summary.
        close_to_helpers(ctx)
        closed = True
        # A helper that died while the driver waited left its rows unknown, and one that
        # left gave back rows it had not sent: the driver, alone now, reconciles and sends
        # them like any other, instead of handing them to a person or leaving them pending.
        if not ctx.stopped and unfinished(run):
            go_round(ctx)
        settled = settle_leftovers(ctx)
        # A stopped run takes its unknown rows out of itself for the next Submit.
        unknown_released = settled if ctx.stopped else 0
        mark_waiting(run)
    finally:
        if not closed:  # the driver failed: helpers must not go on sending for a finished run
            with contextlib.suppress(DatabaseError):
                SubmissionRun.objects.filter(pk=run.pk).update(open_to_helpers=False)
                ctx.slots.close()
                # With the run's heartbeat still going, or another worker would resume the
                # run meanwhile; bounded, as a helper that stops beating is dead.
                share.wait_for_helpers(run)
        beat.stop()
        ctx.slots.close()
        finish_run(run, ctx.stop_reason, unknown_released=unknown_released)
    return SubmissionRun.objects.get(pk=run.pk)
