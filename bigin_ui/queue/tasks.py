"""Background tasks. Each one only calls a service."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import default_task_backend, task

log = logging.getLogger(__name__)


@task()
def run_submission(run_id: int) -> None:
    from bigin_ui.queue.engine import execute_run, stale_after

    schedule_watch(run_id, after=stale_after())
    execute_run(run_id=run_id)


@task()
def watch_run(run_id: int) -> None:
    """Resume a run whose worker died (its heartbeat went stale); otherwise look again later."""
    from bigin_ui.queue.engine import execute_run, stale_after
    from bigin_ui.queue.models import SubmissionRun

    run = SubmissionRun.objects.filter(pk=run_id).first()
    if run is None or not run.active:
        return
    if run.heartbeat_at and timezone.now() - run.heartbeat_at < stale_after():
        schedule_watch(run_id, after=stale_after())
        return
    log.warning("Run %s lost its worker; resuming it", run_id)
    # The next watch is queued before resuming: should this worker die too, that watch
    # resumes the run again, however many workers die.
    schedule_watch(run_id, after=stale_after())
    execute_run(run_id=run_id)


def schedule_watch(run_id: int, *, after: timedelta) -> None:
    if not default_task_backend.supports_defer:
        return  # the immediate backend (tests, scripts) runs everything inline anyway
    watch_run.using(run_after=timezone.now() + after).enqueue(run_id=run_id)
