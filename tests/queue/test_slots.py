"""The call-slot pool (queue/slots.py): hand-offs between a process's threads, and sharing the
cap with other processes (each SlotPool here stands for one worker process)."""

from __future__ import annotations

import sys
import threading
import time
from contextlib import ExitStack

import pytest
from django.db import connections

from bigin_ui.queue import slots
from bigin_ui.queue.models import CallSlot
from bigin_ui.queue.slots import NoFreeSlot, SlotPool


def _in_thread(target):
    outcome: dict[str, object] = {}

    def run():
        try:
            outcome["value"] = target()
        except Exception as exc:  # noqa: BLE001 - the test reads it
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_a_waiting_thread_is_not_stranded_when_a_sibling_takes_the_slot_handed_back(
        settings, db):
    """A thread waits for the pool's only slot; the slot comes back and a sibling takes it
    before the waiter runs again, by which time the waiter's wait is over. It must give up
    (NoFreeSlot) then, or take the next slot: the pool's hand-off, a SimpleQueue read with a
    timeout, left it blocked with no limit on Python 3.11 (two workers under a cap of 2 stalled
    in tests/queue/test_workers.py). This thread keeps the GIL across the hand-off, so the
    order is always the one that stranded it."""
    settings.BIGIN_MAX_CONCURRENCY = 1
    pool = SlotPool(lease=60)
    with ExitStack() as stack:
        first = pool.slot()
        first.__enter__()
        waiter, outcome = _in_thread(lambda: pool.slot(wait=0.2).__enter__())
        time.sleep(0.1)  # the waiter is waiting for the slot
        interval = sys.getswitchinterval()
        sys.setswitchinterval(5)
        try:
            first.__exit__(None, None, None)  # handed back to the waiter ...
            stack.enter_context(pool.slot(wait=1))  # ... and taken by a sibling first
            until = time.monotonic() + 0.3  # the waiter's 0.2 s pass, GIL held
            while time.monotonic() < until:
                pass
        finally:
            sys.setswitchinterval(interval)
        waiter.join(3)
        assert not waiter.is_alive(), "the waiting thread is stranded"
        assert isinstance(outcome.get("error"), NoFreeSlot), outcome


@pytest.mark.django_db(transaction=True)
def test_while_another_process_waits_each_slot_goes_back_after_its_call(settings, monkeypatch):
    """Fair release: the first worker holds the whole cap with a thread of its own waiting for
    more. Once the second worker has asked, a slot whose call ends goes back to the database,
    and the second worker gets it, not the first worker's waiting thread (which used to get
    every slot while it waited: the second run went mostly after the first)."""
    settings.BIGIN_MAX_CONCURRENCY = 2
    monkeypatch.setattr(slots, "SHARE_HOLD_OFF", 1.0)  # no race with the first's own poll
    first, second = SlotPool(lease=60), SlotPool(lease=60)
    calls = [first.slot(), first.slot()]
    numbers = [call.__enter__() for call in calls]
    release_own = threading.Event()

    def own_waiter():
        with first.slot(wait=10) as number:
            release_own.wait(10)
            return number

    def other_process():
        with second.slot(wait=10) as number:
            return number

    own, own_outcome = _in_thread(own_waiter)
    other, other_outcome = _in_thread(other_process)
    deadline = time.monotonic() + 5
    while not CallSlot.objects.filter(number=slots.WANTED, until__isnull=False).exists():
        assert time.monotonic() < deadline, "the second worker never said it waits"
        time.sleep(0.02)
    assert first.share_if_wanted(within=5)  # as the heartbeat or the next call end does
    calls[0].__exit__(None, None, None)
    other.join(5)
    assert other_outcome.get("value") == numbers[0], other_outcome
    assert own.is_alive() and "value" not in own_outcome  # still waiting, not served first
    calls[1].__exit__(None, None, None)
    release_own.set()
    own.join(5)
    assert own_outcome.get("value") in numbers, own_outcome
    first.close()
    second.close()
    assert not CallSlot.objects.filter(number__lt=2).exclude(holder="").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_two_pools_sharing_a_cap_of_two_never_overlap_and_never_stall(settings):
    """Two workers, four threads each, 30 calls per thread, under a cap of 2 while each asks
    the other to share: no slot is ever used by two calls at once, and every call gets one."""
    settings.BIGIN_MAX_CONCURRENCY = 2
    pools = [SlotPool(lease=60), SlotPool(lease=60)]
    in_use: dict[int, int] = {}
    guard = threading.Lock()
    problems: list[str] = []
    done = [0, 0]

    def calls(p: int) -> None:
        for _ in range(30):
            with pools[p].slot(wait=20) as number:
                with guard:
                    if number in in_use:
                        problems.append(f"slot {number} used by workers {in_use[number]}, {p}")
                    in_use[number] = p
                time.sleep(0.005)
                with guard:
                    in_use.pop(number, None)
            with guard:
                done[p] += 1

    stop = threading.Event()

    def heartbeat(p: int) -> None:
        while not stop.wait(0.2):
            pools[p].renew()
            pools[p].share_if_wanted(within=0.4)

    beats = [_in_thread(lambda p=p: heartbeat(p))[0] for p in range(2)]
    workers = [_in_thread(lambda p=p: calls(p)) for p in range(2) for _ in range(4)]
    for thread, _ in workers:
        thread.join(60)
    stop.set()
    for thread in beats:
        thread.join(5)
    errors = [outcome["error"] for _, outcome in workers if "error" in outcome]
    assert not errors and not problems, (errors, problems)
    assert done == [120, 120]
    for pool in pools:
        pool.close()
