"""A helper's part in a shared run (queue/share.py says how a run is shared): join the
run, claim and send its batches beside its driver, leave.

Apart from share.py so that the engine, which uses share's door and give-back, is not
imported back by it.
"""

from __future__ import annotations

import time

from django.utils import timezone

from bigin_ui.bigin.client import BiginClient
from bigin_ui.connection.services import build_client
from bigin_ui.queue import share
from bigin_ui.queue.context import RunContext, lease_seconds
from bigin_ui.queue.engine import send_all
from bigin_ui.queue.models import Attempt, RunHelper, SubmissionRun
from bigin_ui.queue.recover import Heartbeat

# How long a helper taken before its run's driver waits for the driver to claim the run.
# Helpers are queued at a lower priority than drivers, so this is the moment between another
# worker taking the driver's task and its claim_run, not a real wait.
JOIN_WAIT_SECONDS = 10.0


def join_run(*, run_id: int, task_id: str = "", client: BiginClient | None = None) -> int:
    """Help the run's driver send its rows until nothing is left to claim; returns the
    attempts this helper made."""
    if not SubmissionRun.objects.filter(pk=run_id, status__in=[
            SubmissionRun.Status.QUEUED, SubmissionRun.Status.RUNNING]).exists():
        return 0
    # Registered first thing, so a worker killed from here on leaves a helper whose beat goes
    # stale, and its task is closed as lost when the run finishes.
    helper = RunHelper.objects.create(run_id=run_id, task_id=task_id[:64],
                                      beat_at=timezone.now())
    try:
        run = _running(run_id)
        # After registering: a driver that closed the run before this saw no helper, and this
        # helper sees the closed door; one that closes it later waits for this helper.
        if run is None or not share.door_open(run.pk):
            return 0
        ctx = RunContext(
            run=run, client=client or build_client(),
            started_by=run.created_by.get_username() if run.created_by else run.origin,
            helper=True,
        )
        beat = Heartbeat(ctx, every=min(5.0, lease_seconds() / 3), helper=helper)
        beat.start()
        try:
            send_all(ctx)
        finally:
            beat.stop()
            ctx.slots.close()
            if ctx.stop_reason:
                share.request_stop(run, ctx.stop_reason)
        return Attempt.objects.filter(run=run, worker=helper.worker).count()
    finally:
        RunHelper.objects.filter(pk=helper.pk).update(finished_at=timezone.now())


def _running(run_id: int) -> SubmissionRun | None:
    give_up = time.monotonic() + JOIN_WAIT_SECONDS
    while True:
        run = SubmissionRun.objects.select_related("created_by").filter(pk=run_id).first()
        if run is None or run.status not in {SubmissionRun.Status.QUEUED,
                                             SubmissionRun.Status.RUNNING}:
            return None
        if run.status == SubmissionRun.Status.RUNNING:
            return run
        if time.monotonic() > give_up:
            return None
        time.sleep(0.2)
