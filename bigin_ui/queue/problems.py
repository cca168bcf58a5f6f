"""What stands in a row's way, in words, as things are now.

Holds are stored with a reason written when the hold was placed ("Waiting for Companies row 4
(failed …)"). The row they name can move on afterwards (it is fixed, linked or created), so the
lists recompute the reason from the rows' current state instead of showing the stored text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import OuterRef, QuerySet

from bigin_ui.metadata.schema import (
    MODULE_LABELS,
    MetadataMissing,
    UnknownModule,
    get_schema,
    metadata_version,
    schema_at,
)
from bigin_ui.queue.models import Row

# Rows that can still become the record a duplicate repeats (as in runs.flag_duplicates):
# all but these. Spelled as an exclusion so the database looks the pairs up in the
# (module, unique_key) index; an IN over six statuses lured SQLite onto the status index,
# a walk over nearly every row (0.8 s at 200,000 rows).
_NOT_LIVE = [Row.Status.FAILED, Row.Status.DISCARDED]


def _label(module: str) -> str:
    return MODULE_LABELS.get(module, module)


def _field_label(module: str, api_name: str, schemas: dict | None = None) -> str:
    """The field's label in Bigin ("Company Name"), or its API name without metadata."""
    schemas = {} if schemas is None else schemas
    if module not in schemas:
        try:
            schemas[module] = get_schema(module)
        except (MetadataMissing, UnknownModule):
            schemas[module] = None
    meta = schemas[module].get(api_name) if schemas[module] is not None else None
    return meta.label if meta is not None else api_name


def _state(row: Row | _Other) -> str:
    text = row.get_status_display().lower()
    return f"{text}: {row.error_code}" if row.error_code else text


def _waiting_texts(rows: list[Row]) -> dict[int, str]:
    links = Row.depends_on.through.objects.filter(from_row_id__in=[r.pk for r in rows])
    parents_of: dict[int, list[int]] = {}
    for child, parent in links.values_list("from_row_id", "to_row_id"):
        parents_of.setdefault(child, []).append(parent)
    parents = Row.objects.only("pk", "module", "status", "error_code").in_bulk(
        {p for ps in parents_of.values() for p in ps})
    texts = {}
    for row in rows:
        mine = sorted((parents[p] for p in parents_of.get(row.pk, []) if p in parents),
                      key=lambda p: p.pk)
        blocking = [p for p in mine if p.status != Row.Status.CREATED]
        if blocking:
            p = blocking[0]
            texts[row.pk] = (f"Waiting for {_label(p.module)} row {p.pk} ({_state(p)}); it is "
                             "sent once that row is in Bigin.")
        elif mine:
            names = ", ".join(f"{_label(p.module)} row {p.pk}" for p in mine)
            texts[row.pk] = (f"{names} {'is' if len(mine) == 1 else 'are'} in Bigin now; this "
                             "row goes with the next submit.")
    return texts


class _Other(NamedTuple):
    """A row a held row may repeat, read as plain values (no model instance to build)."""

    pk: int
    module: str
    unique_key: str
    status: str
    error_code: str
    bigin_id: str
    owner_name: str

    def get_status_display(self) -> str:
        return _STATUS_LABELS.get(self.status, self.status)


_STATUS_LABELS = {value: str(label) for value, label in Row.Status.choices}


