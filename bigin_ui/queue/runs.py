"""Starting submission runs and reading their progress."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from bigin_ui.queue.context import stale_after
from bigin_ui.queue.feed import queue_scope
from bigin_ui.queue.models import Row, RowEvent, SubmissionRun
from bigin_ui.queue.recover import recover_stale_rows, release_stale_runs

ACTIVE_STATUSES = [SubmissionRun.Status.QUEUED, SubmissionRun.Status.RUNNING]
ACTIVE_RUN = Q(run__status__in=ACTIVE_STATUSES)


def flag_duplicates(rows: QuerySet[Row]) -> int:
    """Hold pending rows whose unique value (case-insensitive) another row already has.

    The earliest row keeps going; later ones wait for a person, across all users' rows.
    """
    earlier = Row.objects.filter(
        module=OuterRef("module"),
        unique_key=OuterRef("unique_key"),
        status__in=[Row.Status.PENDING, Row.Status.SENDING, Row.Status.CREATED,
                    Row.Status.UNKNOWN, Row.Status.RECONCILING],
    ).filter(Q(pk__lt=OuterRef("pk")) | Q(status=Row.Status.CREATED))
    candidates = rows.filter(status=Row.Status.PENDING, hold="", duplicate_ok=False).exclude(
        unique_key=""
    ).filter(Exists(earlier))
    flagged = 0
    for row in candidates:
        other = (
            Row.objects.filter(module=row.module, unique_key=row.unique_key)
            .exclude(pk=row.pk)
            .exclude(status__in=[Row.Status.DISCARDED, Row.Status.FAILED])
            .select_related("owner")
            .order_by("pk")
            .first()
        )
        if other is None:
            continue
        field, _, _value = row.unique_key.partition(":")
        reason = (
            f"Same {field} as {row.module} row {other.pk} "
            f"({other.get_status_display().lower()}, entered by {other.owner.get_username()})"
            + (f", Bigin ID {other.bigin_id}" if other.bigin_id else "")
            + "."
        )
        Row.objects.filter(pk=row.pk, hold="").update(hold=Row.Hold.DUPLICATE, hold_reason=reason)
        RowEvent.objects.create(row=row, kind="held", message=reason)
        flagged += 1
    return flagged


def start_run(
    *,
    user: AbstractBaseUser | None,
    origin: str = "web",
    module: str | None = None,
    owner: AbstractBaseUser | None = None,
    row_ids: Iterable[int] | None = None,
    trigger: list[str] | None = None,
) -> SubmissionRun:
    """Take the pending rows in scope into a new run and queue it for the worker.

    Rows already in a queued or running run are left to it, so a double click makes a second,
    empty run instead of sending anything twice.

    Without ``row_ids`` the rows are not marked as the run's here: the run records its scope
    (``feed``) and its claims take the scope's rows straight from the queue, marking them as
    they go (queue.claim). Marking them all first was an UPDATE of every row before the
    first call (5 s at 100,000 rows on PostgreSQL, where each such update writes an entry
    in every index of the rows table). ``rows_total`` is counted the same way as before.
    """
    from bigin_ui.queue.tasks import run_submission

    # A run whose worker died no longer holds its rows: they are free for this Submit.
    release_stale_runs()
    with transaction.atomic():
        run = SubmissionRun.objects.create(created_by=user, origin=origin, trigger=trigger)
        ids = list(row_ids) if row_ids is not None else None
        # Rows of this scope a running run has yet to take from the queue are its rows as
        # much as the ones it marked: marked now, they are left to it like those (the double
        # click). Only those: another owner's run goes on taking its own from the queue.
        # Rows named one by one (Review's resend, a fixed row's resubmit) are this run's
        # instead: the person asked for them by name and follows this run, and the running
        # run only ever takes rows that are in no run.
        running = [] if ids is not None else SubmissionRun.objects.filter(
            feed__isnull=False, status__in=ACTIVE_STATUSES).exclude(pk=run.pk)
        for other in running:
            _within(queue_scope(other), module=module, owner=owner, row_ids=None).update(
                run=other)
        scope = _within(Row.objects.filter(status=Row.Status.PENDING), module=module,
                        owner=owner, row_ids=ids)
        # A row waiting for its parent is looked at again: the parent may exist by now.
        scope.filter(hold=Row.Hold.WAITING).update(hold="", hold_reason="")
        flag_duplicates(scope)
        free = scope.filter(hold="").exclude(ACTIVE_RUN)
        if ids is None:
            upto = Row.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            run.feed = {"owner": owner.pk if owner is not None else None,
                        "module": module or "", "upto": upto}
            total = free.filter(pk__lte=upto).count()
            # Rows left pending by a run that ended keep its id; the claims read only
            # unmarked rows of the queue, so these few are marked now (found from the
            # ended runs, along the run index, not among every pending row).
            ended = SubmissionRun.objects.exclude(status__in=ACTIVE_STATUSES).values("pk")
            scope.filter(hold="", run__in=ended).update(run=run)
        else:
            total = free.update(run=run)
        # Rows whose last answer was lost are settled by the next run that comes along.
        unknown = Row.objects.filter(status=Row.Status.UNKNOWN).exclude(ACTIVE_RUN)
        if owner is not None:
            unknown = unknown.filter(owner=owner)
        if module:
            unknown = unknown.filter(module=module)
        if ids is not None:
            unknown = unknown.filter(pk__in=ids)
        total += unknown.update(run=run)
        run.rows_total = total
        if total == 0:
            run.status = SubmissionRun.Status.FINISHED
            run.message = "Nothing to submit: no pending rows in scope."
            run.feed = None
        run.save()
        if total:
            transaction.on_commit(partial(_enqueue, run.pk, run_submission, rows=total))
    return run


def _within(rows: QuerySet[Row], *, module: str | None, owner: AbstractBaseUser | None,
            row_ids: list[int] | None) -> QuerySet[Row]:
    if module:
        rows = rows.filter(module=module)
    if owner is not None:
        rows = rows.filter(owner=owner)
    if row_ids is not None:
        rows = rows.filter(pk__in=row_ids)
    return rows


def _enqueue(run_id: int, task: object, *, rows: int = 0) -> None:
    from bigin_ui.queue.tasks import schedule_helpers, schedule_watch

    result = task.enqueue(run_id=run_id)  # type: ignore[attr-defined]
    SubmissionRun.objects.filter(pk=run_id).update(task_id=str(result.id)[:64])
    # A second chain of watches, queued from here rather than by a worker: the worker's own
    # chain breaks if it is killed after taking a watch and before queueing the next one
    # (seen in the chaos test when SQLite's write lock held that worker up). Two chains at
    # different times keep the run watched; a resume claims the run, so two never both send.
    schedule_watch(run_id, after=stale_after() * 1.5)
    # Queued after the driver's task, and below it in priority: other workers join the run
    # as helpers (queue/share.py) once no run is waiting for a driver.
    schedule_helpers(run_id, rows=rows)


def run_progress(run: SubmissionRun) -> dict[str, int]:
    counts = dict.fromkeys(Row.Status.values, 0)
    for item in Row.objects.filter(run=run).values("status").annotate(n=Count("pk")):
        counts[item["status"]] = item["n"]
    if run.feed is not None and run.active:
        # Rows the run has yet to take from the queue are pending in it all the same.
        counts[Row.Status.PENDING] += max(0, run.rows_total - sum(counts.values()))
    return counts


def reconcile_again(*, row_ids: list[int], actor: AbstractBaseUser) -> SubmissionRun:
    """An admin's "check Bigin again" for rows whose outcome is unknown or whose reconciling
    worker is gone: a run that settles them now (upsert on the entry key, or search)."""
    release_stale_runs()
    recover_stale_rows(row_ids=row_ids)
    with transaction.atomic():
        rows = Row.objects.filter(pk__in=row_ids, status=Row.Status.UNKNOWN)
        RowEvent.objects.bulk_create([
            RowEvent(row_id=pk, actor=actor, kind="reconcile", message="Check in Bigin "
                     "asked for again.") for pk in rows.values_list("pk", flat=True)])
    return start_run(user=actor, origin="review", row_ids=row_ids)
