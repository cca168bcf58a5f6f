"""Row lists at any size: filters, text search, newest-first keyset pages and bounded counts.

``OFFSET n`` makes the database walk past n rows and ``COUNT(*)`` walks all of them, so at
100,000 rows they cost more than the rest of a page. Here a page starts right after the last
row of the page before (its ``created_at`` and id, both in an index), the last page is the
first one read backwards, and counts stop at ``COUNT_CAP``: every page costs about the same.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from bigin_ui.queue.counts_cache import TEXT_TRIGGERS, remembered, statement_of
from bigin_ui.queue.models import Row

PAGE_SIZE = 50
# Counts above this read "10000+": counting the rest would cost a scan of the rest.
COUNT_CAP = 10_000
HELD = "held"  # a status filter value: pending rows on hold
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class BoundedCount(int):
    """A row count that may have stopped at the cap; it prints as "10000+" when it did.

    An int, so sums and comparisons keep working where the exact figure was used before.
    """

    capped: bool = False

    def __str__(self) -> str:
        return f"{int(self)}+" if self.capped else str(int(self))


def bounded_count(rows: QuerySet[Row], *, cap: int = COUNT_CAP) -> BoundedCount:
    # COUNT over a LIMITed subquery: the database stops reading at cap + 1 rows.
    inner = rows.order_by().values("pk")[: cap + 1]
    statement = statement_of(inner)
    n = remembered(statement and ("bounded", statement), inner.count, using=rows.db)
    result = BoundedCount(min(n, cap))
    result.capped = n > cap
    return result


def status_counts(rows: QuerySet[Row], *, statuses: list[str] | None = None,
                  cap: int = COUNT_CAP) -> dict[str, BoundedCount]:
    """Rows per status, each count bounded, only statuses that have rows."""
    return counts_by(rows, field="status", values=list(statuses or Row.Status.values),
                     cap=cap)


def counts_by(rows: QuerySet[Row], *, field: str, values: list[str],
              cap: int = COUNT_CAP) -> dict[str, BoundedCount]:
    """Rows per value of ``field``, each count bounded, only values that have rows.

    One statement of short indexed counts, one per value, instead of a GROUP BY: that reads
    every row in scope, and SQLite (without statistics) may pick an index that merely
    matches the grouping and walk it whole.
    """
    # The rows in scope, compiled once, name the counts; the statement is built on a miss.
    scope = statement_of(rows.order_by().values("pk"))

    def count() -> tuple[int, ...]:
        parts, params = [], []
        for n, value in enumerate(values):
            inner = rows.filter(**{field: value}).order_by().values("pk")[: cap + 1]
            sql, sql_params = inner.query.sql_with_params()
            parts.append(f"(SELECT COUNT(*) FROM ({sql}) bounded_{n})")
            params.extend(sql_params)
        with connections[rows.db].cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(parts)}", params)
            return tuple(cursor.fetchone())

    if scope is None:
        return {}  # nothing in scope
    found = remembered(("counts_by", field, tuple(values), cap, scope), count, using=rows.db)
    counts = {}
    for value, n in zip(values, found, strict=True):
        if n:
            count = BoundedCount(min(n, cap))
            count.capped = n > cap
            counts[value] = count
    return counts


def json_spellings(text: str) -> set[str]:
    """How ``text`` appears inside the stored JSON of a payload.

    Payloads are searched as JSON text, where quotes and backslashes are escaped, and where
    SQLite keeps non-ASCII letters as \\u escapes ("M\\u00fcller") while PostgreSQL keeps
    them as they are.
    """
    return {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}


# A search whose text the trigram index finds in at most this many rows reads those rows by
# id; more, and the text is common enough for the rows' own order to reach a page of matches
# soon (as every search did before the index).
SEARCH_CANDIDATES = 1000
TEXT_TABLE = "queue_row_text"


def _fts_string(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def text_candidates(text: str, *, using: str = "default") -> list[int] | None:
    """Ids of the rows that may match ``text_query(text)`` (a superset), from the indexes;
    None when they cannot tell: neither SQLite nor PostgreSQL, a term shorter than the
    index's three characters, SQLite's index triggers gone (a later migration that makes
    SQLite rebuild queue_row drops them), or more than SEARCH_CANDIDATES rows.

    SQLite's trigram index finds every row whose searched columns contain each term, whatever
    its case (a superset of LIKE's matches: LIKE folds ASCII letters only). PostgreSQL's
    (migration 0011) holds each row's searched columns upper-cased, joined into one text, and
    is asked as Django's ``icontains`` asks each column (``UPPER(…) LIKE UPPER('%…%')``), so
    a row matching any column matches there too. Either way the query the ids go into still
    says what matches exactly.
    """
    connection = connections[using]
    text = text.strip()
    terms = {text, text.casefold(), *json_spellings(text)}
    if min(len(t) for t in terms) < 3:
        return None
    if connection.vendor == "sqlite":
        statement, params = _sqlite_candidates(terms, text)
    elif connection.vendor == "postgresql":
        statement, params = _postgresql_candidates(terms, text, connection)
    else:
        return None

    def find() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return [pk for (pk,) in cursor.fetchall()]

    # Remembered like the counts: the rows version moves with every searched column.
    ids = remembered(("text_candidates", statement, params), find, using=using)
    if -1 in ids or len(ids) > SEARCH_CANDIDATES:
        return None
    return ids


def _sqlite_candidates(terms: set[str], text: str) -> tuple[str, tuple[str, ...]]:
    missing = (f"SELECT -1 WHERE (SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
               f"AND name IN ({', '.join(['%s'] * len(TEXT_TRIGGERS))})) < "
               f"{len(TEXT_TRIGGERS)}")
    statement = (
        f"SELECT rowid FROM (SELECT rowid FROM {TEXT_TABLE} WHERE {TEXT_TABLE} MATCH %s "
        f"LIMIT {SEARCH_CANDIDATES + 1}) UNION SELECT id FROM queue_row WHERE bigin_id = %s "
        f"UNION ALL {missing}")
    return statement, (" OR ".join(sorted(_fts_string(t) for t in terms)), text,
                       *TEXT_TRIGGERS)


def _postgresql_candidates(terms: set[str], text: str,
                           connection) -> tuple[str, tuple[str, ...]]:
    # The patterns as icontains writes them: LIKE's wildcards in the text escaped.
    patterns = sorted(f"%{connection.ops.prep_for_like_query(t)}%" for t in terms)
    where = " OR ".join(["body LIKE UPPER(%s)"] * len(patterns))
    statement = (
        f"SELECT id FROM (SELECT id FROM {TEXT_TABLE} WHERE {where} "
        f"LIMIT {SEARCH_CANDIDATES + 1}) found UNION SELECT id FROM queue_row "
        "WHERE bigin_id = %s")
    return statement, (*patterns, text)


def text_query(text: str) -> Q:
    """Rows whose entered values, Bigin ID or problem mention ``text`` (case-insensitive)."""
    text = text.strip()
    query = Q(bigin_id=text) | Q(error_message__icontains=text) | Q(
        hold_reason__icontains=text) | Q(unique_key__icontains=text.casefold())
    for spelling in json_spellings(text):
        query |= Q(payload__icontains=spelling)
    return query


def searched(rows: QuerySet[Row], text: str) -> QuerySet[Row]:
    """``rows`` that match ``text_query(text)``, found through the indexes when they can tell.

    Without them the rows in scope are read in order and matched one by one: a text found in
    three rows out of 100,000 reads all 100,000. With them, the candidates are read by id and
    each is checked, by id, against everything ``rows`` asks plus the same text query: the
    same rows as before. The outer statement has no other condition on purpose: given an
    owner or a status to match, SQLite (without statistics) walks that index instead,
    expecting few rows.
    """
    candidates = text_candidates(text, using=rows.db)
    if candidates is None:
        return rows.filter(text_query(text))
    checked = rows.filter(text_query(text), pk=OuterRef("pk"))
    return rows.model.objects.filter(pk__in=candidates).filter(Exists(checked))


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the current time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def by_owner_and_dates(rows: QuerySet[Row], *, owner: str, date_from: dt.date | None,
                       date_to: dt.date | None) -> QuerySet[Row]:
    """The owner (username) and entry-date filters every row list offers; empty ones filter
    nothing."""
    if owner:
        rows = rows.filter(owner__username=owner)
    # Bounds on created_at itself (not created_at__date, a function of the column) so the
    # database reads a range of the index on it.
    if date_from:
        rows = rows.filter(created_at__gte=day_start(date_from))
    if date_to and date_to < dt.date.max:
        rows = rows.filter(created_at__lt=day_start(date_to + dt.timedelta(days=1)))
    return rows


@dataclass
class RowFilters:
    """What the row lists filter by; empty values filter nothing."""

    status: str = ""  # a Row.Status value or HELD
    module: str = ""
    owner: str = ""  # username
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    text: str = ""

    def apply(self, rows: QuerySet[Row]) -> QuerySet[Row]:
        if self.status == HELD:
            rows = rows.filter(status=Row.Status.PENDING).exclude(hold="")
        elif self.status:
            rows = rows.filter(status=self.status)
        if self.module:
            rows = rows.filter(module=self.module)
        rows = by_owner_and_dates(rows, owner=self.owner, date_from=self.date_from,
                                  date_to=self.date_to)
        # PostgreSQL refuses a NUL in any string it is sent, and no stored text holds one
        # (the forms refuse them): without them the search finds the same rows.
        text = self.text.replace("\x00", "")
        if text.strip():
            rows = searched(rows, text)  # last: it wraps the rows filtered so far
        return rows


# --- keyset pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """A place in the newest-first order: a row's created_at and id."""

    created_at: dt.datetime
    pk: int

    def encode(self) -> str:
        micros = (self.created_at - _EPOCH) // dt.timedelta(microseconds=1)
        return f"{micros}_{self.pk}"

    @classmethod
    def of(cls, row: Row) -> Cursor:
        return cls(row.created_at, row.pk)

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        micros, _, pk = text.partition("_")
        try:
            # Whole microseconds, so the cursor is exactly the stored value (no float rounding).
            at = _EPOCH + dt.timedelta(microseconds=int(micros))
            return cls(at, int(pk))
        except (ValueError, OverflowError):
            return None


@dataclass
class KeysetPage:
    object_list: list[Row] = field(default_factory=list)
    is_first: bool = True  # no newer rows
    is_last: bool = True  # no older rows

    @property
    def newer(self) -> str:
        return "" if self.is_first or not self.object_list else Cursor.of(
            self.object_list[0]).encode()

    @property
    def older(self) -> str:
        return "" if self.is_last or not self.object_list else Cursor.of(
            self.object_list[-1]).encode()

    @property
    def has_other_pages(self) -> bool:
        return not (self.is_first and self.is_last)


NEWEST_FIRST = ("-created_at", "-pk")
# What a list page reads of each row it shows (prepare_rows, attach_problems, the pager):
# not the claim, lease, UUID or error details, whose conversion alone cost a page 0.1-0.3 ms.
# A field left out and then read would cost a statement per row
# (tests/web/test_list_speed.py counts them).
LISTED_FIELDS = ("module", "owner", "status", "payload", "unique_key", "hold", "hold_reason",
                 "bigin_id", "error_code", "error_message", "error_field", "last_problem",
                 "created_at")
OLDEST_FIRST = ("created_at", "pk")


class ListedRow:
    """A listed row as plain attributes: ``pk`` and LISTED_FIELDS (``owner`` as
    ``owner_id``) and whatever the page's query annotated, read from ``values()``.

    Building the model instances (Row.from_db, with its deferred fields) cost Review's 51
    rows 0.4 ms, a sixth of reading its page; attach_problems, web.row_display and the
    pager's cursors read these attributes as they read a Row's.
    """

    pk: int

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        self.owner_id = self.__dict__.pop("owner")


def listed_rows(rows: QuerySet[Row], *annotations: str) -> QuerySet[Any]:
    """``rows`` read as values: what LISTED_FIELDS reads, plus the named annotations; turn the
    page's values into rows with ListedRow."""
    return rows.values("pk", *LISTED_FIELDS, *annotations)


def keyset_page(rows: QuerySet[Row], *, after: str = "", before: str = "", last: bool = False,
                size: int = PAGE_SIZE) -> KeysetPage:
    """One page of ``rows``, newest first.

    ``after``: the rows just older than that cursor (the next page); ``before``: the rows just
    newer (the previous page); ``last``: the oldest rows. Reads at most ``size + 1`` rows along
    an index whatever the page, the extra one telling whether there is a page beyond.
    """
    older_than = Cursor.decode(after) if after else None
    newer_than = Cursor.decode(before) if before else None
    if older_than is not None:
        # created_at <= t bounds the index range; the OR only trims rows sharing that instant.
        found = list(rows.filter(created_at__lte=older_than.created_at).filter(
            Q(created_at__lt=older_than.created_at) | Q(pk__lt=older_than.pk)
        ).order_by(*NEWEST_FIRST)[: size + 1])
        return KeysetPage(found[:size], is_first=False, is_last=len(found) <= size)
    if newer_than is not None or last:
        if newer_than is not None:
            rows = rows.filter(created_at__gte=newer_than.created_at).filter(
                Q(created_at__gt=newer_than.created_at) | Q(pk__gt=newer_than.pk))
        found = list(rows.order_by(*OLDEST_FIRST)[: size + 1])
        page = found[:size]
        page.reverse()
        return KeysetPage(page, is_first=len(found) <= size, is_last=newer_than is None)
    found = list(rows.order_by(*NEWEST_FIRST)[: size + 1])
    return KeysetPage(found[:size], is_first=True, is_last=len(found) <= size)
