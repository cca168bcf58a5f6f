"""Settling rows: writing Bigin's per-row answers, unsent rows back to the queue, and the
end of a run."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils import timezone

from bigin_ui.bigin.errors import BiginError
from bigin_ui.bigin.results import RecordError, RecordMissing, RecordSuccess, WriteResponse
from bigin_ui.queue.attempts import EventLine, settle, write_tally
from bigin_ui.queue.context import NOT_CREATED, RunContext, entry_key_field
from bigin_ui.queue.models import Row, RowEvent, SubmissionRun

# One empty dict for every row a batch clears, so it is turned into JSON once per batch.
NO_DETAILS: dict[str, Any] = {}


def apply_results(ctx: RunContext, claim: str, rows: list[Row], response: WriteResponse) -> None:
    updates: dict[int, dict[str, Any]] = {}
    events: list[EventLine] = []
    run_id = ctx.run.pk
    created = failed = unknown = 0
    key_field = entry_key_field(rows[0].module) if rows else None
    for result in response.results:
        row = rows[result.index]
        if isinstance(result, RecordSuccess):
            created += 1
            updates[row.pk] = {
                "status": Row.Status.CREATED, "bigin_id": result.id, "error_code": "",
                "error_message": "", "error_field": "", "error_details": NO_DETAILS,
                "last_problem": "", "linked_existing": result.action == "update",
            }
            events.append(EventLine(row.pk, "created", f"Created in Bigin with ID {result.id}"
                                    + (" (matched an existing record)"
                                       if result.action == "update" else ""), run_id))
        elif (
            isinstance(result, RecordError)
            and result.code == "DUPLICATE_DATA"
            and result.api_name
            and result.api_name == key_field
            and result.duplicate_id
        ):
            # Our own entry key already exists: an earlier call whose answer was lost did
            # create this record. That is success, not a duplicate.
            created += 1
            updates[row.pk] = {
                "status": Row.Status.CREATED, "bigin_id": result.duplicate_id,
                "error_code": "", "error_message": "", "error_field": "",
                "error_details": NO_DETAILS, "last_problem": "",
            }
            events.append(EventLine(row.pk, "created", f"Already in Bigin (entry key) with ID "
                                    f"{result.duplicate_id}", run_id))
        elif isinstance(result, RecordError):
            failed += 1
            updates[row.pk] = {
                "status": Row.Status.FAILED, "error_code": result.code,
                "error_message": result.message, "error_field": result.api_name or "",
                "error_details": result.details, "last_problem": "",
            }
            events.append(EventLine(row.pk, "failed", f"{result.code}"
                                    + (f" on {result.api_name}" if result.api_name else "")
                                    + f": {result.message}", run_id))
        elif isinstance(result, RecordMissing):
            unknown += 1
            updates[row.pk] = {"status": Row.Status.UNKNOWN, "last_problem": result.reason}
            events.append(EventLine(row.pk, "unknown", result.reason + " Will reconcile.",
                                    run_id))
    settle(claim=claim, updates=updates, events=events)
    ctx.tally.add(rows_sent=len(rows), rows_created=created, rows_failed=failed,
                  rows_unknown=unknown)
    write_tally(ctx.run.pk, ctx.tally, force=False)


def back_to_pending(ctx: RunContext, claim: str, rows: list[Row], reason: str) -> None:
    """Unsent rows go back to the queue, out of this run, so the run does not loop on them;
    the next submit takes them again. Their history line names the run, so what the run
    took can still be told (bigin_submit --wait counts them as left unsent)."""
    # One statement: were "pending" and "out of the run" two, the run's next claim could
    # take the rows again in between (seen on PostgreSQL).
    settle(
        claim=claim,
        updates={r.pk: {"status": Row.Status.PENDING, "last_problem": reason, "run": None}
                 for r in rows},
        events=[RowEvent(row=r, kind="returned", run=ctx.run,
                         message=f"Not sent; back in the queue: {reason}") for r in rows],
    )


def fail_all(ctx: RunContext, claim: str, rows: list[Row], exc: BiginError) -> None:
    settle(
        claim=claim,
        updates={
            r.pk: {"status": Row.Status.FAILED, "error_code": exc.code or "REQUEST_ERROR",
                   "error_message": exc.message, "error_field": str(
                       exc.details.get("api_name") or ""), "error_details": exc.details}
            for r in rows
        },
        events=[RowEvent(row=r, kind="failed", run=ctx.run, message=str(exc)) for r in rows],
    )
    ctx.tally.add(rows_failed=len(rows))
    write_tally(ctx.run.pk, ctx.tally, force=False)


def mark_waiting(run: SubmissionRun) -> int:
    """Rows still pending because a row they refer to was not created: say why."""
    waiting = 0
    # Only rows with a parent not created, streamed: a run stopped at the credit limit can
    # leave tens of thousands of rows pending, and none of them belongs in memory at once.
    stuck = (
        Row.objects.filter(run=run, status=Row.Status.PENDING, hold="",
                           depends_on__status__in=NOT_CREATED)
        .distinct()
        .only("pk")
        .prefetch_related("depends_on")
    )
    for row in stuck.iterator(chunk_size=500):
        parents = [p for p in row.depends_on.all() if p.status != Row.Status.CREATED]
        if not parents:
            continue
        parent = parents[0]
        reason = (
            f"Waiting for {parent.module} row {parent.pk} ({parent.get_status_display().lower()}"
            + (f": {parent.error_code}" if parent.error_code else "")
            + "). It is sent once that row is created."
        )
        Row.objects.filter(pk=row.pk, status=Row.Status.PENDING).update(
            hold=Row.Hold.WAITING, hold_reason=reason
        )
        waiting += 1
    if waiting:
        SubmissionRun.objects.filter(pk=run.pk).update(rows_waiting=waiting)
    return waiting


def settle_leftovers(ctx: RunContext) -> int:
    """No row of a run that ends may be left "unknown" without an owner.

    A stopped run (credits, token, refusal) leaves its unknown rows for the next Submit,
    which takes them (start_run); a run that went all its rounds without settling them gives
    them to a person, with the last problem seen.
    """
    unknown = Row.objects.filter(run=ctx.run, status=Row.Status.UNKNOWN)
    if ctx.stopped:
        return unknown.update(run=None)
    rows = list(unknown.values_list("pk", "last_problem"))
    for pk, problem in rows:
        reason = ("Bigin's answer for this row could not be settled after several tries"
                  + (f" (last: {problem})" if problem else "")
                  + "; check Bigin, then link or resend it.")
        Row.objects.filter(pk=pk, status=Row.Status.UNKNOWN).update(
            status=Row.Status.NEEDS_REVIEW, last_problem=reason)
        RowEvent.objects.create(row_id=pk, kind="needs_review", run=ctx.run, message=reason)
    return len(rows)


def finish_run(run: SubmissionRun, stop_reason: str, *, unknown_released: int = 0) -> None:
    """Write the run's end and its summary.

    ``unknown_released`` is how many unknown rows a stopped run left out of itself for the
    next Submit (settle_leftovers): they count as back in the queue.
    """
    counts = dict(
        Row.objects.filter(run=run).values_list("status").annotate(n=Count("pk"))
    )
    left = counts.get(Row.Status.PENDING, 0)
    held = sum(counts.values())
    # Rows given back to the queue unsent (Bigin kept refusing, no call slot, credits) leave
    # the run. Submit counted its scope, but a run takes the scope's rows from the queue as
    # it goes (feed.queue_scope): a row discarded, held or taken by another run before this
    # one reached it was never this run's, and is neither "back in the queue" nor to be
    # submitted again. Only when rows are missing is it worth telling the two apart.
    missing = max(0, run.rows_total - held)
    never_taken = 0
    if missing:
        given_back = (RowEvent.objects.filter(run=run, kind="returned").exclude(row__run=run)
                      .values("row").distinct().count()) + unknown_released
        never_taken = max(0, missing - given_back)
    returned = missing - never_taken
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    if returned:
        summary += (", " if summary else "") + f"{returned} back in the queue unsent"
    if never_taken:
        summary += ((", " if summary else "") + f"{never_taken} of the rows counted at Submit "
                    "left the queue before the run took them (discarded, held or taken by "
                    "another run)")
    message = stop_reason or (f"Finished: {summary}." if summary else "Nothing to send.")
    if stop_reason and returned:
        message += f" {returned} row(s) are back in the queue unsent."
    if not stop_reason and left:
        message += " Rows still pending were not sendable (see each row)."
    if not stop_reason and returned:
        message += " Rows back in the queue say why on their page; submit again to send them."
    SubmissionRun.objects.filter(pk=run.pk).update(
        status=SubmissionRun.Status.STOPPED if stop_reason else SubmissionRun.Status.FINISHED,
        # The run's rows are what it took: the report (run_report) reckons from this total.
        rows_total=run.rows_total - never_taken,
        # Rows of its scope it never took stay in the queue ("back in the queue unsent").
        feed=None,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        message=message,
        rows_unknown=counts.get(Row.Status.UNKNOWN, 0) + counts.get(Row.Status.NEEDS_REVIEW, 0),
    )
