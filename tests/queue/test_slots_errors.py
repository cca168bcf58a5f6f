"""The call-slot pool when its own bookkeeping fails (a locked database, say): the call is
over and Bigin's answer is in hand, so giving the slot back must neither lose that answer nor
lose the slot."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from bigin_ui.queue import slots
from bigin_ui.queue.models import CallSlot
from bigin_ui.queue.slots import SlotPool


def _locked(*args, **kwargs):
    raise OperationalError("database is locked")


@pytest.mark.django_db(transaction=True)
def test_a_failed_look_for_other_workers_after_a_call_loses_neither_answer_nor_slot(
        settings, monkeypatch):
    """The pool looks whether another process waits as a call returns (share_if_wanted).
    That look failing made the slot's exit raise (send_batch then threw Bigin's answer away
    and made the rows unknown) and left the slot counted as held but never idle: under a cap
    of 1 every later call of the run waited its whole wait (600 s) for a slot the pool
    itself held, and went back to the queue as "Bigin was busy", while the heartbeat kept
    renewing that slot, so no other worker could use it either."""
    settings.BIGIN_MAX_CONCURRENCY = 1
    pool = SlotPool(lease=60)
    with pool.slot(wait=1):
        pass
    monkeypatch.setattr(SlotPool, "share_if_wanted", _locked)
    pool.next_share_check = 0.0  # the look is due as this call returns
    with pool.slot(wait=1):
        answer = "Bigin's answer"
    assert answer
    monkeypatch.undo()
    with pool.slot(wait=1) as number:  # NoFreeSlot if the pool lost the slot
        assert number == 0
    pool.close()
    assert not CallSlot.objects.filter(number=0).exclude(holder="").exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_release_while_sharing_does_not_raise_out_of_the_call(settings, monkeypatch):
    """While another process waits, each slot goes back to the database after its call; that
    write failing must not turn a call Bigin answered into an error (its rows would be made
    unknown and reconciled, or handed to an admin, though the answer was here), nor lose the
    slot: still the pool's in the database, it serves the pool's next call."""
    settings.BIGIN_MAX_CONCURRENCY = 1
    pool = SlotPool(lease=60)
    monkeypatch.setattr(SlotPool, "share_if_wanted", lambda self, within: False)
    pool.sharing_until = float("inf")  # another process asked: every slot goes back
    monkeypatch.setattr(slots, "release", _locked)
    with pool.slot(wait=1):
        pass
    monkeypatch.undo()
    with pool.slot(wait=1) as number:  # NoFreeSlot if the pool lost the slot
        assert number == 0
    pool.close()
    assert not CallSlot.objects.filter(number=0).exclude(holder="").exists()
