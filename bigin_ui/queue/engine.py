"""The submission engine: moves a run's pending rows into Bigin.

Rules it keeps (DESIGN.md, "A pending row's life"):
- a row is claimed (pending → sending) by a conditional UPDATE under a fresh claim token, so two
  workers or two runs never send one row twice;
- at most 100 rows per call, at most BIGIN_MAX_CONCURRENCY calls in flight across processes;
- ``data[i]`` is mapped to the i-th row sent;
- 429/5xx/connection failures before the request reached Bigin are retried with exponential
  backoff and jitter; an answer lost after sending makes the rows ``unknown`` and they are
  reconciled, never re-inserted blindly;
- parents before children: Companies and Products, then Contacts, then Pipelines, then
  activities, with each child's ``{"$row": pk}`` replaced by its parent's new Bigin ID.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import Count, F, Q, Subquery
from django.utils import timezone

from bigin_ui.bigin.client import BiginClient
from bigin_ui.bigin.errors import (
    AmbiguousOutcome,
    AuthenticationError,
    BiginError,
    InvalidModuleError,
    OAuthError,
    RateLimited,
    RecordLimitError,
    RequestError,
    ServerError,
    TransportError,
)
from bigin_ui.bigin.results import RecordError, RecordMissing, RecordSuccess, WriteResponse
from bigin_ui.connection.services import build_client
from bigin_ui.queue import credits as credit_book
from bigin_ui.queue.attempts import begin_attempt, finish_attempt, settle
from bigin_ui.queue.models import Row, RowEvent, SubmissionRun
from bigin_ui.queue.references import iter_row_refs, resolve_refs
from bigin_ui.queue.slots import NoFreeSlot, SlotPool

log = logging.getLogger(__name__)

LEVELS: tuple[tuple[str, ...], ...] = (
    ("Accounts", "Products"),
    ("Contacts",),
    ("Pipelines",),
    ("Tasks", "Events", "Calls"),
)
MODULE_ORDER = tuple(m for level in LEVELS for m in level)
NOT_CREATED = [s for s in Row.Status.values if s != Row.Status.CREATED]
# Send, reconcile, resend rounds per run; each lost answer costs a round, and reconcile
# gives a row to a person after MAX_SENDS sends, so this bound is never the one that stops.
MAX_ROUNDS = 8
PREFETCH = 2


def lease_seconds() -> float:
    margin = settings.BIGIN_LEASE_MARGIN_SECONDS
    return settings.BIGIN_CONNECT_TIMEOUT + settings.BIGIN_READ_TIMEOUT + margin


def stale_after() -> timedelta:
    """A running run whose heartbeat is older than this lost its worker."""
    return timedelta(seconds=lease_seconds() + settings.BIGIN_LEASE_MARGIN_SECONDS)


def trigger_for(run: SubmissionRun) -> list[str] | None:
    if run.trigger is not None:
        return list(run.trigger)
    return [] if settings.BIGIN_TRIGGER in {"none", "off", "[]"} else None


def entry_key_field(module: str) -> str | None:
    """The configured entry-key field for a module, if Bigin really has it."""
    from bigin_ui.metadata.schema import get_schema

    name = settings.BIGIN_ENTRY_KEYS.get(module)
    if not name:
        return None
    try:
        schema = get_schema(module)
    except LookupError:
        return None
    meta = schema.get(name)
    return name if meta is not None and meta.unique else None


@dataclass
class RunContext:
    run: SubmissionRun
    client: BiginClient
    started_by: str
    stop_reason: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    claims: set[str] = field(default_factory=set)
    slots: SlotPool = field(default_factory=lambda: SlotPool(lease=lease_seconds()))

    def stop(self, reason: str) -> None:
        with self.lock:
            if not self.stop_reason:
                self.stop_reason = reason

    @property
    def stopped(self) -> bool:
        return bool(self.stop_reason)


@dataclass
class Batch:
    module: str
    claim: str
    rows: list[Row]


# --- claiming ------------------------------------------------------------------------------


def claim_batch(run: SubmissionRun, modules: tuple[str, ...], *, limit: int) -> Batch | None:
    """Take up to ``limit`` sendable rows of one module for this run (pending → sending)."""
    lease_until = timezone.now() + timedelta(seconds=lease_seconds())
    for module in modules:
        claim = uuid.uuid4().hex
        with transaction.atomic():
            # Rows stay locked until the update below: PostgreSQL skips rows another claim
            # holds, and SQLite's IMMEDIATE transactions let one writer in at a time. So the
            # update can name the rows by primary key alone; a status or run condition there
            # made SQLite walk every pending row of the run on each claim (quadratic in N).
            candidates = list(
                Row.objects.select_for_update(skip_locked=True)
                .filter(run=run, module=module, status=Row.Status.PENDING, hold="")
                .exclude(depends_on__status__in=NOT_CREATED)
                .order_by("pk")
                .values_list("pk", flat=True)[:limit]
            )
            if not candidates:
                continue
            taken = Row.objects.filter(pk__in=candidates).update(
                status=Row.Status.SENDING,
                claim=claim,
                lease_until=lease_until,
                send_count=F("send_count") + 1,
                sent_at=timezone.now(),
            )
        if taken:
            # Only what building the bodies and settling needs: loading whole rows (eleven
            # converted columns each) was the largest CPU cost of a batch.
            rows = list(Row.objects.filter(claim=claim).order_by("pk")
                        .only("pk", "module", "payload", "uuid"))
            return Batch(module=module, claim=claim, rows=rows)
    return None


def build_bodies(batch: Batch) -> tuple[list[Row], list[dict[str, Any]], dict[int, str]]:
    """The request bodies, with queued-row references resolved to Bigin IDs.

    Returns the rows that can be sent, their bodies, and rows that cannot (pk → reason).
    """
    refs = {pk for row in batch.rows for pk in iter_row_refs(row.payload)}
    parents = dict(
        Row.objects.filter(pk__in=refs, status=Row.Status.CREATED).values_list("pk", "bigin_id")
    )
    key_field = entry_key_field(batch.module)
    rows, bodies, blocked = [], [], {}
    for row in batch.rows:
        try:
            body = resolve_refs(row.payload, parents.get)
        except KeyError as missing:
            blocked[row.pk] = f"Row {missing.args[0]} it refers to is not in Bigin yet."
            continue
        finalize_body(body)
        if key_field:
            body[key_field] = str(row.uuid)
        rows.append(row)
        bodies.append(body)
    return rows, bodies, blocked


def finalize_body(body: dict[str, Any]) -> None:
    """Shapes that differ from a plain lookup once references are resolved."""
    participants = body.get("Participants")
    if isinstance(participants, list):
        for item in participants:
            who = item.get("participant") if isinstance(item, dict) else None
            if isinstance(who, dict) and "id" in who:
                item["participant"] = who["id"]  # Bigin wants the contact's ID as a string


# --- sending -------------------------------------------------------------------------------


def backoff_delay(attempt: int) -> float:
    base = settings.BIGIN_RETRY_BASE_SECONDS
    return base * (2 ** (attempt - 1)) * (0.5 + random.random())  # noqa: S311 - jitter


def send_batch(ctx: RunContext, batch: Batch) -> None:
    with ctx.lock:
        ctx.claims.add(batch.claim)
    try:
        _send_batch(ctx, batch)
    except Exception:
        log.exception("Unexpected failure sending %s rows", batch.module)
        # Never leave rows stuck in "sending": their fate is unknown, reconcile them.
        settle(
            claim=batch.claim,
            updates={r.pk: {"status": Row.Status.UNKNOWN} for r in batch.rows},
        )
        raise
    finally:
        with ctx.lock:
            ctx.claims.discard(batch.claim)


def _send_batch(ctx: RunContext, batch: Batch) -> None:
    rows, bodies, blocked = build_bodies(batch)
    if blocked:
        settle(
            claim=batch.claim,
            updates={
                pk: {"status": Row.Status.PENDING, "last_problem": why}
                for pk, why in blocked.items()
            },
        )
    if rows and settings.BIGIN_CHECK_EXISTING:
        rows, bodies = hold_existing(ctx, batch, rows, bodies)
    if rows:
        write(ctx, batch.module, batch.claim, rows, bodies, upsert_on=None)


def hold_existing(
    ctx: RunContext, batch: Batch, rows: list[Row], bodies: list[dict[str, Any]]
) -> tuple[list[Row], list[dict[str, Any]]]:
    """With BIGIN_CHECK_EXISTING, look each row's unique value up in Bigin before sending;
    rows Bigin already has are held for a person instead of being rejected as duplicates."""
    from bigin_ui.queue.reconcile import search_unique, unique_value

    keep_rows, keep_bodies = [], []
    for row, body in zip(rows, bodies, strict=True):
        unique = unique_value(batch.module, row)
        matches = []
        if unique is not None:
            try:
                matches = search_unique(ctx, batch.module, row, *unique)
            except BiginError:
                matches = []  # the insert itself will still be checked by Bigin
        if not matches:
            keep_rows.append(row)
            keep_bodies.append(body)
            continue
        existing = str(matches[0].get("id"))
        reason = f"Bigin already has a {batch.module} record with this {unique[0]}: {existing}."
        settle(claim=batch.claim, updates={row.pk: {
            "status": Row.Status.PENDING, "hold": Row.Hold.EXISTS, "hold_reason": reason,
            "error_details": {"existing_id": existing}}},
            events=[RowEvent(row=row, kind="held", run=ctx.run, message=reason)])
    return keep_rows, keep_bodies


def write(
    ctx: RunContext,
    module: str,
    claim: str,
    rows: list[Row],
    bodies: list[dict[str, Any]],
    *,
    upsert_on: str | None,
) -> None:
    """Send one call (insert, or upsert on ``upsert_on``), retrying what is safe to retry."""
    trigger = trigger_for(ctx.run)
    kind = "upsert" if upsert_on else "insert"
    request_body: dict[str, Any] = {"data": bodies}
    if upsert_on:
        request_body["duplicate_check_fields"] = [upsert_on]
    if trigger is not None:
        request_body["trigger"] = trigger
    cost = credit_book.write_cost(len(rows))
    tries = 0
    while True:
        tries += 1
        if ctx.stopped:
            _back_to_pending(claim, rows, ctx.stop_reason)
            return
        attempt = begin_attempt(run=ctx.run, module=module, kind=kind, rows=rows,
                                request_body=request_body, started_by=ctx.started_by,
                                credits=cost, allowance=credit_book.allowance())
        if attempt is None:
            ctx.stop(
                f"Stopped at the daily credit allowance ({credit_book.allowance()} credits "
                "in 24 hours); the remaining rows stay pending."
            )
            _back_to_pending(claim, rows, ctx.stop_reason)
            return
        try:
            with ctx.slots.slot():
                if upsert_on:
                    response = ctx.client.upsert_records(
                        module, bodies, duplicate_check_fields=[upsert_on], trigger=trigger
                    )
                else:
                    response = ctx.client.insert_records(module, bodies, trigger=trigger)
        except NoFreeSlot as exc:
            # Other submissions held every call slot for the whole wait: nothing was sent,
            # so the rows simply wait for the next submit, and the credits are given back.
            finish_attempt(attempt, duration=None, status=None, response_body=None,
                           error=str(exc), outcome="not_sent", credits=0)
            _back_to_pending(claim, rows, "Bigin was busy with other submissions; "
                             "submit again to send this row.")
            return
        except AmbiguousOutcome as exc:
            _finish_failed(attempt, exc, "ambiguous", credits=cost)
            settle(
                claim=claim,
                updates={r.pk: {"status": Row.Status.UNKNOWN,
                                "last_problem": "No complete answer from Bigin: " + str(exc)}
                         for r in rows},
                events=[RowEvent(row=r, kind="unknown", run=ctx.run,
                                 message="Sent, but Bigin's answer was lost; will reconcile.")
                        for r in rows],
            )
            return
        except (RateLimited, ServerError, TransportError) as exc:
            _finish_failed(attempt, exc, "retry")
            if tries > settings.BIGIN_MAX_RETRIES:
                _back_to_pending(
                    claim, rows,
                    f"Bigin kept refusing the call ({exc}); gave up after {tries} tries.",
                )
                return
            time.sleep(backoff_delay(tries))
            continue
        except AuthenticationError as exc:
            # Rejected even with a token refreshed a moment ago: the token can expire or be
            # revoked between refresh and use. Retry like a 5xx; stop only if it persists.
            _finish_failed(attempt, exc, "retry")
            if tries > settings.BIGIN_MAX_RETRIES:
                ctx.stop(f"Bigin refused the connection: {exc}")
                _back_to_pending(claim, rows, ctx.stop_reason)
                return
            time.sleep(backoff_delay(tries))
            continue
        except OAuthError as exc:
            _finish_failed(attempt, exc, "auth")
            ctx.stop(f"Could not get a Bigin access token: {exc}")
            _back_to_pending(claim, rows, ctx.stop_reason)
            return
        except (InvalidModuleError, RecordLimitError, RequestError) as exc:
            _finish_failed(attempt, exc, "rejected")
            _fail_all(ctx, claim, rows, exc)
            return
        except BiginError as exc:  # scope, permission
            _finish_failed(attempt, exc, "refused")
            ctx.stop(f"Bigin refused the connection: {exc}")
            _back_to_pending(claim, rows, ctx.stop_reason)
            return
        with transaction.atomic():  # one write transaction for the whole outcome
            finish_attempt(attempt, duration=response.duration, status=response.status,
                           response_body=response.body, outcome="results", credits=cost)
            apply_results(ctx, claim, rows, response)
        return


def _finish_failed(attempt: Any, exc: BiginError, outcome: str, *, credits: int = 0) -> None:
    finish_attempt(attempt, duration=exc.duration, status=exc.status, response_body=exc.body,
                   error=str(exc), outcome=outcome, credits=credits)


def apply_results(ctx: RunContext, claim: str, rows: list[Row], response: WriteResponse) -> None:
    updates: dict[int, dict[str, Any]] = {}
    events: list[RowEvent] = []
    created = failed = unknown = 0
    for result in response.results:
        row = rows[result.index]
        if isinstance(result, RecordSuccess):
            created += 1
            updates[row.pk] = {
                "status": Row.Status.CREATED, "bigin_id": result.id, "error_code": "",
                "error_message": "", "error_field": "", "error_details": {},
                "last_problem": "", "linked_existing": result.action == "update",
            }
            events.append(RowEvent(row=row, kind="created", run=ctx.run,
                                   message=f"Created in Bigin with ID {result.id}"
                                   + (" (matched an existing record)"
                                      if result.action == "update" else "")))
        elif (
            isinstance(result, RecordError)
            and result.code == "DUPLICATE_DATA"
            and result.api_name
            and result.api_name == entry_key_field(row.module)
            and result.duplicate_id
        ):
            # Our own entry key already exists: an earlier call whose answer was lost did
            # create this record. That is success, not a duplicate.
            created += 1
            updates[row.pk] = {
                "status": Row.Status.CREATED, "bigin_id": result.duplicate_id,
                "error_code": "", "error_message": "", "error_field": "",
                "error_details": {}, "last_problem": "",
            }
            events.append(RowEvent(row=row, kind="created", run=ctx.run,
                                   message=f"Already in Bigin (entry key) with ID "
                                   f"{result.duplicate_id}"))
        elif isinstance(result, RecordError):
            failed += 1
            updates[row.pk] = {
                "status": Row.Status.FAILED, "error_code": result.code,
                "error_message": result.message, "error_field": result.api_name or "",
                "error_details": result.details, "last_problem": "",
            }
            events.append(RowEvent(row=row, kind="failed", run=ctx.run,
                                   message=f"{result.code}"
                                   + (f" on {result.api_name}" if result.api_name else "")
                                   + f": {result.message}"))
        elif isinstance(result, RecordMissing):
            unknown += 1
            updates[row.pk] = {"status": Row.Status.UNKNOWN,
                               "last_problem": "Bigin's answer had no result for this row."}
    settle(claim=claim, updates=updates, events=events)
    SubmissionRun.objects.filter(pk=ctx.run.pk).update(
        rows_sent=F("rows_sent") + len(rows),
        rows_created=F("rows_created") + created,
        rows_failed=F("rows_failed") + failed,
        rows_unknown=F("rows_unknown") + unknown,
    )


def _back_to_pending(claim: str, rows: list[Row], reason: str) -> None:
    """Unsent rows go back to the queue, out of this run, so the run does not loop on them;
    the next submit takes them again."""
    # One statement: were "pending" and "out of the run" two, the run's next claim could
    # take the rows again in between (seen on PostgreSQL).
    settle(
        claim=claim,
        updates={r.pk: {"status": Row.Status.PENDING, "last_problem": reason, "run": None}
                 for r in rows},
    )


def _fail_all(ctx: RunContext, claim: str, rows: list[Row], exc: BiginError) -> None:
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
    SubmissionRun.objects.filter(pk=ctx.run.pk).update(rows_failed=F("rows_failed") + len(rows))


# --- running -------------------------------------------------------------------------------


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


def send_all(ctx: RunContext) -> None:
    """Send every sendable row of the run, keeping the call slots busy.

    Levels open in order (Companies and Products, then Contacts, Pipelines, activities); a
    level opens once every row of the levels before it has been claimed, so the last calls
    of one level overlap the first of the next instead of leaving slots idle. A row that
    refers to a queued row is never claimed before that row is created, and rows of earlier
    levels always go first.
    """
    cap = settings.BIGIN_MAX_CONCURRENCY
    limit = settings.BIGIN_BATCH_SIZE
    # A couple of batches beyond the cap are claimed and prepared while calls are in flight,
    # so a freed call slot is used at once; the slots themselves still cap the calls.
    depth = cap + PREFETCH
    reach = 0
    with ThreadPoolExecutor(max_workers=depth, thread_name_prefix="bigin-send") as pool:
        in_flight: set[Future[None]] = set()
        while True:
            while len(in_flight) < depth and not ctx.stopped:
                open_modules = tuple(m for level in LEVELS[: reach + 1] for m in level)
                batch = claim_batch(ctx.run, open_modules, limit=limit)
                if batch is None:
                    if reach + 1 < len(LEVELS):
                        reach += 1
                        continue
                    break
                in_flight.add(pool.submit(send_batch, ctx, batch))
            if not in_flight:
                close_pool_connections(pool, depth)
                return
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                if future.exception() is not None:
                    log.error("A batch failed: %s", future.exception())


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


def claim_run(run_id: int) -> SubmissionRun | None:
    """Take a queued run, or a running one whose worker stopped beating (crash recovery)."""
    now = timezone.now()
    taken = SubmissionRun.objects.filter(
        Q(status=SubmissionRun.Status.QUEUED)
        | Q(status=SubmissionRun.Status.RUNNING, heartbeat_at__lt=now - stale_after()),
        pk=run_id,
    ).update(status=SubmissionRun.Status.RUNNING, heartbeat_at=now)
    if not taken:
        return None
    run = SubmissionRun.objects.get(pk=run_id)
    if run.started_at is None:
        run.started_at = now
        run.save(update_fields=["started_at"])
    return run


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


def execute_run(*, run_id: int, client: BiginClient | None = None) -> SubmissionRun | None:
    """Run a submission to the end. Safe to call twice: the second call finds it taken."""
    from bigin_ui.queue.reconcile import reconcile_run

    run = claim_run(run_id)
    if run is None:
        return None
    ctx = RunContext(
        run=run,
        client=client or build_client(),
        started_by=run.created_by.get_username() if run.created_by else run.origin,
    )
    beat = Heartbeat(ctx, every=min(5.0, lease_seconds() / 3))
    beat.start()
    try:
        recover_stale_rows(run)
        reconcile_run(ctx)
        for _round in range(MAX_ROUNDS):
            send_all(ctx)
            if ctx.stopped:
                break
            resend = reconcile_run(ctx)
            unsettled = Row.objects.filter(run=run, status=Row.Status.UNKNOWN).exists()
            # Children of rows settled just now become sendable too: go round again.
            waiting = (
                Row.objects.filter(run=run, status=Row.Status.PENDING, hold="")
                .exclude(depends_on__status__in=NOT_CREATED)
                .exists()
            )
            if not resend and not unsettled and not waiting:
                break
        mark_waiting(run)
    finally:
        beat.stop()
        ctx.slots.close()
        finish_run(run, ctx.stop_reason)
    return SubmissionRun.objects.get(pk=run.pk)


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


def finish_run(run: SubmissionRun, stop_reason: str) -> None:
    counts = dict(
        Row.objects.filter(run=run).values_list("status").annotate(n=Count("pk"))
    )
    left = counts.get(Row.Status.PENDING, 0)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    message = stop_reason or (f"Finished: {summary}." if summary else "Nothing to send.")
    if not stop_reason and left:
        message += " Rows still pending were not sendable (see each row)."
    SubmissionRun.objects.filter(pk=run.pk).update(
        status=SubmissionRun.Status.STOPPED if stop_reason else SubmissionRun.Status.FINISHED,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        message=message,
        rows_unknown=counts.get(Row.Status.UNKNOWN, 0) + counts.get(Row.Status.NEEDS_REVIEW, 0),
    )
