"""Background tasks. Each one only calls a service."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import TaskContext, default_task_backend, task

log = logging.getLogger(__name__)


@task()
def run_submission(run_id: int) -> None:
    from bigin_ui.queue.engine import execute_run, stale_after

    schedule_watch(run_id, after=stale_after())
    execute_run(run_id=run_id)


@task(takes_context=True)
def watch_run(context: TaskContext, run_id: int) -> None:
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
    mine = str(context.task_result.id)
    execute_run(run_id=run_id, on_claimed=lambda: close_dead_tasks(run_id, keep=mine))


@task(takes_context=True)
def help_run(context: TaskContext, run_id: int) -> None:
    """Join a running run as a helper: claim and send its batches beside its driver."""
    from bigin_ui.queue.helping import join_run

    join_run(run_id=run_id, task_id=str(context.task_result.id))


# Helpers are queued below drivers and watches: a free worker starts a waiting run before it
# helps one that already has a worker (django-tasks-db takes the highest priority first).
HELPER_PRIORITY = -10


def schedule_helpers(run_id: int, *, rows: int) -> int:
    """Queue BIGIN_RUN_HELPERS helper tasks for a run with more than one batch to send."""
    from django.conf import settings

    count = settings.BIGIN_RUN_HELPERS
    if not default_task_backend.supports_defer or rows <= settings.BIGIN_BATCH_SIZE:
        return 0  # the immediate backend runs the whole run inline; one batch is not shared
    for _ in range(count):
        help_run.using(priority=HELPER_PRIORITY).enqueue(run_id=run_id)
    return count


def close_dead_tasks(run_id: int, *, keep: str) -> int:
    """Mark the task results a dead worker left "running" for this run as failed.

    Called once this worker has taken the run over from a stale heartbeat, so any other task
    still "running" for the run lost its worker; left alone they would read as running for
    ever in the task table. Only the database backend keeps such rows.
    """
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the Redis backend has no task table
        return 0
    paths = [f"{__name__}.run_submission", f"{__name__}.watch_run"]
    dead = [
        result.pk
        for result in DBTaskResult.objects.filter(status="RUNNING", task_path__in=paths)
        .exclude(pk=keep).only("pk", "args_kwargs")
        if isinstance(result.args_kwargs, dict)
        and (result.args_kwargs.get("kwargs") or {}).get("run_id") == run_id
    ]
    if not dead:
        return 0
    return DBTaskResult.objects.filter(pk__in=dead, status="RUNNING").update(
        status="FAILED", finished_at=timezone.now(),
        exception_class_path="bigin_ui.queue.tasks.WorkerLost",
        traceback=f"The worker running this task stopped; run {run_id} was resumed by task "
                  f"{keep}.",
    )


def schedule_watch(run_id: int, *, after: timedelta) -> None:
    if not default_task_backend.supports_defer:
        return  # the immediate backend (tests, scripts) runs everything inline anyway
    watch_run.using(run_after=timezone.now() + after).enqueue(run_id=run_id)
