"""Sending one batch: one call to Bigin (insert or upsert), retrying what is safe to retry."""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from bigin_ui.bigin.errors import (
    AmbiguousOutcome,
    AuthenticationError,
    BiginError,
    CreditsExhausted,
    InvalidModuleError,
    OAuthError,
    RateLimited,
    RecordLimitError,
    RequestError,
    ScopeError,
    ServerError,
    TransportError,
    UnreadableAnswer,
)
from bigin_ui.queue import credits as credit_book
from bigin_ui.queue import share
from bigin_ui.queue.attempts import begin_attempt, finish_attempt, settle
from bigin_ui.queue.claim import build_bodies
from bigin_ui.queue.context import Batch, RunContext, lease_seconds, trigger_for
from bigin_ui.queue.models import Row, RowEvent
from bigin_ui.queue.search import search_unique, unique_value
from bigin_ui.queue.settle import apply_results, back_to_pending, fail_all
from bigin_ui.queue.slots import NoFreeSlot

log = logging.getLogger(__name__)


def backoff_delay(attempt: int) -> float:
    base = settings.BIGIN_RETRY_BASE_SECONDS
    return base * (2 ** (attempt - 1)) * (0.5 + random.random())  # noqa: S311 - jitter


def send_batch(ctx: RunContext, batch: Batch) -> None:
    with ctx.lock:
        ctx.claims.add(batch.claim)
    try:
        _send_batch(ctx, batch)
    except Exception:
        log.exception("Unexpected failure sending %s rows", batch.module)
        # Never leave rows stuck in "sending": their fate is unknown, reconcile them.
        settle(
            claim=batch.claim,
            updates={r.pk: {"status": Row.Status.UNKNOWN} for r in batch.rows},
        )
        raise
    finally:
        with ctx.lock:
            ctx.claims.discard(batch.claim)


def _send_batch(ctx: RunContext, batch: Batch) -> None:
    rows, bodies, blocked = build_bodies(batch)
    if blocked:
        settle(
            claim=batch.claim,
            updates={
                pk: {"status": Row.Status.PENDING, "last_problem": why}
                for pk, why in blocked.items()
            },
        )
    if rows and settings.BIGIN_CHECK_EXISTING:
        rows, bodies = hold_existing(ctx, batch, rows, bodies)
    if rows:
        write(ctx, batch.module, batch.claim, rows, bodies, upsert_on=None)


def hold_existing(
    ctx: RunContext, batch: Batch, rows: list[Row], bodies: list[dict[str, Any]]
) -> tuple[list[Row], list[dict[str, Any]]]:
    """With BIGIN_CHECK_EXISTING, look each row's unique value up in Bigin before sending;
    rows Bigin already has are held for a person instead of being rejected as duplicates."""
    keep_rows, keep_bodies = [], []
    for row, body in zip(rows, bodies, strict=True):
        unique = unique_value(batch.module, row)
        matches = []
        if unique is not None:
            try:
                matches = search_unique(ctx, batch.module, row, *unique, claim=batch.claim)
            except BiginError:
                matches = []  # the insert itself will still be checked by Bigin
        if not matches:
            keep_rows.append(row)
            keep_bodies.append(body)
            continue
        existing = str(matches[0].get("id"))
        reason = f"Bigin already has a {batch.module} record with this {unique[0]}: {existing}."
        settle(claim=batch.claim, updates={row.pk: {
            "status": Row.Status.PENDING, "hold": Row.Hold.EXISTS, "hold_reason": reason,
            "error_details": {"existing_id": existing}}},
            events=[RowEvent(row=row, kind="held", run=ctx.run, message=reason)])
    return keep_rows, keep_bodies


