"""Claiming work: a run for a worker, and batches of a run's rows for a call.

Both are conditional updates, so two workers or a double click never take the same thing.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
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



def claim_batch(run: SubmissionRun, modules: tuple[str, ...], *, limit: int) -> Batch | None:
    """Take up to ``limit`` sendable rows of one module for this run (pending → sending)."""
    lease_until = timezone.now() + timedelta(seconds=lease_seconds())
    for module in modules:
        claim = uuid.uuid4().hex
        with transaction.atomic():
            # Rows stay locked until the update below: PostgreSQL skips rows another claim
            # holds, and SQLite's IMMEDIATE transactions let one writer in at a time. So the
            # update can name the rows by primary key alone; a status or run condition there
            # made SQLite walk every pending row of the run on each claim (quadratic in N).
            candidates = list(
                Row.objects.select_for_update(skip_locked=True)
                .filter(run=run, module=module, status=Row.Status.PENDING, hold="")
                .exclude(depends_on__status__in=NOT_CREATED)
                .order_by("pk")
                .values_list("pk", flat=True)[:limit]
            )
            if not candidates:
                continue
            taken = Row.objects.filter(pk__in=candidates).update(
                status=Row.Status.SENDING,
                claim=claim,
                lease_until=lease_until,
                send_count=F("send_count") + 1,
                sent_at=timezone.now(),
            )
        if taken:
            # Only what building the bodies and settling needs: loading whole rows (eleven
            # converted columns each) was the largest CPU cost of a batch.
            rows = list(Row.objects.filter(claim=claim).order_by("pk")
                        .only("pk", "module", "payload", "uuid"))
            return Batch(module=module, claim=claim, rows=rows)
    return None


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
