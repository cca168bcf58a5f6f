"""Keeping a live run's leases fresh, and taking over what a dead worker left behind."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from django.db import DatabaseError, connections, transaction
from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone

from bigin_ui.queue.attempts import write_tally
from bigin_ui.queue.context import IN_FLIGHT, RunContext, lease_seconds, stale_after
from bigin_ui.queue.models import Row, RowEvent, RunHelper, SubmissionRun
from bigin_ui.queue.share import helpers_beating, look_at_run

log = logging.getLogger(__name__)


def heartbeat(run: SubmissionRun) -> None:
    SubmissionRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())


class Heartbeat(threading.Thread):
    """While a run executes, say so, and keep the leases on its rows in flight fresh.

    Without this, a batch waiting out long backoffs could look abandoned to another worker.
    A helper (queue/share.py) beats its own registration instead of the run's: the run's
    heartbeat says its driver is alive, so a dead driver is resumed even while helpers work.
    """

    def __init__(self, ctx: RunContext, every: float = 5.0,
                 helper: RunHelper | None = None) -> None:
        super().__init__(name=f"run-{ctx.run.pk}-heartbeat", daemon=True)
        self.ctx = ctx
        self.every = every
        self.helper = helper
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(self.every):
                try:
                    self.beat()
                except DatabaseError:
                    # One missed beat is harmless (leases outlast several); a dead heartbeat
                    # thread would let the run's rows look abandoned.
                    log.warning("Heartbeat of run %s failed; trying again", self.ctx.run.pk,
                                exc_info=True)
        finally:
            connections.close_all()

    def beat(self) -> None:
        # The leases first, and every other step on its own: a failure in any of them (a
        # locked database, say) must not cost the rows in flight their renewal, or a live
        # worker's rows lapse and are taken over and sent again by another.
        steps: list[Callable[[], object]] = [self.renew_leases]
        # The run's tallied counters ride on the heartbeat's own UPDATE (a helper's beat is
        # its own, not the run's: it adds them alone).
        helper = self.helper
        if helper is None:
            steps.append(lambda: write_tally(self.ctx.run.pk, self.ctx.tally, beat=True))
        else:
            steps += [lambda: RunHelper.objects.filter(pk=helper.pk).update(
                          beat_at=timezone.now()),
                      lambda: write_tally(self.ctx.run.pk, self.ctx.tally)]
        steps += [self.ctx.slots.renew,
                  lambda: self.ctx.slots.share_if_wanted(within=self.every * 2),
                  lambda: look_at_run(self.ctx)]
        for step in steps:
            try:
                step()
            except DatabaseError:
                log.warning("A heartbeat step of run %s failed; the next beat tries again",
                            self.ctx.run.pk, exc_info=True)

    def renew_leases(self) -> None:
        with self.ctx.lock:
            claims = list(self.ctx.claims)
        if not claims:
            return
        with transaction.atomic():
            # Rows a batch is settling at this moment are locked by it and need no new
            # lease: skip them instead of waiting, which deadlocked with that batch on
            # PostgreSQL (the two lock the same rows in different orders).
            free = (
                Row.objects.select_for_update(skip_locked=True)
                .filter(claim__in=claims, status__in=IN_FLIGHT)
                .values("pk")
            )
            Row.objects.filter(pk__in=Subquery(free)).update(
                lease_until=timezone.now() + timedelta(seconds=lease_seconds())
            )

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=self.every * 2)
        # What the batches tallied since the last beat, before the run's end is written.
        try:
            write_tally(self.ctx.run.pk, self.ctx.tally)
        except DatabaseError:
            log.warning("Could not write the counters of run %s", self.ctx.run.pk,
                        exc_info=True)


def recover_stale_rows(run: SubmissionRun | None = None,
                       row_ids: list[int] | None = None) -> int:
    """Rows left "sending" or "reconciling" by a worker that died (their lease lapsed): their
    fate is unknown, so they become "unknown" and are reconciled by whoever runs next.

    The claim is kept: should the old holder be alive after all and its answer arrive, that
    answer still settles the row (attempts.settle accepts unknown rows under their claim).
    """
    now = timezone.now()
    lapsed = Q(lease_until__lt=now) | Q(lease_until__isnull=True)
    rows = Row.objects.filter(lapsed, status__in=IN_FLIGHT)
    if run is not None:
        rows = rows.filter(run=run)
    if row_ids is not None:
        rows = rows.filter(pk__in=row_ids)
    stale = list(rows.values_list("pk", "run_id"))
    if not stale:
        return 0
    with transaction.atomic():
        count = Row.objects.filter(lapsed, pk__in=[pk for pk, _ in stale],
                                   status__in=IN_FLIGHT).update(
            status=Row.Status.UNKNOWN,
            last_problem="The worker handling this row stopped before Bigin's answer was "
                         "stored; it will be reconciled.",
        )
        RowEvent.objects.bulk_create(
            [RowEvent(row_id=pk, kind="unknown", run_id=run_id,
                      message="Worker lost while sending or reconciling; will reconcile.")
             for pk, run_id in stale]
        )
    return count


def orphans(ctx: RunContext) -> QuerySet[Row]:
    """This run's rows in flight under a claim this execution does not hold: a previous
    execution of the run (its worker died) left them, or a helper is sending them."""
    with ctx.lock:
        mine = list(ctx.claims)
    return Row.objects.filter(run=ctx.run, status__in=IN_FLIGHT).exclude(claim__in=mine)


def wait_for_orphans(ctx: RunContext) -> int:
    """Wait until the leases of rows a dead execution left lapse, then take them over.

    Never longer than one lease: a lease is renewed only by a live heartbeat, and this run's
    heartbeat is ours now. Not at all while a helper of the run still beats: rows under a
    live lease are then likely its batch claimed a moment ago, whose lease it renews, so the
    wait lasted the whole lease for nothing; the engine goes round again instead, and
    send_all waits for rows in flight (lapsing or answered) as it does for any other.
    """
    give_up = time.monotonic() + lease_seconds() + 5
    while not ctx.stopped:
        leases = list(orphans(ctx).values_list("lease_until", flat=True)[:1000])
        if not leases:
            return 0
        lapse = max((t for t in leases if t is not None), default=None)
        wait = (lapse - timezone.now()).total_seconds() if lapse is not None else 0
        if wait > 0 and time.monotonic() < give_up and not helpers_beating(ctx.run):
            time.sleep(min(wait + 0.05, 1.0))
            continue
        return recover_stale_rows(ctx.run)
    return 0


def release_stale_runs() -> int:
    """Runs still "running" whose worker stopped beating: stop them and free their rows.

    A new Submit calls this first, so rows of a dead run are never held back as "in a run".
    Pending rows go back to the queue; rows whose outcome is unknown (or whose lease lapsed
    mid-call) become unknown and out of the run, and the next run settles them. Rows still
    under a live lease are left to their holder; recover_stale_rows takes them later.
    """
    now = timezone.now()
    stale = list(SubmissionRun.objects.filter(
        status=SubmissionRun.Status.RUNNING, heartbeat_at__lt=now - stale_after()
    ).values_list("pk", flat=True))
    released = 0
    for run_id in stale:
        with transaction.atomic():
            # Conditional: a worker resuming the run at this moment (claim_run) wins or loses
            # against this update as a whole.
            stopped = SubmissionRun.objects.filter(
                pk=run_id, status=SubmissionRun.Status.RUNNING,
                heartbeat_at__lt=now - stale_after(),
            ).update(status=SubmissionRun.Status.STOPPED, finished_at=now,
                     message="Its worker stopped; the rows it had not settled were released "
                             "to the next submission.")
            if not stopped:
                continue
            recover_stale_rows(SubmissionRun(pk=run_id))
            Row.objects.filter(run_id=run_id, status__in=[Row.Status.PENDING,
                                                          Row.Status.UNKNOWN]).update(run=None)
            released += 1
    return released
