"""Settling rows whose outcome is unknown (the answer to their call was lost).

Never re-inserted blindly. With an entry key (a custom unique field holding the row's UUID),
the rows are sent again through upsert on that key, which cannot make a second record. Without
one, a row with a value in the module's unique field is looked up by search: found means
created; not found once Bigin's search index had time to catch up means it is safe to send
again. Anything else waits for an admin (needs_review).
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, TextField, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from bigin_ui.bigin.errors import BiginError, CreditsExhausted, OAuthError, ScopeError
from bigin_ui.queue.attempts import settle
from bigin_ui.queue.context import RunContext, entry_key_field, lease_seconds
from bigin_ui.queue.models import Attempt, Row, RowEvent
from bigin_ui.queue.references import iter_row_refs, resolve_refs
from bigin_ui.queue.search import search_unique, unique_value
from bigin_ui.queue.send import stop_reason, write

MAX_SENDS = 4  # after this many sends with lost answers, a person decides


def _take(ctx: RunContext, rows: list[int]) -> str:
    """Take unknown rows under a new claim with a lease the run's heartbeat renews; should
    this worker die, the lease lapses and the rows are unknown again (recover)."""
    claim = uuid.uuid4().hex
    with ctx.lock:
        ctx.claims.add(claim)
    with transaction.atomic():
        Row.objects.filter(pk__in=rows, status=Row.Status.UNKNOWN).update(
            status=Row.Status.RECONCILING, claim=claim,
            claims=Concat(Coalesce(F("claims"), Value(""), output_field=TextField()),
                          Value(f" {claim}"), output_field=TextField()),
            lease_until=timezone.now() + timedelta(seconds=lease_seconds()),
        )
    return claim


def reconcile_run(ctx: RunContext, modules: tuple[str, ...] | None = None) -> bool:
    """Settle this run's unknown rows. True when some went back to pending to be resent."""
    unknown = Row.objects.filter(run=ctx.run, status=Row.Status.UNKNOWN)
    if modules:
        unknown = unknown.filter(module__in=modules)
    sent_under = dict(unknown.values_list("pk", "claim"))
    if not sent_under:
        return False
    pks = list(sent_under)
    claim = _take(ctx, pks)
    try:
        rows = list(Row.objects.filter(claim=claim, status=Row.Status.RECONCILING)
                    .order_by("pk"))
        _stamp_last_call(rows, sent_under)
        resend = False
        by_module: dict[str, list[Row]] = {}
        for row in rows:
            by_module.setdefault(row.module, []).append(row)
        for module, group in by_module.items():
            resend |= _reconcile_module(ctx, module, claim, group)
        # Whatever is still reconciling under this claim (an unexpected error) is unknown
        # again, never left without an owner.
        Row.objects.filter(claim=claim, status=Row.Status.RECONCILING).update(
            status=Row.Status.UNKNOWN)
        return resend
    finally:
        with ctx.lock:
            ctx.claims.discard(claim)


def _stamp_last_call(rows: list[Row], sent_under: dict[int, str]) -> None:
    """Each row's ``sent_at`` (in memory only) becomes when its last call began.

    The column is stamped when the row is claimed, and a batch that waited for a call slot
    or went through retries was sent well after that: judged by it, a row whose answer was
    lost a moment ago looked old enough for a search to be trusted. The attempts under the
    claim the row was sent with say when the call really began; one statement per
    reconcile, so the submit path pays nothing for it.
    """
    claims = {c for c in sent_under.values() if c}
    if not claims:
        return
    began = dict(Attempt.objects.filter(claim__in=claims).exclude(outcome="not_sent")
                 .order_by().values("claim").annotate(last=Max("started_at"))
                 .values_list("claim", "last"))
    for row in rows:
        last = began.get(sent_under.get(row.pk, ""))
        if last is not None and (row.sent_at is None or last > row.sent_at):
            row.sent_at = last


