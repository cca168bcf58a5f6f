"""Re-checking queued rows after Bigin's metadata changed.

A row that passed yesterday's rules may not pass today's (a new mandatory field, a removed
picklist value, a shorter length). Such rows are held with the reason and are not submitted
until someone fixes them; rows that pass again are released.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from bigin_ui.metadata.models import MetadataChange
from bigin_ui.metadata.schema import get_schema
from bigin_ui.metadata.validation import validate_record
from bigin_ui.queue.entry import entry_exclusions, validation_context
from bigin_ui.queue.models import Row, RowEvent

CHECKED = [Row.Status.PENDING, Row.Status.FAILED]


def problems_for(row: Row, *, schema=None, ctx=None) -> dict[str, str]:
    schema = schema or get_schema(row.module)
    excluded = entry_exclusions(row.module)
    fields = tuple(f for f in schema.entry_fields if f.api_name not in excluded)
    payload = {k: v for k, v in row.payload.items() if k not in excluded}
    return validate_record(fields, payload, ctx or validation_context(), module=row.module,
                           team_pipelines=schema.team_pipelines)


def revalidate(*, modules: Iterable[str]) -> dict[str, int]:
    """Hold rows that no longer pass, release held rows that pass again; counts per module."""
    invalidated: dict[str, int] = {}
    ctx = validation_context()
    for module in modules:
        try:
            schema = get_schema(module)
        except LookupError:
            continue
        count = 0
        rows = Row.objects.filter(module=module, status__in=CHECKED).exclude(
            hold__in=[Row.Hold.DUPLICATE, Row.Hold.WAITING, Row.Hold.EXISTS]
        )
        for row in rows.iterator(chunk_size=500):
            ctx.record = row.payload
            problems = problems_for(row, schema=schema, ctx=ctx)
            with transaction.atomic():
                if problems and row.hold != Row.Hold.INVALID:
                    reason = "No longer valid after a metadata change: " + "; ".join(
                        f"{name}: {message}" for name, message in sorted(problems.items())
                    )
                    Row.objects.filter(pk=row.pk).update(hold=Row.Hold.INVALID,
                                                         hold_reason=reason[:2000])
                    RowEvent.objects.create(row=row, kind="held", message=reason[:2000])
                    count += 1
                elif not problems and row.hold == Row.Hold.INVALID:
                    Row.objects.filter(pk=row.pk).update(hold="", hold_reason="")
                    RowEvent.objects.create(row=row, kind="released",
                                            message="Valid again after a metadata change.")
        invalidated[module] = count
        latest = MetadataChange.objects.filter(module=module).order_by("-synced_at").first()
        if latest is not None and count:
            MetadataChange.objects.filter(pk=latest.pk).update(invalidated_rows=count)
    return invalidated
