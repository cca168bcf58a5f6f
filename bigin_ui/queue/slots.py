"""A cap on calls in flight to Bigin shared by every process (BIGIN_MAX_CONCURRENCY).

Each call leases one of N slot rows with a conditional UPDATE; the lease expires on its own if
the process holding it dies, so a killed worker cannot shrink the pool for good.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bigin_ui.queue.models import CallSlot

log = logging.getLogger(__name__)


def _ensure_slots(count: int) -> None:
    existing = set(CallSlot.objects.values_list("number", flat=True))
    for number in range(count):
        if number not in existing:
            try:
                with transaction.atomic():
                    CallSlot.objects.create(number=number)
            except IntegrityError:
                pass


def try_acquire(holder: str, lease: float) -> int | None:
    count = settings.BIGIN_MAX_CONCURRENCY
    now = timezone.now()
    free = Q(holder="") | Q(until__lt=now)
    numbers = list(CallSlot.objects.filter(free, number__lt=count).values_list("number",
                                                                              flat=True))
    if not numbers and CallSlot.objects.filter(number__lt=count).count() < count:
        _ensure_slots(count)
        numbers = list(CallSlot.objects.filter(free, number__lt=count).values_list(
            "number", flat=True))
    random.shuffle(numbers)
    for number in numbers:
        taken = CallSlot.objects.filter(free, number=number).update(
            holder=holder, until=now + timedelta(seconds=lease)
        )
        if taken:
            return number
    return None


def release(number: int, holder: str) -> None:
    CallSlot.objects.filter(number=number, holder=holder).update(holder="", until=None)


_local_lock = threading.Lock()
_local: tuple[int, threading.BoundedSemaphore] | None = None


def _local_gate() -> threading.BoundedSemaphore:
    """Threads of one process queue here first, so they do not poll the database for slots
    that their own siblings hold; the database slots then only arbitrate between processes."""
    global _local
    count = settings.BIGIN_MAX_CONCURRENCY
    with _local_lock:
        if _local is None or _local[0] != count:
            _local = (count, threading.BoundedSemaphore(count))
        return _local[1]


SHARE_CHECK_SECONDS = 0.5
# How long a pool that gave a slot back for another process leaves it to that process: more
# than the longest gap between two looks of a waiting pool (poll_gap), so the process that
# asked takes it, not this one's next thread.
SHARE_HOLD_OFF = 0.03
# A CallSlot number no real slot uses: its ``until`` is when a process last found every slot
# taken (SlotPool._want).
WANTED = 10_001


class NoFreeSlot(TimeoutError):
    """Raised before the call is made: nothing was sent."""


@contextmanager
def call_slot(*, lease: float, wait: float = 600.0) -> Iterator[int]:
    """Hold one slot for the duration of a call; waits (with jitter) while all are taken."""
    gate = _local_gate()
    if not gate.acquire(timeout=wait):
        raise NoFreeSlot("No free slot for a Bigin call")
    try:
        holder = uuid.uuid4().hex
        deadline = time.monotonic() + wait
        delay = 0.002
        while True:
            number = try_acquire(holder, lease)
            if number is not None:
                break
            if time.monotonic() > deadline:
                raise NoFreeSlot("No free slot for a Bigin call")
            time.sleep(delay + random.random() * delay)  # noqa: S311 - jitter
            delay = min(delay * 2, 0.02)
        try:
            yield number
        finally:
            release(number, holder)
    finally:
        gate.release()


class SlotPool:
    """Call slots this process holds for the length of a submission, handed from thread to
    thread without touching the database.

    Taking and returning a database slot around every call put two write transactions on the
    critical path between calls; the pool takes a slot the first time it needs one and keeps
    it until ``close()``, renewing its lease meanwhile (see ``renew``). Other processes still
    see the slots as taken, so the cap holds across processes.

    While another process waits for a slot (``share_if_wanted``), every slot goes back to the
    database after its call, whether or not threads here wait for one, and this pool's own
    threads leave it alone for a moment (``SHARE_HOLD_OFF``): the other process's run gets its
    share of the cap instead of waiting for this one to finish.

    All the bookkeeping (slots held, slots idle, threads waiting) is under one condition
    variable. The hand-off used to be a ``queue.SimpleQueue`` read with a timeout, which on
    Python 3.12 and older can block for ever: a waiter woken by a put whose item a sibling
    took first, once its timeout has passed, waits again with no limit. While slots were
    handed from thread to thread the next put woke it, but with every slot going back to the
    database no put came, and two workers under a cap of 2 stalled (tests/queue/test_slots.py
    shows it).
    """

    def __init__(self, *, lease: float) -> None:
        self.lease = lease
        self.holder = uuid.uuid4().hex
        self.cond = threading.Condition(threading.Lock())
        self.held: set[int] = set()  # slots the database says are ours
        self.idle: list[int] = []  # of those, the ones no call uses now
        self.polling = False  # a thread of this pool is looking at the database
        # Another process wanted a slot: until then, each slot goes back to the database.
        self.sharing_until = 0.0
        self.wanted_at = 0.0
        self.next_poll = 0.0
        self.poll_gap = 0.0
        self.next_share_check = time.monotonic() + SHARE_CHECK_SECONDS

    @contextmanager
    def slot(self, *, wait: float = 600.0) -> Iterator[int]:
        number = self._take(wait)
        try:
            yield number
        finally:
            self._give(number)

    def _give(self, number: int) -> None:
        now = time.monotonic()
        if now >= self.next_share_check:
            # Another process may be waiting for a slot: look twice a second (the heartbeat's
            # five seconds let the first run to start hold every slot through most of a
            # second run). Not before the pool is half a second old, so a short submit pays
            # no statement for it.
            self.next_share_check = now + SHARE_CHECK_SECONDS
            try:
                self.share_if_wanted(within=2 * SHARE_CHECK_SECONDS)
            except DatabaseError:
                # The call is over and its answer is in hand: a failed look (a locked
                # database) must neither replace that answer with an error nor keep the slot
                # from the pool's next call. The next call's end looks again.
                log.warning("Could not look for workers waiting for a call slot",
                            exc_info=True)
        with self.cond:
            if now >= self.sharing_until:
                self.idle.append(number)
                self.cond.notify()
                return
        self._return([number])

    def _return(self, numbers: list[int]) -> None:
        """Give slots back to the database. They stay counted as held until the database has
        them, so no thread here looks for a slot in between, finds none, and asks the other
        processes to share; and this pool's threads then wait SHARE_HOLD_OFF before taking
        one, so a process that asked for a slot gets it."""
        released: list[int] = []
        try:
            for number in numbers:
                release(number, self.holder)
                released.append(number)
        except DatabaseError:
            # Still ours in the database (and renewed with the others): kept as idle, used by
            # the next call and given back after it, rather than lost to every worker until
            # its lease lapses, and never an error out of a call Bigin has answered.
            log.warning("Could not give call slots back; keeping them", exc_info=True)
        finally:
            with self.cond:
                self.held.difference_update(released)
                self.idle.extend(n for n in numbers if n not in released)
                self.next_poll = max(self.next_poll, time.monotonic() + SHARE_HOLD_OFF)
                self.cond.notify_all()

    def _take(self, wait: float) -> int:
        deadline = time.monotonic() + wait
        while True:
            with self.cond:
                if self.idle:
                    return self.idle.pop()
                now = time.monotonic()
                # One look at the database per pool per backoff step, whatever the number of
                # threads waiting: with several workers sharing the cap, every waiting thread
                # polling on its own made hundreds of queries a second for nothing.
                all_held = len(self.held) >= settings.BIGIN_MAX_CONCURRENCY
                if all_held or self.polling or now < self.next_poll:
                    if now > deadline:
                        raise NoFreeSlot("No free slot for a Bigin call")
                    # Woken by a sibling's hand-off, a slot given back or the end of a
                    # sibling's look at the database; else when the next look is due.
                    pause = 0.05 if all_held or self.polling else self.next_poll - now
                    self.cond.wait(max(min(pause, deadline - now), 0.001))
                    continue
                self.polling = True
            number = None
            try:
                number = try_acquire(self.holder, self.lease)
            finally:
                with self.cond:
                    self.polling = False
                    if number is not None:
                        self.held.add(number)
                        self.poll_gap = 0.0
                    else:
                        self.poll_gap = min(max(self.poll_gap * 2, 0.002), 0.02)
                        self.next_poll = time.monotonic() + self.poll_gap
                    self.cond.notify()  # another waiter may poll now
            if number is not None:
                return number
            self._want()
            if time.monotonic() > deadline:
                raise NoFreeSlot("No free slot for a Bigin call")

    def _want(self) -> None:
        """Say that this process found no free slot, at most twice a second: pools of other
        processes that hold slots idle give them back (share_if_wanted)."""
        now = time.monotonic()
        if now - self.wanted_at < 0.5:
            return
        self.wanted_at = now
        CallSlot.objects.get_or_create(number=WANTED, defaults={"holder": "wanted"})
        CallSlot.objects.filter(number=WANTED).update(until=timezone.now())

    def share_if_wanted(self, *, within: float) -> bool:
        """Called twice a second while calls return, and with each heartbeat (a pool with no
        call returning). A pool keeps its slots between calls, which saves two statements per
        call but would starve another process's run (or a helper of the same run,
        queue/share.py) while this one holds every slot. When some process wanted a slot in
        the last ``within`` seconds, this pool gives back the slots idle now and, for a while,
        each slot as its call ends, so the processes share the one cap.
        """
        wanted = CallSlot.objects.filter(
            number=WANTED, until__gte=timezone.now() - timedelta(seconds=within)).exists()
        if not wanted:
            return False
        with self.cond:
            self.sharing_until = time.monotonic() + 2 * within
            idle, self.idle = self.idle, []
        if idle:
            self._return(idle)
        return True

    def renew(self) -> None:
        if self.held:
            CallSlot.objects.filter(holder=self.holder).update(
                until=timezone.now() + timedelta(seconds=self.lease)
            )

    def close(self) -> None:
        with self.cond:
            if self.held:
                CallSlot.objects.filter(holder=self.holder).update(holder="", until=None)
            self.held = set()
            self.idle = []
