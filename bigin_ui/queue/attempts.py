"""Storing each call made for rows (the audit trail) and applying per-row outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from datetime import timedelta
from typing import Any, NamedTuple

from django.db import connection, models, transaction
from django.db.models import F, Field, Model
from django.utils import timezone

from bigin_ui.queue.context import RunTally
from bigin_ui.queue.models import Attempt, Row, RowEvent, SubmissionRun, this_worker

# Row states that a claim holder may still settle (a slow answer may arrive after the lease
# ran out and a recovery marked the row unknown; Bigin's answer is the better truth).
SETTLEABLE = (Row.Status.SENDING, Row.Status.UNKNOWN, Row.Status.RECONCILING)

# PostgreSQL advisory lock key that serialises credit reservations across processes.
CREDIT_LOCK = 0x6269_6769_6E00  # "bigin\0"
# Rows per multi-row statement: well under SQLite's 32,766 parameters at ten per row.
CHUNK = 500


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
    claim: str = "",
) -> Attempt | None:
    """Store the call before it is made, so even a worker killed mid-call leaves a trace.

    The attempt names its rows (``row_ids``, in data[] order) and the claim they are held
    under. The call's credits are reserved by the same INSERT: with an ``allowance`` it only
    inserts when the rolling 24 hours stay within it, and None comes back otherwise. That
    check and the insert are one statement; SQLite runs one writer at a time, and on
    PostgreSQL an advisory lock taken first keeps parallel reservations from all passing the
    check together (the INSERT's snapshot, taken after the lock, sees every earlier one).
    """
    now = timezone.now()
    values = {
        "run": run.pk if run is not None else None, "module": module, "kind": kind,
        "started_at": now, "duration_ms": 0, "request_body": request_body, "error": "",
        "outcome": "in_flight", "started_by": started_by[:150], "worker": this_worker(),
        "credits": credits,
        "claim": claim, "row_ids": [row.pk for row in rows],
    }
    fields = [Attempt._meta.get_field(name) for name in values]
    params = [f.get_db_prep_save(v, connection) for f, v in zip(fields, values.values(),
                                                                 strict=True)]
    quote = connection.ops.quote_name
    table = quote(Attempt._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)  # type: ignore[union-attr]
    postgres = connection.vendor == "postgresql"
    if allowance is None:
        sql = (f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "
               "RETURNING id")
    else:
        # Without a FROM, PostgreSQL cannot tell the placeholders' types from the columns.
        select = ", ".join(f"CAST(%s AS {f.db_type(connection)})" if postgres else "%s"
                           for f in fields)
        sql = (f"INSERT INTO {table} ({columns}) SELECT {select} WHERE "
               f"(SELECT COALESCE(SUM(credits), 0) FROM {table} WHERE started_at >= %s) "
               "+ %s <= %s RETURNING id")
        since = Attempt._meta.get_field("started_at").get_db_prep_save(
            now - timedelta(hours=24), connection)
        params += [since, credits, allowance]
    locked = postgres and allowance is not None
    # On SQLite the one statement is its own transaction (a write statement takes the write
    # lock before it reads), so no BEGIN is spent on it.
    with (transaction.atomic(savepoint=False) if locked else nullcontext()), \
            connection.cursor() as cursor:
        if locked:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CREDIT_LOCK])
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        return None
    return Attempt(pk=found[0], run=run, module=module, kind=kind, started_at=now,
                   outcome="in_flight", credits=credits, claim=claim,
                   row_ids=values["row_ids"], started_by=values["started_by"],
                   worker=values["worker"])


class _Prepared:
    """Field values as the database driver takes them, each distinct object prepared once
    (one timestamp, one empty dict, one status string serve a whole batch): preparing every
    value of every row through its field cost more CPU than the database spent storing it."""

    # Columns whose Python values (ints, strings, None) the drivers take as they are.
    AS_GIVEN = (models.ForeignKey, models.IntegerField, models.CharField, models.TextField)

    def __init__(self, fields: Sequence[Field[Any, Any]]) -> None:
        self.fields = fields
        self.memos: list[dict[int, Any] | None] = [
            None if isinstance(f, self.AS_GIVEN) else {} for f in fields]

    def line(self, values: Sequence[Any]) -> list[Any]:
        out = []
        for field, memo, value in zip(self.fields, self.memos, values, strict=True):
            if memo is None or value is None:
                out.append(value)
                continue
            key = id(value)
            if key not in memo:
                memo[key] = (field.get_db_prep_save(value, connection), value)
            out.append(memo[key][0])  # the value is kept alive so its id is not reused
        return out


def insert_many(model: type[Model], names: Sequence[str], values: Sequence[Sequence[Any]]) -> None:
    """One multi-row INSERT per CHUNK rows: one statement for a batch's history lines."""
    if not values:
        return
    fields = [model._meta.get_field(name) for name in names]
    prepared = _Prepared(fields)  # type: ignore[arg-type]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)  # type: ignore[union-attr]
    group = f"({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        for start in range(0, len(values), CHUNK):
            chunk = values[start:start + CHUNK]
            params = [p for row in chunk for p in prepared.line(row)]
            cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
                           + ", ".join([group] * len(chunk)), params)


