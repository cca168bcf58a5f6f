"""The admins' review: rows that need attention, grouped by cause, and bulk fixes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from bigin_ui.metadata.forms import RecordForm
from bigin_ui.metadata.schema import MODULES, get_schema, metadata_version, schema_at
from bigin_ui.queue.counts_cache import remembered, statement_of
from bigin_ui.queue.entry import entry_exclusions, form_context, validation_context
from bigin_ui.queue.listing import by_owner_and_dates, searched
from bigin_ui.queue.models import Row, RowEvent
from bigin_ui.queue.permissions import ALLOW, LINK, may, refusal
from bigin_ui.queue.revalidate import problems_for
from bigin_ui.queue.rows import RowError, discard_rows, edit_row, retry_rows
from bigin_ui.queue.runs import start_run

# Failed, unknown and needs-review rows, and pending rows on hold. Spelled as one IN on status
# (narrowed afterwards) rather than an OR, so the database can search the status index for
# the few rows concerned instead of scanning a table of mostly created rows.
# Reconciling rows too: were their worker to die, an admin must see them (issue 10).
ATTENTION_STATUSES = [Row.Status.FAILED, Row.Status.UNKNOWN, Row.Status.NEEDS_REVIEW,
                      Row.Status.RECONCILING, Row.Status.PENDING]
ATTENTION = Q(status__in=ATTENTION_STATUSES) & ~Q(status=Row.Status.PENDING, hold="")


BIGIN_ID = re.compile(r"[0-9]{1,25}")


@dataclass
class ReviewFilters:
    module: str = ""
    error_code: str = ""
    field: str = ""
    owner: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    text: str = ""
    cause: str = ""  # a group key from cause_groups()

    def apply(self, rows: QuerySet[Row]) -> QuerySet[Row]:
        if self.module:
            rows = rows.filter(module=self.module)
        if self.error_code:
            rows = rows.filter(error_code=self.error_code)
        if self.field:
            rows = rows.filter(error_field=self.field)
        rows = by_owner_and_dates(rows, owner=self.owner, date_from=self.date_from,
                                  date_to=self.date_to)
        if self.cause:
            rows = rows.filter(**cause_filter(self.cause))
        if self.text:
            rows = searched(rows, self.text)  # last: it wraps the rows filtered so far
        return rows


def attention_rows() -> QuerySet[Row]:
    return Row.objects.filter(ATTENTION)


def cause_key(item: dict[str, Any]) -> str:
    return "|".join([item["status"], item["hold"], item["error_code"], item["error_field"],
                     item["module"]])


def cause_filter(key: str) -> dict[str, str]:
    parts = key.split("|")
    if len(parts) != 5:
        return {"pk": "-1"}
    status, hold, code, field_name, module = parts
    return {"status": status, "hold": hold, "error_code": code, "error_field": field_name,
            "module": module}


def cause_label(item: dict[str, Any], field_label: str = "") -> str:
    if item["hold"]:
        return dict(Row.Hold.choices).get(item["hold"], item["hold"])
    if item["error_code"]:
        name = field_label or item["error_field"]
        on = f" on {name}" if name else ""
        return f"{item['error_code']}{on}"
    return dict(Row.Status.choices).get(item["status"], item["status"])


def cause_groups(rows: QuerySet[Row]) -> list[dict[str, Any]]:
    """'14 rows: INVALID_DATA on Stage' style groups, biggest first.

    Bigin's errors name a field by its API name; a group names it by its label in Bigin
    ("Company Name"), keeping the API name as ``field_api`` when the two differ. The labels
    come from the process's copy of the metadata, checked against the fingerprints this same
    statement reads (a subquery on the metadata table per module): no statement of their own.
    The groups are remembered until the rows or the metadata change (queue.counts_cache).
    """
    # One uncorrelated subquery per module, read once per statement. A subquery correlated
    # with each group's module was grouped by as well: SQLite then sorted every row needing
    # attention into a temporary B-tree and ran the subquery once per row (26 ms instead of
    # 4 ms at 16,000 such rows).
    fingerprints = {f"fingerprint_{n}": metadata_version(module)
                    for n, module in enumerate(MODULES)}
    grouped = (rows.values("status", "hold", "error_code", "error_field", "module")
               .annotate(n=Count("pk"), **fingerprints).order_by("-n")[:50])
    statement = statement_of(grouped)
    found = remembered(statement and ("cause_groups", statement), lambda: [
        _with_fingerprint(item) for item in grouped], using=rows.db)
    groups = []
    for item in found:
        label = ""
        if item["error_field"]:
            schema = schema_at(item["module"], item["metadata_version"])
            meta = schema.get(item["error_field"]) if schema is not None else None
            label = meta.label if meta is not None and meta.label else ""
        groups.append({**item, "key": cause_key(item), "label": cause_label(item, label),
                       "field_label": label or item["error_field"],
                       "field_api": item["error_field"] if label and label != item[
                           "error_field"] else ""})
    return groups


def _with_fingerprint(item: dict[str, Any]) -> dict[str, Any]:
    """The group with its own module's fingerprint as ``metadata_version``."""
    found = {k: v for k, v in item.items() if not k.startswith("fingerprint_")}
    module = MODULES.index(item["module"]) if item["module"] in MODULES else None
    found["metadata_version"] = item[f"fingerprint_{module}"] if module is not None else None
    return found


