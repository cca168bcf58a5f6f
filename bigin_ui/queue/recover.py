"""Keeping a live run's leases fresh, and taking over what a dead worker left behind."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.db import DatabaseError, connections, transaction
from django.db.models import Subquery
from django.utils import timezone

from bigin_ui.queue.context import RunContext, lease_seconds
from bigin_ui.queue.models import Row, RowEvent, SubmissionRun

log = logging.getLogger(__name__)


def heartbeat(run: SubmissionRun) -> None:
    SubmissionRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())


class Heartbeat(threading.Thread):
    """While a run executes, say so, and keep the leases on its rows in flight fresh.

    Without this, a batch waiting out long backoffs could look abandoned to another worker.
    """

    def __init__(self, ctx: RunContext, every: float = 5.0) -> None:
        super().__init__(name=f"run-{ctx.run.pk}-heartbeat", daemon=True)
        self.ctx = ctx
        self.every = every
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
        heartbeat(self.ctx.run)
        self.ctx.slots.renew()
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
                .filter(claim__in=claims, status=Row.Status.SENDING)
                .values("pk")
            )
            Row.objects.filter(pk__in=Subquery(free)).update(
                lease_until=timezone.now() + timedelta(seconds=lease_seconds())
            )

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=self.every * 2)


def recover_stale_rows(run: SubmissionRun | None = None) -> int:
    """Rows left "sending" by a worker that died: their fate is unknown, so reconcile them."""
    rows = Row.objects.filter(status=Row.Status.SENDING, lease_until__lt=timezone.now())
    if run is not None:
        rows = rows.filter(run=run)
    stale = list(rows.values_list("pk", flat=True))
    if not stale:
        return 0
    with transaction.atomic():
        count = Row.objects.filter(pk__in=stale, status=Row.Status.SENDING).update(
            status=Row.Status.UNKNOWN,
            last_problem="The worker sending this row stopped before Bigin's answer was stored.",
        )
        RowEvent.objects.bulk_create(
            [RowEvent(row_id=pk, kind="unknown", run=run,
                      message="Worker lost while sending; will reconcile.") for pk in stale]
        )
    return count
