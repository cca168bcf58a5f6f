"""A cap on calls in flight to Bigin shared by every process (BIGIN_MAX_CONCURRENCY).

Each call leases one of N slot rows with a conditional UPDATE; the lease expires on its own if
the process holding it dies, so a killed worker cannot shrink the pool for good.
"""

from __future__ import annotations

import random
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


@contextmanager
def call_slot(*, lease: float, wait: float = 600.0) -> Iterator[int]:
    """Hold one slot for the duration of a call; waits (with jitter) while all are taken."""
    holder = uuid.uuid4().hex
    deadline = time.monotonic() + wait
    delay = 0.005
    while True:
        number = try_acquire(holder, lease)
        if number is not None:
            break
        if time.monotonic() > deadline:
            raise TimeoutError("No free slot for a Bigin call")
        time.sleep(delay + random.random() * delay)  # noqa: S311
        delay = min(delay * 2, 0.1)
    try:
        yield number
    finally:
        release(number, holder)
