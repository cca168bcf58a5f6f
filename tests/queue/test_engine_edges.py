"""Edges of the engine a reviewer found: a run finished under a live helper, rows given back
by a leaving helper, a helper dead while the driver waited for it."""

from __future__ import annotations

import types
from datetime import timedelta

import pytest
from django.utils import timezone

from bigin_ui.bigin.errors import RateLimited
from bigin_ui.queue import engine, share
from bigin_ui.queue.context import RunContext
from bigin_ui.queue.models import Attempt, Row, RunHelper, SubmissionRun
from bigin_ui.queue.settle import finish_run, settle_leftovers

pytestmark = pytest.mark.postgres


def _run(owner, **fields):
    return SubmissionRun.objects.create(created_by=owner, status=SubmissionRun.Status.RUNNING,
                                        heartbeat_at=timezone.now(), started_at=timezone.now(),
                                        **fields)


class FakeClock:
    """time.monotonic and time.sleep for a module under test: sleeping moves the clock, and
    ``at`` runs a callback once the clock reaches a given second."""

    def __init__(self, at: float, then) -> None:
        self.now = 0.0
        self.at, self.then = at, then

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        if self.then is not None and self.now >= self.at:
            self.then()
            self.then = None


def test_the_driver_waits_for_a_helper_that_still_beats_however_long_its_batch_takes(
        staff, monkeypatch, db):
    """close_to_helpers returns only once every beating helper has left: a helper's batch in
    backoff or waiting for a slot can take far longer than stale_after()+5 s, and a run
    finished meanwhile said "N sending" and kept rows that came back later."""
    monkeypatch.setattr(share, "stale_after", lambda: timedelta(seconds=0.2))
    run = _run(staff)
    helper = RunHelper.objects.create(run=run, beat_at=timezone.now() + timedelta(hours=1))
    row = Row.objects.create(module="Contacts", owner=staff, run=run, status="sending",
                             claim="h" * 32, payload={"Last_Name": "x"},
                             lease_until=timezone.now() + timedelta(hours=1))

    def helper_settles_and_leaves():  # 30 s later, on the fake clock
        Row.objects.filter(pk=row.pk).update(status=Row.Status.CREATED, bigin_id="1")
        RunHelper.objects.filter(pk=helper.pk).update(finished_at=timezone.now())

    clock = FakeClock(30.0, helper_settles_and_leaves)
    monkeypatch.setattr(share, "time", types.SimpleNamespace(monotonic=clock.monotonic,
                                                             sleep=clock.sleep))
    ctx = RunContext(run=run, client=None, started_by="t")  # type: ignore[arg-type]
    engine.close_to_helpers(ctx)
    settle_leftovers(ctx)
    finish_run(run, ctx.stop_reason)
    run.refresh_from_db()
    row.refresh_from_db()
    assert clock.now >= 30.0, f"the driver stopped waiting after {clock.now:.1f} s"
    assert row.status == Row.Status.CREATED
    assert run.status == SubmissionRun.Status.FINISHED and "sending" not in run.message


def test_a_leaving_helper_gives_its_unsent_rows_back_to_the_run_instead_of_retrying(
        staff, settings, db):
    """Once the helper is leaving (the door closed while its call was refused with a 429), the
    batch is not retried: its rows are pending in the run again, for the driver, which waits
    for the helper."""
    from bigin_ui.queue.claim import claim_batch
    from bigin_ui.queue.send import write

    settings.BIGIN_RETRY_BASE_SECONDS = 0.001
    run = _run_of_three(staff)
    ctx = RunContext(run=run, client=None, started_by="t", helper=True)  # type: ignore[arg-type]

    class Refusing:
        calls = 0

        def insert_records(self, module, bodies, trigger=None):
            self.calls += 1
            ctx.leaving = True  # the heartbeat saw the door closed meanwhile
            raise RateLimited("Too many requests", status=429)

    ctx.client = Refusing()  # type: ignore[assignment]
    batch = claim_batch(run, ("Contacts",), limit=10)
    write(ctx, "Contacts", batch.claim, batch.rows, [r.payload for r in batch.rows],
          upsert_on=None)
    assert ctx.client.calls == 1
    assert Attempt.objects.filter(run=run).count() == 1
    assert set(Row.objects.filter(run=run).values_list("status", "claim", "send_count")) == {
        ("pending", "", 0)}