def write(
    ctx: RunContext,
    module: str,
    claim: str,
    rows: list[Row],
    bodies: list[dict[str, Any]],
    *,
    upsert_on: str | None,
) -> None:
    """Send one call (insert, or upsert on ``upsert_on``), retrying what is safe to retry."""
    trigger = trigger_for(ctx.run)
    kind = "upsert" if upsert_on else "insert"
    request_body: dict[str, Any] = {"data": bodies}
    if upsert_on:
        request_body["duplicate_check_fields"] = [upsert_on]
    if trigger is not None:
        request_body["trigger"] = trigger
    cost = credit_book.write_cost(len(rows))
    tries = 0
    while True:
        tries += 1
        if ctx.stopped:
            back_to_pending(ctx, claim, rows, ctx.stop_reason)
            return
        if tries > 1 and not _still_held(module, claim, rows, reconciling=bool(upsert_on)):
            return
        if ctx.leaving:
            # A helper leaving the run (closed to helpers, or wanted by a queued run): rows it
            # has not sent go back to the run for its driver, which waits for this helper,
            # instead of keeping the driver waiting through backoffs and slot waits.
            give_back_unsent(module, claim, rows, reconciling=bool(upsert_on))
            return
        try:
            attempt = begin_attempt(run=ctx.run, module=module, kind=kind, rows=rows,
                                    request_body=request_body, started_by=ctx.started_by,
                                    credits=cost, allowance=credit_book.allowance(),
                                    claim=claim)
        except Exception as exc:
            _failed_before_call(ctx, None, claim, rows, exc)
            raise
        if attempt is None:
            ctx.stop(
                f"Stopped at the daily credit allowance ({credit_book.allowance()} credits "
                "in 24 hours); the remaining rows stay pending."
            )
            back_to_pending(ctx, claim, rows, ctx.stop_reason)
            return
        called = False
        left = False
        try:
            with ctx.slots.slot():
                if ctx.refused:
                    # Bigin refused the run's calls (credits, token, scope) while this batch
                    # waited for a slot: the same refusal awaits it, so it is not sent.
                    raise NoFreeSlot(ctx.stop_reason)
                if ctx.leaving:
                    # A helper that began leaving while this batch waited for the slot:
                    # send_all prepares up to five batches beyond the cap, so several may
                    # be waiting; sent, they kept a queued run or the finishing
                    # driver waiting a round of calls more. Not sent: given back below.
                    left = True
                    raise NoFreeSlot("Not sent: this helper left the run.")
                # From here on the request may reach Bigin: a failure is an unknown outcome.
                called = True
                try:
                    if upsert_on:
                        response = ctx.client.upsert_records(
                            module, bodies, duplicate_check_fields=[upsert_on],
                            trigger=trigger)
                    else:
                        response = ctx.client.insert_records(module, bodies, trigger=trigger)
                except (CreditsExhausted, OAuthError, ScopeError) as exc:
                    # Stop before the slot is given up, or a batch waiting for it would
                    # make the same doomed call.
                    ctx.refused = True
                    ctx.stop(stop_reason(exc))
                    raise
                except AuthenticationError as exc:
                    # The last try refused too: the run stops here, before the slot goes to
                    # a batch waiting for it, which the same refusal awaits (retried tries
                    # give the slot up and wait their backoff outside it).
                    if tries > settings.BIGIN_MAX_RETRIES:
                        ctx.refused = True
                        ctx.stop(f"Bigin refused the connection: {exc}")
                    raise
        except NoFreeSlot as exc:
            # Other submissions held every call slot for the whole wait: nothing was sent,
            # so the rows simply wait for the next submit, and the credits are given back.
            finish_attempt(attempt, duration=None, status=None, response_body=None,
                           error=str(exc), outcome="not_sent", credits=0, tally=ctx.tally)
            if left:  # pending in the run again, for its driver (as before the reservation)
                give_back_unsent(module, claim, rows, reconciling=bool(upsert_on))
                return
            back_to_pending(ctx, claim, rows, ctx.stop_reason or (
                "Bigin was busy with other submissions; submit again to send this row."))
            return
        except AmbiguousOutcome as exc:
            unreadable = isinstance(exc, UnreadableAnswer)
            _finish_failed(ctx, attempt, exc, "unreadable" if unreadable else "ambiguous",
                           credits=cost)
            problem = ("Bigin's answer could not be read: " if unreadable
                       else "No complete answer from Bigin: ") + exc.message
            note = ("Sent, but Bigin's answer could not be read; will reconcile."
                    if unreadable else "Sent, but Bigin's answer was lost; will reconcile.")
            settle(
                claim=claim,
                updates={r.pk: {"status": Row.Status.UNKNOWN, "last_problem": problem}
                         for r in rows},
                events=[RowEvent(row=r, kind="unknown", run=ctx.run, message=note)
                        for r in rows],
            )
            return
        except CreditsExhausted as exc:
            # Every further call would fail the same way until the window frees up: stop the
            # run; nothing was created, so the rows simply wait in the queue.
            _finish_failed(ctx, attempt, exc, "credits_exhausted")
            ctx.stop(stop_reason(exc))
            back_to_pending(ctx, claim, rows, ctx.stop_reason)
            return
        except OAuthError as exc:
            # No token means no request left: nothing was sent, the rows stay pending, and
            # the run pauses instead of asking the accounts server again and again.
            _finish_failed(ctx, attempt, exc, "not_sent")
            ctx.stop(stop_reason(exc))
            back_to_pending(ctx, claim, rows, ctx.stop_reason)
            return
        except (RateLimited, ServerError, TransportError) as exc:
            _finish_failed(ctx, attempt, exc, "retry")
            if tries > settings.BIGIN_MAX_RETRIES:
                back_to_pending(
                    ctx, claim, rows,
                    f"Bigin kept refusing the call ({exc}); gave up after {tries} tries.",
                )
                return
            time.sleep(backoff_delay(tries))
            continue
        except AuthenticationError as exc:
            # Rejected even with a token refreshed a moment ago: the token can expire or be
            # revoked between refresh and use. Retry like a 5xx; stop only if it persists.
            _finish_failed(ctx, attempt, exc, "retry")
            if tries > settings.BIGIN_MAX_RETRIES:
                ctx.stop(f"Bigin refused the connection: {exc}")
                back_to_pending(ctx, claim, rows, ctx.stop_reason)
                return
            time.sleep(backoff_delay(tries))
            continue
        except (InvalidModuleError, RecordLimitError, RequestError) as exc:
            _finish_failed(ctx, attempt, exc, "rejected")
            fail_all(ctx, claim, rows, exc)
            return
        except BiginError as exc:  # scope, permission
            _finish_failed(ctx, attempt, exc, "refused")
            ctx.stop(stop_reason(exc))
            back_to_pending(ctx, claim, rows, ctx.stop_reason)
            return
        except Exception as exc:
            if not called:
                _failed_before_call(ctx, attempt, claim, rows, exc)
            raise  # after the call: send_batch makes the rows unknown, to be reconciled
        with transaction.atomic():  # one write transaction for the whole outcome
            finish_attempt(attempt, duration=response.duration, status=response.status,
                           response_body=response.body, outcome="results", credits=cost,
                           tally=ctx.tally)
            apply_results(ctx, claim, rows, response)
        return


