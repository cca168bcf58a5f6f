"""Counts over the rows, remembered until the rows change.

The list pages' counts (per status, held and sendable rows, Review's cause groups and total)
read up to tens of thousands of index entries each at 100,000 rows: about half of a list
page's server CPU. Pages are read far more often than rows change, so each count is kept,
per server process, with the rows' *version* it was computed at, and reused while the version
is the same. The version changes with every committed change to the rows, so a count shown is
never older than the rows it counts:

- SQLite: a one-row table that triggers on ``queue_row`` set to a fresh random number on
  every insert, delete and update of a column the lists filter or count by, and on every
  change to the synced metadata (migration 0006).
  The triggers run inside the writer's transaction, so a reader sees the new version exactly
  when it sees the new rows; SQLite has one writer at a time, so the extra write makes no
  one wait. A random number, not n + 1, so a version rolled back is never issued again.
- PostgreSQL: the current snapshot (``txid_current_snapshot()``): it changes whenever a
  transaction that writes anything starts or ends, and no write counter is touched (a counter
  row would make concurrent workers queue on its lock). Inside a transaction (a test, a
  ``transaction.atomic`` view) the reader's own uncommitted writes do not show in it, so
  counts are not remembered there.
- Other databases: not remembered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.core.signals import request_finished, request_started
from django.db import connections
from django.db.models import QuerySet

T = TypeVar("T")

# Distinct counts a process remembers (each page asks for a handful). A search's candidates
# are up to 1,000 ids (about 36 kB): at most some 18 MB per process, were all of them that.
MAX_ENTRIES = 500
VERSION_TABLE = "queue_rowsversion"
# The search index's triggers (migration 0008, queue.listing.text_candidates).
TEXT_TRIGGERS = ["queue_row_text_insert", "queue_row_text_delete", "queue_row_text_update"]
# The version is trusted only while every trigger is in place: the search's candidates are
# remembered too, and a stale index must not be.
TRIGGERS = ["queue_rowsversion_insert", "queue_rowsversion_delete", "queue_rowsversion_update",
            "queue_rowsversion_user", "queue_rowsversion_metadata_insert",
            "queue_rowsversion_metadata_update", "queue_rowsversion_metadata_delete",
            *TEXT_TRIGGERS]

_remembered: dict[tuple[str, Hashable], tuple[object, object]] = {}
_lock = threading.Lock()
# Within one request the version is read once: the page's counts are those of the rows at
# its start. SQLite: until the request's own connection writes (its total_changes moves).
# PostgreSQL, which offers no such counter: only in GET and HEAD requests, which write no
# rows (a POST that writes rows and then counts reads the snapshot each time).
_request = threading.local()


def _start(environ: dict[str, object] | None = None, **kwargs: object) -> None:
    _request.versions = {}
    _request.safe = (environ or {}).get("REQUEST_METHOD") in {"GET", "HEAD"}


def _finish(**kwargs: object) -> None:
    _request.versions = None


request_started.connect(_start, dispatch_uid="counts_cache_start")
request_finished.connect(_finish, dispatch_uid="counts_cache_finish")


def _sqlite_version(connection) -> object | None:
    with connection.cursor() as cursor:
        # Only while all the triggers are there: a later migration that makes SQLite
        # rebuild queue_row drops the table's triggers, and counts must then be counted.
        cursor.execute(f"SELECT n FROM {VERSION_TABLE} WHERE id = 1 AND (SELECT COUNT(*) "
                       "FROM sqlite_master WHERE type = 'trigger' AND name IN "
                       f"({', '.join(['%s'] * len(TRIGGERS))})) = {len(TRIGGERS)}",
                       TRIGGERS)
        found = cursor.fetchone()
    return found[0] if found else None


def rows_version(using: str = "default") -> object | None:
    """The rows' current version, or None when counts must not be remembered."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        versions = getattr(_request, "versions", None)
        if versions is None:
            return _sqlite_version(connection)
        connection.ensure_connection()
        # The same connection, and no write of its own since the version was read.
        now = (id(connection.connection), connection.connection.total_changes)
        found = versions.get(using)
        if found is not None and found[0] == now:
            return found[1]
        version = _sqlite_version(connection)
        versions[using] = (now, version)
        return version
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        versions = getattr(_request, "versions", None)
        if versions is not None and getattr(_request, "safe", False) and using in versions:
            return versions[using]
        with connection.cursor() as cursor:
            cursor.execute("SELECT txid_current_snapshot()::text")
            version = cursor.fetchone()[0]
        if versions is not None:
            versions[using] = version
        return version
    return None


def remembered(key: Hashable | None, compute: Callable[[], T], *, using: str = "default") -> T:
    """``compute()``, or what it returned before at the same rows version.

    ``key`` names the count exactly (its SQL and parameters): two counts with one key would
    share an answer. None: computed, not remembered.
    """
    version = rows_version(using) if key is not None else None
    if version is None:
        return compute()
    slot = (using, key)
    found = _remembered.get(slot)
    if found is not None and found[0] == version:
        return found[1]  # type: ignore[return-value]
    value = compute()
    with _lock:
        if len(_remembered) >= MAX_ENTRIES:
            _remembered.clear()  # a crude bound: a full cache is rebuilt in a few pages
        _remembered[slot] = (version, value)
    return value


def statement_of(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]] | None:
    """The SQL and parameters that name what ``queryset`` reads; None when it reads nothing
    (``none()``, an empty ``__in``), which needs no remembering."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, tuple(params)


def forget() -> None:
    """Drop everything remembered (tests that swap databases)."""
    with _lock:
        _remembered.clear()