def test_rows_of_a_helper_that_died_while_the_driver_waited_are_reconciled_not_reviewed(
        synced, staff, fast_retries, monkeypatch):
    """A helper dying in close_to_helpers' wait leaves rows that become unknown there: the
    driver reconciles them (here: not found in Bigin, so sent again) instead of handing them
    straight to a person as needs_review."""
    from bigin_ui.queue.runs import start_run

    Row.objects.create(module="Contacts", owner=staff,
                       payload={"Last_Name": "Driver", "Email": "driver@example.com"})
    left = {}
    close_dead_helpers = share.close_dead_helpers

    def helper_died_during_the_wait(run):
        # What a helper killed mid-call leaves: a row in flight under a lapsed lease.
        RunHelper.objects.create(run=run, beat_at=timezone.now() - timedelta(hours=1))
        left["row"] = Row.objects.create(
            module="Contacts", owner=staff, run=run, status=Row.Status.SENDING,
            claim="d" * 32, send_count=1, sent_at=timezone.now() - timedelta(minutes=5),
            lease_until=timezone.now() - timedelta(seconds=1),
            payload={"Last_Name": "Helper", "Email": "helper-died@example.com"})
        return close_dead_helpers(run)

    monkeypatch.setattr(share, "close_dead_helpers", helper_died_during_the_wait)
    run = start_run(user=staff, owner=staff)
    row = left["row"]
    row.refresh_from_db()
    assert row.status == Row.Status.CREATED, (row.status, row.last_problem)
    run.refresh_from_db()
    assert run.status == SubmissionRun.Status.FINISHED, run.message


def _tasks_batch(staff, settings):
    from bigin_ui.queue.claim import claim_batch

    settings.BIGIN_CHECK_EXISTING = False
    run = _run(staff)
    row = Row.objects.create(module="Tasks", owner=staff, run=run,
                             payload={"Subject": "call back"})
    return run, row, claim_batch(run, ("Tasks",), limit=10)


def test_a_database_error_before_the_call_gives_the_rows_back_and_the_credits_too(
        staff, settings, monkeypatch, db):
    """Nothing reached Bigin (waiting for a call slot failed on the database): the rows go
    back to the queue saying why, and the attempt is not_sent with no credits. They used to
    become unknown (an activity then went to an admin) with the credits held for 24 hours."""
    from django.db import OperationalError

    from bigin_ui.queue.send import send_batch
    from bigin_ui.queue.slots import SlotPool

    run, row, batch = _tasks_batch(staff, settings)

    def locked(self, wait):
        raise OperationalError("database is locked")

    monkeypatch.setattr(SlotPool, "_take", locked)
    ctx = RunContext(run=run, client=None, started_by="t")  # type: ignore[arg-type]
    with pytest.raises(OperationalError):
        send_batch(ctx, batch)
    attempt = Attempt.objects.get(run=run)
    row.refresh_from_db()
    assert (row.status, row.claim != "", row.run_id) == ("pending", True, None)
    assert "database is locked" in row.last_problem
    assert (attempt.outcome, attempt.credits) == ("not_sent", 0)


def test_a_failure_once_the_call_is_made_still_leaves_the_rows_unknown(
        staff, settings, db):
    """Past the point where the request may reach Bigin, an unexpected failure is an unknown
    outcome: the rows are reconciled, never given back as unsent."""
    from bigin_ui.queue.send import send_batch

    run, row, batch = _tasks_batch(staff, settings)

    class Broken:
        def insert_records(self, module, bodies, trigger=None):
            raise RuntimeError("the client broke mid-call")

    ctx = RunContext(run=run, client=Broken(), started_by="t")  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        send_batch(ctx, batch)
    row.refresh_from_db()
    assert (row.status, row.run_id) == ("unknown", run.pk)
    assert Attempt.objects.get(run=run).credits > 0