def _reconcile_module(ctx: RunContext, module: str, claim: str, rows: list[Row]) -> bool:
    worn = [r for r in rows if r.send_count >= MAX_SENDS]
    if worn:
        _needs_review(claim, worn, f"Bigin's answer was lost {MAX_SENDS} times; check in "
                      "Bigin whether the record exists, then link or resend it.")
    rows = [r for r in rows if r.send_count < MAX_SENDS]
    if not rows:
        return False
    key = entry_key_field(module)
    if key:
        # Same entry key as the lost call: upsert updates the record that call created, or
        # creates it if the call never arrived. Either way exactly one record.
        refs = {pk for row in rows for pk in iter_row_refs(row.payload)}
        done = dict(
            Row.objects.filter(pk__in=refs, status=Row.Status.CREATED).values_list(
                "pk", "bigin_id"
            )
        )
        for start in range(0, len(rows), 100):
            chunk = rows[start:start + 100]
            bodies = []
            for row in chunk:
                body = resolve_refs(row.payload, done.get) if done else dict(row.payload)
                body[key] = str(row.uuid)
                bodies.append(body)
            Row.objects.filter(pk__in=[r.pk for r in chunk]).update(
                send_count=F("send_count") + 1
            )
            write(ctx, module, claim, chunk, bodies, upsert_on=key)
        # Rows the upsert itself lost are unknown again; the engine's next round takes them.
        Row.objects.filter(claim=claim, status=Row.Status.RECONCILING).update(
            status=Row.Status.UNKNOWN
        )
        return False
    return _reconcile_by_search(ctx, module, claim, rows)


def _reconcile_by_search(ctx: RunContext, module: str, claim: str, rows: list[Row]) -> bool:
    searchable: list[tuple[Row, str, str]] = []
    blind: list[Row] = []
    for row in rows:
        unique = unique_value(module, row)
        if unique is None:
            blind.append(row)
        else:
            searchable.append((row, *unique))
    if blind:
        _needs_review(claim, blind, "This record has no unique value to look it up by in "
                      "Bigin; check Bigin, then link or resend it.")
    resent = False
    lag = settings.BIGIN_SEARCH_LAG_SECONDS
    pending = searchable
    for pass_number in (1, 2):
        missing: list[tuple[Row, str, str]] = []
        for row, field, value in pending:
            if ctx.stopped:
                settle(claim=claim, updates={row.pk: {"status": Row.Status.UNKNOWN}})
                continue
            try:
                matches = search_unique(ctx, module, row, field, value, claim=claim)
            except BiginError as exc:
                settle(claim=claim, updates={row.pk: {"status": Row.Status.UNKNOWN}})
                if isinstance(exc, (OAuthError, CreditsExhausted, ScopeError)):
                    # No search can work until this is fixed: stop, and leave the rows
                    # unknown for the next Submit instead of wearing them out to "review".
                    ctx.refused = True
                    ctx.stop(stop_reason(exc))
                continue
            if len(matches) == 1:
                bigin_id = str(matches[0]["id"])
                settle(claim=claim, updates={row.pk: {
                    "status": Row.Status.CREATED, "bigin_id": bigin_id, "last_problem": "",
                    "error_code": "", "error_message": "", "error_field": "",
                }}, events=[RowEvent(row=row, kind="created", run=ctx.run,
                                     message=f"Found in Bigin by {field} after a lost answer: "
                                     f"ID {bigin_id}")])
            elif len(matches) > 1:
                _needs_review(claim, [row], f"{len(matches)} Bigin records share this {field}; "
                              "pick the right one.")
            else:
                missing.append((row, field, value))
        if not missing:
            break
        # The most recently sent row decides: each row must have had the lag since its call.
        waited = min(
            (timezone.now() - (row.sent_at or timezone.now())).total_seconds()
            for row, _, _ in missing
        )
        if pass_number == 1 and waited < lag:
            # Bigin's search index trails inserts; look again once it has caught up.
            time.sleep(min(lag - waited, lag))
            pending = missing
            continue
        settle(
            claim=claim,
            updates={row.pk: {"status": Row.Status.PENDING,
                              "last_problem": f"Not found in Bigin by {field} after a lost "
                              "answer; sent again."} for row, field, _ in missing},
            events=[RowEvent(row=row, kind="resend", run=ctx.run,
                             message="Not found in Bigin after the lost answer; resending.")
                    for row, _, _ in missing],
        )
        resent = True
        break
    return resent


def _needs_review(claim: str, rows: list[Row], reason: str) -> None:
    # What went wrong first (a lost or unreadable answer) stays in front of what to do now.
    def why(row: Row) -> str:
        before = row.last_problem.strip()
        return f"{before.rstrip('.')}. {reason}" if before else reason

    settle(
        claim=claim,
        updates={r.pk: {"status": Row.Status.NEEDS_REVIEW, "last_problem": why(r)}
                 for r in rows},
        events=[RowEvent(row=r, kind="needs_review", message=why(r)) for r in rows],
    )