def _failed_before_call(ctx: RunContext, attempt: Any, claim: str, rows: list[Row],
                        exc: Exception) -> None:
    """A failure of ours before the call (the database locked while waiting for a slot,
    say): nothing reached Bigin, so the rows go back to the queue with the reason and the
    attempt gives its credits back. Left to send_batch's catch-all, the rows became unknown
    (activities, which cannot be looked up, then asked an admin about rows never sent) and
    the attempt kept its credits reserved for 24 hours. Should this fail too, that catch-all
    still leaves no row without an owner."""
    try:
        if attempt is not None:
            finish_attempt(attempt, duration=None, status=None, response_body=None,
                           error=f"Not sent: {exc}", outcome="not_sent", credits=0,
                           tally=ctx.tally)
        back_to_pending(ctx, claim, rows, f"Not sent: this app failed before calling Bigin "
                        f"({exc}); submit again to send this row.")
    except DatabaseError:
        log.warning("Could not give back the unsent rows of claim %s", claim, exc_info=True)


def _still_held(module: str, claim: str, rows: list[Row], *, reconciling: bool) -> bool:
    """Before a retry: are the rows still ours? Their lease renewed if so.

    A lease can lapse while this worker is alive (its heartbeat missed renewals during a
    long backoff): recovery then makes the rows unknown, the driver's reconcile takes them
    under a new claim and sends them, and sending them again from here would make a second
    record. If any row was taken over, nothing is sent; the rows still held go back (they
    were never sent: only calls refused before reaching Bigin are retried). One statement
    per retry; the first try, the submit path's, pays nothing.
    """
    status = Row.Status.RECONCILING if reconciling else Row.Status.SENDING
    held = Row.objects.filter(pk__in=[r.pk for r in rows], claim=claim, status=status).update(
        lease_until=timezone.now() + timedelta(seconds=lease_seconds()))
    if held == len(rows):
        return True
    log.warning("%s of %s %s rows under claim %s were taken over during backoff; not sent "
                "again", len(rows) - held, len(rows), module, claim)
    if held:
        give_back_unsent(module, claim, rows, reconciling=reconciling)
    return False


def give_back_unsent(module: str, claim: str, rows: list[Row], *, reconciling: bool) -> None:
    """Rows not sent (or only refused before reaching Bigin) that this participant stops
    holding: pending in the run again, as if never claimed; rows being reconciled are
    unknown again instead, for the next reconcile."""
    if reconciling:
        settle(claim=claim, updates={r.pk: {"status": Row.Status.UNKNOWN} for r in rows})
    else:
        share.give_back(Batch(module=module, claim=claim, rows=rows))


def stop_reason(exc: BiginError) -> str:
    """Why a run stops on this error, in words, with what to do next."""
    if isinstance(exc, CreditsExhausted):
        return (f"{exc.message} {credit_book.frees_up_text()} The remaining rows stay "
                "pending; submit again then.")
    if isinstance(exc, OAuthError):
        return f"Paused: could not get a Bigin access token, so nothing was sent. {exc.message}"
    return f"Bigin refused the call: {exc.message}"


def _finish_failed(ctx: RunContext, attempt: Any, exc: BiginError, outcome: str, *,
                   credits: int = 0) -> None:
    finish_attempt(attempt, duration=exc.duration, status=exc.status, response_body=exc.body,
                   error=str(exc), outcome=outcome, credits=credits, tally=ctx.tally)