def field_labels(groups: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(module, API name) → label, for the listed rows whose problem names a group's field."""
    return {(g["module"], g["error_field"]): g["field_label"] for g in groups
            if g["error_field"]}


@dataclass
class BulkResult:
    changed: int = 0
    skipped: dict[int, str] = field(default_factory=dict)
    run_id: int | None = None
    field_label: str = ""  # the field set, by its label in Bigin


def bulk_retry(*, rows: list[Row], actor: AbstractBaseUser) -> BulkResult:
    result = BulkResult(changed=retry_rows(rows=rows, actor=actor))
    ids = [r.pk for r in rows]
    run = start_run(user=actor, origin="review", row_ids=ids)
    result.run_id = run.pk
    return result


def bulk_discard(*, rows: list[Row], actor: AbstractBaseUser, reason: str) -> BulkResult:
    if not reason.strip():
        raise RowError("Say why these rows are discarded.")
    return BulkResult(changed=discard_rows(rows=rows, actor=actor, reason=reason.strip()))


def parse_field_value(*, module: str, api_name: str, raw: str, actor: AbstractBaseUser) -> Any:
    """A typed value converted as the entry form would, or RowError with the form's message."""
    try:
        schema = get_schema(module)
    except LookupError as exc:
        raise RowError(f"{module} has no field metadata yet; sync it on the connection page "
                       "first.") from exc
    meta = schema.get(api_name)
    if meta is None or not meta.enterable or api_name in entry_exclusions(module):
        raise RowError(f"{module} has no field {api_name!r} that can be set here.")
    others = frozenset(f.api_name for f in schema.entry_fields if f.api_name != api_name)
    form = RecordForm({api_name: raw}, schema=schema, ctx=form_context(actor),
                      validation=validation_context(actor), exclude=others)
    if not form.is_valid():
        messages = [str(m) for errors in form.errors.values() for m in errors]
        raise RowError(f"{meta.label}: {' '.join(messages)}")
    return form.payload.get(api_name)


def bulk_set_field(
    *, rows: list[Row], api_name: str, raw: str, actor: AbstractBaseUser
) -> BulkResult:
    """Set one field on every selected row (all of one module), then resubmit them."""
    modules = {r.module for r in rows}
    if len(modules) != 1:
        raise RowError("Pick rows of one module to set a field on them.")
    module = modules.pop()
    value = parse_field_value(module=module, api_name=api_name, raw=raw, actor=actor)
    meta = get_schema(module).get(api_name)
    result = BulkResult(field_label=meta.label if meta is not None else api_name)
    ctx = validation_context(actor)
    fixed: list[int] = []
    for row in rows:
        payload = dict(row.payload)
        if value is None:
            payload.pop(api_name, None)
        else:
            payload[api_name] = value
        ctx.record = payload
        candidate = Row(pk=row.pk, module=row.module, payload=payload)
        problems = problems_for(candidate, ctx=ctx)
        if problems:
            result.skipped[row.pk] = "; ".join(f"{k}: {v}" for k, v in problems.items())
            continue
        try:
            edit_row(row=row, payload=payload, actor=actor)
        except RowError as exc:
            result.skipped[row.pk] = str(exc)
            continue
        fixed.append(row.pk)
    result.changed = len(fixed)
    if fixed:
        result.run_id = start_run(user=actor, origin="review", row_ids=fixed).pk
    return result


@transaction.atomic
def link_to_existing(*, row: Row, bigin_id: str, actor: AbstractBaseUser) -> Row:
    """A duplicate row stands for a record Bigin already has: mark it done with that ID."""
    row = Row.objects.select_for_update().get(pk=row.pk)
    if not may(action=LINK, row=row, user=actor):
        raise RowError(refusal(action=LINK, row=row, user=actor))
    if not BIGIN_ID.fullmatch(bigin_id):  # Bigin's IDs are 19 digits; the column holds 40
        raise RowError("A Bigin record ID is a number.")
    row.status = Row.Status.CREATED
    row.bigin_id = bigin_id
    row.linked_existing = True
    row.hold = Row.Hold.NONE
    row.hold_reason = ""
    # Done, as after a successful insert: Bigin's old complaint stays in the history only, so
    # "My rows" does not show a created row with a DUPLICATE_DATA error.
    row.error_code = row.error_message = row.error_field = row.last_problem = ""
    row.error_details = {}
    row.updated_at = timezone.now()
    row.save()
    RowEvent.objects.create(row=row, actor=actor, kind="linked",
                            message=f"Linked to the existing Bigin record {bigin_id}")
    return row


@transaction.atomic
def allow_duplicate(*, row: Row, actor: AbstractBaseUser) -> Row:
    row = Row.objects.select_for_update().get(pk=row.pk)
    if not may(action=ALLOW, row=row, user=actor):
        raise RowError(refusal(action=ALLOW, row=row, user=actor))
    row.hold = Row.Hold.NONE
    row.hold_reason = ""
    row.duplicate_ok = True
    row.save()
    RowEvent.objects.create(row=row, actor=actor, kind="released",
                            message="Duplicate check overridden: send it anyway")
    return row