def _search_finds_nothing(monkeypatch):
    from bigin_ui.queue import reconcile

    slept: list[float] = []
    monkeypatch.setattr(reconcile, "unique_value",
                        lambda module, row: ("Email", row.payload["Email"]))
    monkeypatch.setattr(reconcile, "search_unique", lambda *a, **k: [])  # index behind
    monkeypatch.setattr(reconcile, "time", types.SimpleNamespace(sleep=slept.append))
    return slept


def test_the_search_lag_is_waited_for_the_most_recently_sent_row(
        staff, settings, monkeypatch, db):
    """Not found by search counts only once Bigin's index had BIGIN_SEARCH_LAG_SECONDS since
    every row's call: one row sent an hour ago in the group must not let a row whose answer
    was lost a moment ago be resent before the index caught up (a duplicate in Bigin)."""
    from bigin_ui.queue import reconcile

    settings.BIGIN_SEARCH_LAG_SECONDS = 20
    slept = _search_finds_nothing(monkeypatch)
    run = _run(staff)
    now = timezone.now()
    Row.objects.create(module="Contacts", owner=staff, run=run, status="unknown",
                       payload={"Email": "old@example.com"},
                       sent_at=now - timedelta(hours=1), send_count=1)
    Row.objects.create(module="Contacts", owner=staff, run=run, status="unknown",
                       payload={"Email": "fresh@example.com"}, sent_at=now, send_count=1)
    ctx = RunContext(run=run, client=None, started_by="t")  # type: ignore[arg-type]
    reconcile.reconcile_run(ctx)
    assert len(slept) == 1 and 19 < slept[0] <= 20, slept


def test_the_search_lag_counts_from_the_call_not_from_the_claim(
        staff, settings, monkeypatch, db):
    """A row claimed ten minutes ago whose call began just now (it waited for a slot, or
    went through retries) was sent just now: the lag is waited from the call."""
    from bigin_ui.queue import reconcile

    settings.BIGIN_SEARCH_LAG_SECONDS = 20
    slept = _search_finds_nothing(monkeypatch)
    run = _run(staff)
    claimed = timezone.now() - timedelta(minutes=10)
    row = Row.objects.create(module="Contacts", owner=staff, run=run, status="unknown",
                             claim="c" * 32, payload={"Email": "late@example.com"},
                             sent_at=claimed, send_count=1)
    for started, outcome in ((claimed, "retry"), (timezone.now(), "ambiguous")):
        Attempt.objects.create(run=run, module="Contacts", kind="insert", started_at=started,
                               outcome=outcome, claim="c" * 32, row_ids=[row.pk],
                               request_body={})
    ctx = RunContext(run=run, client=None, started_by="t")  # type: ignore[arg-type]
    reconcile.reconcile_run(ctx)
    assert len(slept) == 1 and 19 < slept[0] <= 20, slept


def _refused_then_taken_over(ctx, run, take: int):
    """A client whose first call gets a 429, during which the batch's lease lapses and the
    driver's reconcile takes ``take`` of its rows under a claim of its own."""

    class Client:
        calls = 0

        def insert_records(self, module, bodies, trigger=None):
            self.calls += 1
            if self.calls == 1:
                taken = list(Row.objects.filter(run=run).order_by("pk")
                             .values_list("pk", flat=True)[:take])
                Row.objects.filter(pk__in=taken).update(status=Row.Status.RECONCILING,
                                                        claim="n" * 32)
                raise RateLimited("Too many requests", status=429)
            raise AssertionError("sent again rows another claim holds")

    return Client()


