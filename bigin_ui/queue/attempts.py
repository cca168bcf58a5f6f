"""Storing each call made for rows (the audit trail) and applying per-row outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models, transaction
from django.db.models import F, Model
from django.utils import timezone

from bigin_ui.queue.models import Attempt, AttemptRow, Row, RowEvent, SubmissionRun

# Row states that a claim holder may still settle (a slow answer may arrive after the lease
# ran out and a recovery marked the row unknown; Bigin's answer is the better truth).
SETTLEABLE = (Row.Status.SENDING, Row.Status.UNKNOWN, Row.Status.RECONCILING)


CREDIT_LOCK = 10_000  # a CallSlot number no real slot uses; locking it serialises reservations


def begin_attempt(
    *,
    run: SubmissionRun | None,
    module: str,
    kind: str,
    rows: Sequence[Row],
    request_body: Any,
    started_by: str = "",
    credits: int = 0,
    allowance: int | None = None,
) -> Attempt | None:
    """Store the call before it is made, so even a worker killed mid-call leaves a trace.

    The call's credits are reserved at the same time; with an ``allowance``, None comes back
    instead when the rolling 24 hours would go over it. Reserving inside one locked
    transaction keeps parallel calls from all passing the check together.
    """
    with transaction.atomic():
        if allowance is not None:
            from bigin_ui.queue.credits import used_last_24h
            from bigin_ui.queue.models import CallSlot

            CallSlot.objects.get_or_create(number=CREDIT_LOCK)
            CallSlot.objects.select_for_update().get(number=CREDIT_LOCK)
            if used_last_24h() + credits > allowance:
                return None
        attempt = Attempt.objects.create(
            run=run, module=module, kind=kind, started_at=timezone.now(),
            request_body=request_body, outcome="in_flight", started_by=started_by[:150],
            credits=credits,
        )
        insert_many(AttemptRow, ("attempt", "row", "index"),
                    [(attempt.pk, row.pk, i) for i, row in enumerate(rows)])
    return attempt


# Columns whose Python values (ints, strings, None) the database drivers take as they are.
AS_GIVEN = (models.ForeignKey, models.IntegerField, models.CharField, models.TextField)


def insert_many(model: type[Model], names: Sequence[str], values: Sequence[Sequence[Any]]) -> None:
    """One parameterised INSERT run with executemany.

    For the per-row records every batch writes (which row was at which index, each row's
    history line), Django's bulk_create spent more CPU preparing the objects and the SQL than
    the database spent storing them. Other values are still prepared by their field, once
    per distinct object (one timestamp, one empty dict serve a whole batch).
    """
    if not values:
        return
    fields = [model._meta.get_field(name) for name in names]
    prepared: list[dict[int, Any] | None] = [
        None if isinstance(f, AS_GIVEN) else {} for f in fields
    ]
    params = []
    for row in values:
        line = []
        for field, memo, value in zip(fields, prepared, row, strict=True):
            if memo is None or value is None:
                line.append(value)
                continue
            key = id(value)
            if key not in memo:
                memo[key] = field.get_db_prep_save(value, connection)  # type: ignore[union-attr]
            line.append(memo[key])
        params.append(line)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)  # type: ignore[union-attr]
    sql = (f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


NO_CHANGES: dict[str, Any] = {}


def insert_events(events: Sequence[RowEvent]) -> None:
    """Store history lines built as RowEvent objects (unsaved) in one statement."""
    now = timezone.now()
    insert_many(RowEvent, ("row", "at", "actor", "kind", "message", "changes", "run"),
                [(e.row_id, e.at or now, e.actor_id, e.kind, e.message,
                  e.changes or NO_CHANGES, e.run_id) for e in events])


def finish_attempt(
    attempt: Attempt,
    *,
    duration: float | None,
    status: int | None,
    response_body: Any,
    error: str = "",
    outcome: str = "",
    credits: int = 0,
) -> None:
    with transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).update(
            duration_ms=int((duration or 0) * 1000),
            http_status=status,
            response_body=bounded_body(response_body),
            error=error[:5000],
            outcome=outcome,
            credits=credits,
        )
        if attempt.run_id is not None:
            SubmissionRun.objects.filter(pk=attempt.run_id).update(
                calls=F("calls") + (0 if outcome == "not_sent" else 1),
                credits=F("credits") + credits,
                retries=F("retries") + (1 if outcome == "retry" else 0),
            )


def bounded_body(body: Any) -> Any:
    """The answer as stored in the attempt: whole when small, else its head with a marker.

    A hostile or broken upstream can answer megabytes; the audit trail keeps what a person
    needs to see what happened, not a copy of every byte.
    """
    import json

    from django.conf import settings

    if not _jsonable(body):
        body = str(body)
    text = body if isinstance(body, str) else json.dumps(body, default=str)
    cap = settings.BIGIN_MAX_STORED_BODY_CHARS
    if len(text) <= cap:
        return body
    return {"truncated": True, "original_chars": len(text), "head": text[:cap],
            "note": f"Cut to the first {cap:,} characters (BIGIN_MAX_STORED_BODY_CHARS)."}


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, (dict, list, str, int, float, bool))


def settle(
    *,
    claim: str,
    updates: dict[int, dict[str, Any]],
    events: Sequence[RowEvent] = (),
) -> int:
    """Write per-row outcomes for rows still held under ``claim``, in one transaction.

    ``updates`` maps row pk to the fields to set. Rows someone else has taken since (another
    claim) are left alone. This is the engine's hottest write (every row of every batch), so
    it is one parameterised UPDATE run with executemany per set of fields: Django's CASE/WHEN
    form of the same update cost more CPU than the call to Bigin it records.
    """
    if not updates:
        return 0
    by_fields: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = {}
    for pk, values in updates.items():
        by_fields.setdefault(tuple(sorted(values)), []).append((pk, values))
    now = timezone.now()
    table = connection.ops.quote_name(Row._meta.db_table)
    settleable = ", ".join(["%s"] * len(SETTLEABLE))
    changed = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            for names, group in by_fields.items():
                fields = [Row._meta.get_field(name) for name in names]
                updated_at = Row._meta.get_field("updated_at")
                assignments = ", ".join(
                    f"{connection.ops.quote_name(f.column)} = %s" for f in [*fields, updated_at]
                )
                sql = (f"UPDATE {table} SET {assignments} WHERE id = %s AND claim = %s "
                       f"AND status IN ({settleable})")
                params = [
                    [*(f.get_db_prep_save(values[f.name], connection) for f in fields),
                     updated_at.get_db_prep_save(now, connection), pk, claim, *SETTLEABLE]
                    for pk, values in group
                ]
                cursor.executemany(sql, params)
                changed += max(cursor.rowcount, 0)
        if events:
            insert_events(events)
    return changed
