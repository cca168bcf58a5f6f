"""A cap on calls in flight to Bigin shared by every process (BIGIN_MAX_CONCURRENCY).

Each call leases one of N slot rows with a conditional UPDATE; the lease expires on its own if
the process holding it dies, so a killed worker cannot shrink the pool for good.
"""

from __future__ import annotations

import queue
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bigin_ui.queue.models import CallSlot


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
    """

    def __init__(self, *, lease: float) -> None:
        self.lease = lease
        self.holder = uuid.uuid4().hex
        self.free: queue.SimpleQueue[int] = queue.SimpleQueue()
        self.held: list[int] = []
        self.lock = threading.Lock()

    @contextmanager
    def slot(self, *, wait: float = 600.0) -> Iterator[int]:
        number = self._take(wait)
        try:
            yield number
        finally:
            self.free.put(number)

    def _take(self, wait: float) -> int:
        deadline = time.monotonic() + wait
        delay = 0.002
        while True:
            try:
                return self.free.get_nowait()
            except queue.Empty:
                pass
            with self.lock:
                if len(self.held) < settings.BIGIN_MAX_CONCURRENCY:
                    number = try_acquire(self.holder, self.lease)
                    if number is not None:
                        self.held.append(number)
                        return number
            try:
                # Wait for a sibling to hand one back, then look at the database again.
                return self.free.get(timeout=delay + random.random() * delay)  # noqa: S311
            except queue.Empty:
                delay = min(delay * 2, 0.05)
            if time.monotonic() > deadline:
                raise NoFreeSlot("No free slot for a Bigin call")

    def renew(self) -> None:
        if self.held:
            CallSlot.objects.filter(holder=self.holder).update(
                until=timezone.now() + timedelta(seconds=self.lease)
            )

    def close(self) -> None:
        with self.lock:
            if self.held:
                CallSlot.objects.filter(holder=self.holder).update(holder="", until=None)
            self.held = []
        while True:
            try:
                self.free.get_nowait()
            except queue.Empty:
                break
