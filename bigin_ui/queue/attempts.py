"""Storing each call made for rows (the audit trail) and applying per-row outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Case, F, Value, When
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
        AttemptRow.objects.bulk_create(
            [AttemptRow(attempt=attempt, row=row, index=i) for i, row in enumerate(rows)]
        )
    return attempt


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
            response_body=response_body if _jsonable(response_body) else str(response_body),
            error=error[:5000],
            outcome=outcome,
            credits=credits,
        )
        if attempt.run_id is not None:
            SubmissionRun.objects.filter(pk=attempt.run_id).update(
                calls=F("calls") + 1,
                credits=F("credits") + credits,
                retries=F("retries") + (1 if outcome == "retry" else 0),
            )


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, (dict, list, str, int, float, bool))


def settle(
    *,
    claim: str,
    updates: dict[int, dict[str, Any]],
    events: Sequence[RowEvent] = (),
) -> int:
    """Write per-row outcomes for rows still held under ``claim``, in one UPDATE per field set.

    ``updates`` maps row pk to the fields to set. Rows someone else has taken since (another
    claim) are left alone.
    """
    if not updates:
        return 0
    by_fields: dict[tuple[str, ...], dict[int, dict[str, Any]]] = {}
    for pk, values in updates.items():
        by_fields.setdefault(tuple(sorted(values)), {})[pk] = values
    changed = 0
    now = timezone.now()
    with transaction.atomic():
        for names, group in by_fields.items():
            assignments: dict[str, Any] = {"updated_at": now}
            for name in names:
                distinct = {repr(v[name]) for v in group.values()}
                if len(distinct) == 1:
                    value = next(iter(group.values()))[name]
                    assignments[name] = Value(value, output_field=Row._meta.get_field(name))
                else:
                    assignments[name] = Case(
                        *[When(pk=pk, then=Value(v[name], output_field=Row._meta.get_field(
                            name))) for pk, v in group.items()],
                        output_field=Row._meta.get_field(name),
                    )
            changed += Row.objects.filter(
                pk__in=list(group), claim=claim, status__in=SETTLEABLE
            ).update(**assignments)
        if events:
            RowEvent.objects.bulk_create(events)
    return changed