NO_CHANGES: dict[str, Any] = {}


class EventLine(NamedTuple):
    """A history line as insert_events takes it: what a RowEvent would hold, without
    building a model instance per row of a batch."""

    row_id: int
    kind: str
    message: str
    run_id: int | None = None
    at: Any = None
    actor_id: int | None = None
    changes: dict[str, Any] | None = None


def insert_events(events: Sequence[RowEvent | EventLine]) -> None:
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
    tally: RunTally | None = None,
) -> None:
    """Store the answer. The run's counters go to ``tally`` (written with the heartbeat or a
    later outcome) when given, else straight to the run."""
    counts = {"calls": 0 if outcome == "not_sent" else 1, "credits": credits,
              "retries": 1 if outcome == "retry" else 0}
    with transaction.atomic(savepoint=False):
        Attempt.objects.filter(pk=attempt.pk).update(
            duration_ms=int((duration or 0) * 1000),
            http_status=status,
            response_body=bounded_body(response_body),
            error=error[:5000],
            outcome=outcome,
            credits=credits,
        )
        if tally is not None:
            tally.add(**counts)
        elif attempt.run_id is not None:
            SubmissionRun.objects.filter(pk=attempt.run_id).update(
                **{name: F(name) + n for name, n in counts.items()})


def write_tally(run_id: int, tally: RunTally, *, force: bool = True,
                beat: bool = False) -> None:
    """Add the tallied counts to the run (with ``beat``, in the heartbeat's own UPDATE)."""
    counts = tally.take(force=force)
    if not counts and not beat:
        return
    changes: dict[str, Any] = {name: F(name) + n for name, n in counts.items()}
    if beat:
        changes["heartbeat_at"] = timezone.now()
    try:
        SubmissionRun.objects.filter(pk=run_id).update(**changes)
    except Exception:
        tally.give_back(counts)
        raise


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
    events: Sequence[RowEvent | EventLine] = (),
) -> int:
    """Write per-row outcomes for rows still held under ``claim``, in one transaction.

    ``updates`` maps row pk to the fields to set. Rows someone else has taken since (another
    claim) are left alone. This is the engine's hottest write (every row of every batch), so
    rows that set the same fields (all the created ones of a call, say) are written by one
    ``UPDATE … FROM (VALUES …)``: one statement per batch instead of one per row.
    """
    if not updates:
        return 0
    by_fields: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = {}
    for pk, values in updates.items():
        by_fields.setdefault(tuple(sorted(values)), []).append((pk, values))
    now = timezone.now()
    changed = 0
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            for names, group in by_fields.items():
                for start in range(0, len(group), CHUNK):
                    sql, params = _update_sql(names, group[start:start + CHUNK], claim, now)
                    cursor.execute(sql, params)
                    changed += max(cursor.rowcount, 0)
        if events:
            insert_events(events)
    return changed


def _update_sql(names: tuple[str, ...], group: list[tuple[int, dict[str, Any]]], claim: str,
                now: Any) -> tuple[str, list[Any]]:
    """``UPDATE row SET … FROM (VALUES (pk, v1, v2 …), …)`` for rows setting ``names``.

    VALUES columns are column1, column2, … on both SQLite and PostgreSQL; PostgreSQL types
    them from the first row, which therefore carries casts.
    """
    quote = connection.ops.quote_name
    table = quote(Row._meta.db_table)
    fields = [Row._meta.get_field(name) for name in names]
    prepared = _Prepared([Row._meta.pk, *fields])  # type: ignore[list-item]
    sets = ", ".join(f"{quote(f.column)} = v.column{i}"  # type: ignore[union-attr]
                     for i, f in enumerate(fields, start=2))
    width = len(fields) + 1
    if connection.vendor == "postgresql":
        first = "(" + ", ".join(f"CAST(%s AS {f.db_type(connection)})"  # type: ignore[union-attr]
                                for f in [Row._meta.pk, *fields]) + ")"
    else:
        first = f"({', '.join(['%s'] * width)})"
    rest = f"({', '.join(['%s'] * width)})"
    values = ", ".join([first] + [rest] * (len(group) - 1))
    updated_at = Row._meta.get_field("updated_at").get_db_prep_save(now, connection)
    sql = (f"UPDATE {table} SET {sets}, {quote('updated_at')} = %s "
           f"FROM (VALUES {values}) AS v WHERE {table}.id = v.column1 "
           f"AND {table}.claim = %s AND {table}.status IN ({', '.join(['%s'] * len(SETTLEABLE))})")
    params: list[Any] = [updated_at]
    for pk, row in group:
        params += prepared.line([pk, *(row[name] for name in names)])
    params += [claim, *SETTLEABLE]
    return sql, params
