"""Entering, editing, discarding and holding rows. Nothing here touches the network."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet

from bigin_ui.metadata.schema import ModuleSchema, get_schema
from bigin_ui.queue.models import Row, RowEvent
from bigin_ui.queue.permissions import DISCARD, EDIT, RETRY, may, refusal
from bigin_ui.queue.references import iter_row_refs


def may_change(row: Row, actor: AbstractBaseUser) -> bool:
    """Whether ``actor`` may edit ``row`` in its current state (see queue/permissions.py)."""
    return may(action=EDIT, row=row, user=actor)


class RowError(ValueError):
    """A request that cannot be applied to a row in its current state."""


def unique_key_for(module: str, payload: dict[str, Any], *,
                   schema: ModuleSchema | None = None) -> str:
    """The folded value of the module's unique field(s), as Bigin compares them.

    ``schema``: the module's schema when the caller has it (an import passes it for each of
    its lines instead of reading the metadata again)."""
    try:
        schema = schema or get_schema(module)
    except LookupError:
        return ""
    for meta in schema.unique_fields:
        value = payload.get(meta.api_name)
        if isinstance(value, str) and value.strip() and meta.enterable:
            return f"{meta.api_name}:{value.strip().casefold()}"[:300]
    return ""


def check_refs_visible(*, payload: dict[str, Any], user: AbstractBaseUser) -> None:
    """Refuse ``row:N`` references to rows ``user`` may not see, worded as for missing rows.

    The form checks the same; this holds for every other way in (imports, bulk edits,
    scripts), so no row can be made to wait for, or leak, another person's row.
    """
    refs = set(iter_row_refs(payload))
    if refs and rows_visible_to(user).filter(pk__in=refs).count() != len(refs):
        raise RowError("The queued row this refers to no longer exists.")


def _set_dependencies(row: Row) -> None:
    refs = set(iter_row_refs(row.payload)) - {row.pk}
    row.depends_on.set(Row.objects.filter(pk__in=refs))


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    keys = set(before) | set(after)
    return {
        k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)
    }


@transaction.atomic
def create_row(
    *, module: str, payload: dict[str, Any], owner: AbstractBaseUser, source: str = "form"
) -> Row:
    check_refs_visible(payload=payload, user=owner)
    row = Row.objects.create(
        module=module,
        owner=owner,
        payload=payload,
        unique_key=unique_key_for(module, payload),
    )
    _set_dependencies(row)
    RowEvent.objects.create(row=row, actor=owner, kind="entered", message=f"Entered ({source})")
    return row


@transaction.atomic
def edit_row(*, row: Row, payload: dict[str, Any], actor: AbstractBaseUser) -> Row:
    """Replace the row's values; a failed or held row goes back to pending."""
    row = Row.objects.select_for_update().get(pk=row.pk)
    if not may(action=EDIT, row=row, user=actor):
        raise RowError(refusal(action=EDIT, row=row, user=actor))
    check_refs_visible(payload=payload, user=actor)
    changes = _changes(row.payload, payload)
    previous = row.status
    row.payload = payload
    row.unique_key = unique_key_for(row.module, payload)
    row.status = Row.Status.PENDING
    row.hold = Row.Hold.NONE
    row.hold_reason = ""
    row.last_problem = ""
    row.save()
    _set_dependencies(row)
    RowEvent.objects.create(
        row=row, actor=actor, kind="edited", changes=changes,
        # The history is read by people: state names as the pages show them.
        message=(f"Edited ({Row.Status(previous).label} → {row.get_status_display()})"
                 if previous != row.status else "Edited"),
    )
    return row


@transaction.atomic
def discard_rows(*, rows: Iterable[Row], actor: AbstractBaseUser, reason: str) -> int:
    count = 0
    for row in Row.objects.select_for_update().filter(pk__in=[r.pk for r in rows]):
        if not may(action=DISCARD, row=row, user=actor):
            continue
        row.status = Row.Status.DISCARDED
        row.hold = Row.Hold.NONE
        row.save(update_fields=["status", "hold", "updated_at"])
        RowEvent.objects.create(row=row, actor=actor, kind="discarded", message=reason)
        count += 1
    return count


@transaction.atomic
def retry_rows(*, rows: Iterable[Row], actor: AbstractBaseUser) -> int:
    """Failed rows (and released holds) go back to pending, unchanged; rows that need review
    and have an entry key go to reconciliation, which upserts them on it.

    Skipped: rows that need review unless an admin asks, and rows held because a metadata
    change made them invalid, unless they pass the current metadata again (fix them first).
    """
    from bigin_ui.queue.context import entry_key_field
    from bigin_ui.queue.revalidate import problems_for

    count = 0
    for row in Row.objects.select_for_update().filter(pk__in=[r.pk for r in rows]):
        if not may(action=RETRY, row=row, user=actor):
            continue
        if row.hold == Row.Hold.INVALID and problems_for(row):
            continue
        key = entry_key_field(row.module) if row.status == Row.Status.NEEDS_REVIEW else None
        if key:
            # The lost call may have created the record: a plain insert would be refused as
            # DUPLICATE_DATA on the row's own entry key. Reconciliation upserts on that key
            # instead, which updates the record if it exists and creates it if not. An admin
            # asked, so the count of lost answers that led here starts again.
            row.status = Row.Status.UNKNOWN
            row.send_count = 0
            row.save(update_fields=["status", "send_count", "updated_at"])
            RowEvent.objects.create(row=row, actor=actor, kind="retry",
                                    message=f"Resent as an upsert on {key} (needs review)")
            count += 1
            continue
        previous = row.status
        row.status = Row.Status.PENDING
        row.hold = Row.Hold.NONE
        row.hold_reason = ""
        row.save(update_fields=["status", "hold", "hold_reason", "updated_at"])
        RowEvent.objects.create(row=row, actor=actor, kind="retry",
                                message="Put back to pending for resubmission (was "
                                f"{Row.Status(previous).label.lower()})")
        count += 1
    return count


def rows_visible_to(user: AbstractBaseUser) -> QuerySet[Row]:
    from bigin_ui.roles import is_admin

    rows = Row.objects.all()
    return rows if is_admin(user) else rows.filter(owner=user)