def _run_of_three(staff):
    """A run holding three Contacts rows, pending."""
    run = _run(staff)
    for i in range(3):
        Row.objects.create(module="Contacts", owner=staff, run=run,
                           payload={"Last_Name": f"r{i}"})
    return run


def _three_contacts(staff, settings):
    from bigin_ui.queue.claim import claim_batch

    settings.BIGIN_RETRY_BASE_SECONDS = 0.001
    run = _run_of_three(staff)
    return run, claim_batch(run, ("Contacts",), limit=10)


def test_a_retry_is_not_sent_once_its_rows_were_taken_over(staff, settings, db):
    """Rows whose lease lapsed during a backoff (the worker alive, its renewals missed) are
    recovered and reconciled by the driver under a new claim: the old holder must not send
    them again when it wakes up, or Bigin gets a second record."""
    from bigin_ui.queue.send import write

    run, batch = _three_contacts(staff, settings)
    ctx = RunContext(run=run, client=None, started_by="t")  # type: ignore[arg-type]
    ctx.client = _refused_then_taken_over(ctx, run, take=3)  # type: ignore[assignment]
    write(ctx, "Contacts", batch.claim, batch.rows, [r.payload for r in batch.rows],
          upsert_on=None)
    assert ctx.client.calls == 1
    assert Attempt.objects.filter(run=run).count() == 1
    assert set(Row.objects.filter(run=run).values_list("status", "claim")) == {
        ("reconciling", "n" * 32)}


def test_a_retry_with_some_rows_taken_over_gives_the_others_back_unsent(staff, settings, db):
    """If only some rows were taken over, none is sent; the ones still held go back to the
    run as never sent (only a call refused before reaching Bigin is retried)."""
    from bigin_ui.queue.send import write

    run, batch = _three_contacts(staff, settings)
    ctx = RunContext(run=run, client=None, started_by="t")  # type: ignore[arg-type]
    ctx.client = _refused_then_taken_over(ctx, run, take=1)  # type: ignore[assignment]
    write(ctx, "Contacts", batch.claim, batch.rows, [r.payload for r in batch.rows],
          upsert_on=None)
    assert ctx.client.calls == 1
    assert sorted(Row.objects.filter(run=run).values_list("status", "claim")) == [
        ("pending", ""), ("pending", ""), ("reconciling", "n" * 32)]


def test_a_failing_heartbeat_step_does_not_cost_the_rows_their_lease(
        staff, monkeypatch, db):
    """The leases of rows in flight are renewed first, and a database error in any other
    step of the beat (the counters, the slots, the look at the run) does not skip them."""
    from django.db import OperationalError

    from bigin_ui.queue import recover

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(recover, "write_tally", locked)
    run = _run(staff)
    soon = timezone.now() + timedelta(seconds=1)
    row = Row.objects.create(module="Contacts", owner=staff, run=run, status="sending",
                             claim="k" * 32, payload={"Last_Name": "x"}, lease_until=soon)
    ctx = RunContext(run=run, client=None, started_by="t")  # type: ignore[arg-type]
    ctx.claims.add("k" * 32)
    recover.Heartbeat(ctx).beat()
    row.refresh_from_db()
    assert row.lease_until > soon + timedelta(seconds=10)


def _orphan_wait(staff, monkeypatch, *, helper_beats: bool):
    from bigin_ui.queue import recover

    run = _run(staff)
    beat = timezone.now() + (timedelta(hours=1) if helper_beats else -timedelta(hours=1))
    RunHelper.objects.create(run=run, beat_at=beat)
    Row.objects.create(module="Contacts", owner=staff, run=run, status="sending",
                       claim="f" * 32, payload={"Last_Name": "x"},
                       lease_until=timezone.now() + timedelta(seconds=30))
    clock = FakeClock(0.0, None)
    monkeypatch.setattr(recover, "time", types.SimpleNamespace(monotonic=clock.monotonic,
                                                               sleep=clock.sleep))
    ctx = RunContext(run=run, client=None, started_by="t")  # type: ignore[arg-type]
    recover.wait_for_orphans(ctx)
    return clock.now


