"""Claiming work: a run for a worker, and batches of a run's rows for a call.

Both are conditional updates, so two workers or a double click never take the same thing.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from bigin_ui.queue.context import NOT_CREATED, Batch, entry_key_field, lease_seconds, stale_after
from bigin_ui.queue.models import Row, SubmissionRun
from bigin_ui.queue.references import iter_row_refs, resolve_refs


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



def claim_batch(run: SubmissionRun, modules: tuple[str, ...], *, limit: int,
                empty: set[str] | None = None, drained: set[str] | None = None,
                ) -> Batch | None:
    """Take up to ``limit`` sendable rows of one module for this run (pending → sending).

    Modules are tried in order; those found with nothing to send are added to ``empty``
    when given, so the caller can leave them out of its next claims.

    A run still feeding (``run.feed``) takes its rows from the queue first, marking them as
    its own in the same statement; modules whose queue had nothing sendable are added to
    ``drained`` when given, and only the run's marked rows are claimed for them after that.
    """
    for module in modules:
        batch = None
        if run.feed is not None and (drained is None or module not in drained):
            batch = _claim_module(run, module, limit=limit, from_queue=True)
            if batch is None and drained is not None:
                drained.add(module)
        if batch is None:
            batch = _claim_module(run, module, limit=limit)
        if batch is not None:
            return batch
        if empty is not None:
            empty.add(module)
    return None


# The columns a batch needs, in the model's field order (Model.from_db wants that order):
# loading whole rows (eleven converted columns each) was the largest CPU cost of a batch.
BATCH_COLUMNS = ("id", "uuid", "module", "payload")


def _claim_module(run: SubmissionRun, module: str, *, limit: int,
                  from_queue: bool = False) -> Batch | None:
    """One statement: ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING …``.

    ``from_queue``: the rows come from the run's scope in the queue (rows in no run), and
    become the run's here; otherwise from the rows marked as the run's.

    The rows are taken and read back at once, under a fresh claim that is also appended to
    their ``claims`` (their calls are found by it). SQLite runs one writer at a time and a
    write statement takes the lock before it reads, so the subquery's rows are still
    pending when they are updated; on PostgreSQL the subquery locks them with FOR UPDATE
    SKIP LOCKED (re-checking its conditions on the latest version) and skips rows another
    claim holds. The UPDATE names the rows by primary key alone: a status or run condition
    there made SQLite walk every pending row of the run on each claim (quadratic in N).
    """
    feed = run.feed if from_queue else None
    if feed is not None and feed.get("module") and feed["module"] != module:
        return None
    claim = uuid.uuid4().hex
    now = timezone.now()
    subquery, sub_params = _candidates(
        run.pk, module, limit, connection.vendor,
        None if feed is None else (feed.get("owner"), int(feed["upto"]), run.created_at))
    quote = connection.ops.quote_name
    field = Row._meta.get_field
    stamp = field("sent_at").get_db_prep_save(now, connection)
    lease_until = field("lease_until").get_db_prep_save(
        now + timedelta(seconds=lease_seconds()), connection)
    sql = (
        f"UPDATE {quote(Row._meta.db_table)} SET status = %s, claim = %s, lease_until = %s, "
        "send_count = send_count + 1, sent_at = %s, updated_at = %s, run_id = %s, "
        f"claims = COALESCE(claims, '') || %s WHERE id IN ({subquery}) "
        f"RETURNING {', '.join(quote(c) for c in BATCH_COLUMNS)}"
    )
    params = [Row.Status.SENDING, claim, lease_until, stamp, stamp, run.pk, f" {claim}",
              *sub_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        taken = cursor.fetchall()
    if not taken:
        return None
    payload = field("payload")
    rows = []
    for pk, row_uuid, row_module, data in sorted(taken, key=lambda line: line[0]):
        if not isinstance(row_uuid, uuid.UUID):  # SQLite keeps it as 32 hex digits
            row_uuid = uuid.UUID(row_uuid)
        data = payload.from_db_value(data, None, connection)  # type: ignore[attr-defined]
        rows.append(Row.from_db(connection.alias, BATCH_COLUMNS,
                                (pk, row_uuid, row_module, data)))
    return Batch(module=module, claim=claim, rows=rows)


@functools.lru_cache(maxsize=256)
def _candidates(run_id: int, module: str, limit: int, vendor: str,
                queue: tuple[int | None, int, datetime] | None = None,
                ) -> tuple[str, tuple[Any, ...]]:
    """The SELECT of a claim's rows, compiled once per run and module (compiling it was a
    tenth of a batch's CPU). ``queue``: (owner or None, last row id, the run's start) of a
    run taking its rows from the queue (queue.feed.queue_scope); the rows in no run are read
    along the same (run, status, module, id) index as a run's own."""
    order = ["pk"]
    if queue is None:
        rows = Row.objects.filter(run_id=run_id)
    else:
        # In the index's own terms (all but id fixed by the filter, so the same order):
        # told "id" alone, PostgreSQL walked the primary key past every row claimed before
        # (52 ms a claim at 100,000 rows), not seeing that "run IS NULL" fixes the column.
        order = ["run_id", "status", "module", "pk"]
        owner, upto, started = queue
        # Not rows this run gave back to the queue: they wait for the next Submit.
        rows = Row.objects.filter(Q(sent_at__isnull=True) | Q(sent_at__lt=started),
                                  run__isnull=True, pk__lte=upto)
        if owner is not None:
            rows = rows.filter(owner_id=owner)
    candidates = (
        rows.filter(module=module, status=Row.Status.PENDING, hold="")
        .exclude(depends_on__status__in=NOT_CREATED)
        .order_by(*order)
        .values("pk")[:limit]
    )
    sql, params = candidates.query.sql_with_params()
    if vendor == "postgresql":
        sql += " FOR UPDATE SKIP LOCKED"
    return sql, tuple(params)


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
