"""What every stage of a submission run shares: its context, leases, and settings lookups.

The lowest layer of the engine: claim, send, settle, recover and reconcile all import from
here and never from each other's callers, so there is no import cycle between them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings

from bigin_ui.bigin.client import BiginClient
from bigin_ui.queue.models import Row, SubmissionRun
from bigin_ui.queue.slots import SlotPool

LEVELS: tuple[tuple[str, ...], ...] = (
    ("Accounts", "Products"),
    ("Contacts",),
    ("Pipelines",),
    ("Tasks", "Events", "Calls"),
)
MODULE_ORDER = tuple(m for level in LEVELS for m in level)
NOT_CREATED = [s for s in Row.Status.values if s != Row.Status.CREATED]
# States in which a worker holds the row under a claim and a lease.
IN_FLIGHT = (Row.Status.SENDING, Row.Status.RECONCILING)


def lease_seconds() -> float:
    """How long a claim on rows outlives its holder's last sign of life: the longest one call
    can take (reading is bounded by the call deadline), plus the margin."""
    margin = settings.BIGIN_LEASE_MARGIN_SECONDS
    longest = max(settings.BIGIN_CONNECT_TIMEOUT + settings.BIGIN_READ_TIMEOUT,
                  settings.BIGIN_CALL_DEADLINE_SECONDS)
    return longest + margin


def stale_after() -> timedelta:
    """A running run whose heartbeat is older than this lost its worker."""
    return timedelta(seconds=lease_seconds() + settings.BIGIN_LEASE_MARGIN_SECONDS)


def trigger_for(run: SubmissionRun) -> list[str] | None:
    if run.trigger is not None:
        return list(run.trigger)
    return [] if settings.BIGIN_TRIGGER in {"none", "off", "[]"} else None


def entry_key_field(module: str) -> str | None:
    """The configured entry-key field for a module, if Bigin really has it."""
    from bigin_ui.metadata.schema import get_schema

    name = settings.BIGIN_ENTRY_KEYS.get(module)
    if not name:
        return None
    try:
        schema = get_schema(module)
    except LookupError:
        return None
    meta = schema.get(name)
    return name if meta is not None and meta.unique else None


class RunTally:
    """A run's counters (calls, credits, retries, rows sent/created/failed/unknown), added up
    in memory and written to the run now and then: with a batch's outcome at most once a
    second, with each heartbeat, and when the run ends. An UPDATE of the run per call was a
    sixth of a call's statements, and every call's settle queued on that one row.

    A worker killed between two writes loses at most a second of these display counters,
    never a row's state.
    """

    EVERY = 1.0  # seconds between writes with a batch's outcome

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.written = time.monotonic()

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, n in counts.items():
                if n:
                    self.counts[name] = self.counts.get(name, 0) + n

    def take(self, *, force: bool = True) -> dict[str, int]:
        """The counts not yet written (emptied); with ``force=False`` only once EVERY has
        passed since the last take."""
        with self.lock:
            now = time.monotonic()
            if not force and now - self.written < self.EVERY:
                return {}
            self.written = now
            counts, self.counts = self.counts, {}
            return counts

    def give_back(self, counts: dict[str, int]) -> None:
        """Counts whose write failed, to go with the next one."""
        self.add(**counts)


@dataclass
class RunContext:
    run: SubmissionRun
    client: BiginClient
    started_by: str
    stop_reason: str = ""
    # Set when Bigin refused the connection itself (credits used up, no token, no scope):
    # batches waiting for a call slot then give up instead of making the same call. A stop
    # for our own credit allowance leaves batches that already reserved credits to go out.
    refused: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    claims: set[str] = field(default_factory=set)
    slots: SlotPool = field(default_factory=lambda: SlotPool(lease=lease_seconds()))
    # A helper only claims and sends (queue/share.py); ``leaving`` makes it stop claiming
    # and finish what it holds, without stopping the run for the others.
    helper: bool = False
    leaving: bool = False
    next_queue_look: float = 0.0  # when a helper next looks for a queued run (queue/share.py)
    tally: RunTally = field(default_factory=RunTally)

    def stop(self, reason: str) -> None:
        with self.lock:
            if not self.stop_reason:
                self.stop_reason = reason

    @property
    def stopped(self) -> bool:
        return bool(self.stop_reason)


@dataclass
class Batch:
    module: str
    claim: str
    rows: list[Row]