def _live_rows_with_keys(*, modules: set[str], keys: set[str]) -> list[tuple]:
    """The live rows (not failed or discarded) with one of these modules and one of these
    unique keys, as _Other's values, oldest first.

    Two INs, one per column of the (module, unique_key) index, and the caller picks out the
    pairs: a page's 10-50 held rows as one OR of pairs cost the ORM a millisecond to build
    and compile, three times the statement itself. The index still finds each pair
    (tests/web/test_list_speed.py checks the plan). Written here as the ORM wrote it
    (filter(module__in, unique_key__in).exclude(status__in).values_list(...,
    "owner__username").order_by("pk")): building that cost a list page 0.4 ms, four times
    the statement (the same trade as queue.credits.used_last_24h).
    """
    user = get_user_model()
    row, owner = Row._meta, user._meta
    connection = connections[router.db_for_read(Row)]
    quote = connection.ops.quote_name
    rows, users = quote(row.db_table), quote(owner.db_table)

    def column(name: str) -> str:
        return f"{rows}.{quote(row.get_field(name).column)}"

    def marks(values: list) -> str:
        return ", ".join(["%s"] * len(values))

    modules, keys, dead = sorted(modules), sorted(keys), [str(s) for s in _NOT_LIVE]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column('id')}, {column('module')}, {column('unique_key')}, "
            f"{column('status')}, {column('error_code')}, {column('bigin_id')}, "
            f"{users}.{quote(owner.get_field(user.USERNAME_FIELD).column)} "
            f"FROM {rows} INNER JOIN {users} "
            f"ON {column('owner')} = {users}.{quote(owner.pk.column)} "
            f"WHERE {column('module')} IN ({marks(modules)}) "
            f"AND {column('unique_key')} IN ({marks(keys)}) "
            f"AND NOT ({column('status')} IN ({marks(dead)})) "
            f"ORDER BY {column('id')}",
            [*modules, *keys, *dead])
        return cursor.fetchall()


def _duplicate_texts(rows: list[Row], schemas: dict | None) -> dict[int, str]:
    others: dict[tuple[str, str], list[_Other]] = {}
    for values in _live_rows_with_keys(modules={r.module for r in rows},
                                       keys={r.unique_key for r in rows}):
        other = _Other(*values)
        others.setdefault((other.module, other.unique_key), []).append(other)
    texts = {}
    for row in rows:
        same = [o for o in others.get((row.module, row.unique_key), []) if o.pk != row.pk]
        field = row.unique_key.partition(":")[0]
        if schemas is not None:
            field = _field_label(row.module, field, schemas)
        if not same:
            texts[row.pk] = (f"Held because another row had the same {field}; that row is "
                             "no longer queued, so this one can be sent: choose “Not a "
                             "duplicate: send it anyway” on the row.")
            continue
        o = same[0]
        texts[row.pk] = (
            f"Possible duplicate: same {field} as {_label(o.module)} row {o.pk} ({_state(o)}, "
            f"entered by {o.owner_name})"
            + (f", Bigin ID {o.bigin_id}" if o.bigin_id else "") + "."
        )
    return texts


def attach_problems(rows: Sequence[Row], *, field_labels: bool = False) -> Sequence[Row]:
    """Set ``row.problem`` on each row: the current reason it is held or was put back, or ""
    (Bigin's own error on a failed row is shown from its fields).

    With ``field_labels`` (one row's page), fields are named by their labels in Bigin, which
    costs a metadata read per module; lists name Bigin's error field by its label when their
    rows were read with_metadata_version, else by the API name Bigin's error uses.
    """
    schemas: dict | None = {} if field_labels else None
    waiting = [r for r in rows if r.hold == Row.Hold.WAITING]
    duplicates = [r for r in rows if r.hold == Row.Hold.DUPLICATE and r.unique_key]
    texts = {}
    if waiting:
        texts.update(_waiting_texts(waiting))
    if duplicates:
        texts.update(_duplicate_texts(duplicates, schemas))
    for row in rows:
        row.problem = texts.get(row.pk) or row.hold_reason or row.last_problem
        row.error_field_label = row.error_field
        if row.error_field and schemas is not None:
            row.error_field_label = _field_label(row.module, row.error_field, schemas)
        elif row.error_field and getattr(row, "metadata_version", None):
            # A list read its rows with their module's metadata fingerprint (see
            # with_metadata_version): the label costs no statement while it is current.
            schema = schema_at(row.module, row.metadata_version)
            meta = schema.get(row.error_field) if schema is not None else None
            if meta is not None and meta.label:
                row.error_field_label = meta.label
    return rows


def with_metadata_version(rows: QuerySet[Row]) -> QuerySet[Row]:
    """Rows read with their module's metadata fingerprint, so that attach_problems names
    Bigin's error fields by their labels at no statement of its own."""
    return rows.annotate(metadata_version=metadata_version(OuterRef("module")))