def test_the_driver_does_not_wait_out_the_lease_of_a_live_helpers_batch(
        staff, monkeypatch, db):
    """Rows under a live lease while a helper of the run still beats are its batch: the
    driver does not wait for that lease to lapse (it never does while the helper renews it:
    ~lease+5 s stalled per round); send_all waits for their answers instead."""
    assert _orphan_wait(staff, monkeypatch, helper_beats=True) < 1


def test_the_driver_still_waits_for_the_lease_of_rows_a_dead_worker_left(
        staff, monkeypatch, db):
    """With no helper beating, rows in flight under another claim were left by a dead
    execution: the driver waits until their lease lapses, then takes them over."""
    assert _orphan_wait(staff, monkeypatch, helper_beats=False) >= 29


def test_rows_a_leaving_helper_gave_back_are_sent_by_the_driver_before_the_run_ends(
        synced, staff, monkeypatch):
    """Rows a helper hands back at closing time (claimed after the door closed, or not sent
    once it was leaving) are pending in the run: the driver, alone by then, sends them,
    instead of finishing with "Rows still pending were not sendable" and no reason on them."""
    from bigin_ui.queue.runs import start_run

    Row.objects.create(module="Contacts", owner=staff,
                       payload={"Last_Name": "Driver", "Email": "driver2@example.com"})
    given = {}
    close_dead_helpers = share.close_dead_helpers

    def a_helper_gave_rows_back_while_the_driver_waited(run):
        given["row"] = Row.objects.create(
            module="Contacts", owner=staff, run=run, status=Row.Status.PENDING,
            payload={"Last_Name": "Given back", "Email": "given-back@example.com"})
        return close_dead_helpers(run)

    monkeypatch.setattr(share, "close_dead_helpers",
                        a_helper_gave_rows_back_while_the_driver_waited)
    run = start_run(user=staff, owner=staff)
    row = given["row"]
    row.refresh_from_db()
    run.refresh_from_db()
    assert row.status == Row.Status.CREATED, (row.status, row.last_problem, run.message)
    assert "not sendable" not in run.message


def test_a_helper_that_leaves_while_its_batch_waits_for_a_call_slot_does_not_send_it(
        staff, db):
    """send_all prepares up to five batches beyond the cap (engine.MAX_SPARE): several wait
    for a slot at once. A helper leaving meanwhile (a run queued
    for a worker, the door closed) gives them back unsent when a slot frees, as it does
    before reserving the call; sending them kept the queued run (or the finishing driver)
    waiting a whole round of calls more."""
    from contextlib import contextmanager

    from bigin_ui.queue.claim import claim_batch
    from bigin_ui.queue.send import write

    run = _run_of_three(staff)
    ctx = RunContext(run=run, client=None, started_by="t", helper=True)  # type: ignore[arg-type]

    class Recording:
        calls = 0

        def insert_records(self, module, bodies, trigger=None):
            self.calls += 1
            raise AssertionError("a leaving helper made a call")

    class SlotsFreedOnceTheHelperLeft:
        @contextmanager
        def slot(self, *, wait=600.0):
            ctx.leaving = True  # the heartbeat saw a queued run while this batch waited
            yield 0

        def close(self):
            pass

    ctx.client = Recording()  # type: ignore[assignment]
    ctx.slots = SlotsFreedOnceTheHelperLeft()  # type: ignore[assignment]
    batch = claim_batch(run, ("Contacts",), limit=10)
    write(ctx, "Contacts", batch.claim, batch.rows, [r.payload for r in batch.rows],
          upsert_on=None)
    assert ctx.client.calls == 0
    attempt = Attempt.objects.get(run=run)
    assert (attempt.outcome, attempt.credits) == ("not_sent", 0)
    assert set(Row.objects.filter(run=run).values_list("status", "claim", "send_count")) == {
        ("pending", "", 0)}
