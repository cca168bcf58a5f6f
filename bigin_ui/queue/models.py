"""Pending rows, their submission runs, and the audit trail of every call and edit."""

from __future__ import annotations

import os
import socket
import uuid

from django.conf import settings
from django.db import models


def this_worker() -> str:
    """Which process made a call (host:pid): with several workers sharing a run, the audit
    trail says which one sent each batch."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


class SubmissionRun(models.Model):
    """One press of Submit (or one ``bigin_submit``): the rows it took and how it went."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        STOPPED = "stopped", "Stopped"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="submission_runs",
    )
    origin = models.CharField(max_length=40, default="web")  # web, command, review
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.JSONField(null=True, blank=True)  # None: the BIGIN_TRIGGER setting
    message = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    # Sharing the run between worker processes (queue/share.py): helpers join while it is
    # open and leave once the driver closes it to finish; any participant that has to stop
    # the run (credits, token, refusal) asks the others to stop through stop_requested.
    open_to_helpers = models.BooleanField(default=True)
    stop_requested = models.TextField(blank=True)
    # The part of the queue the run takes its rows from as it claims them, instead of marking
    # every row as the run's when it starts (an UPDATE of each row before the first call:
    # 5 s at 100,000 rows on PostgreSQL): {"owner": pk or None, "module": name or "",
    # "upto": the last row id when the run started}. None once every row of it is marked as
    # the run's (queue.feed.take_rest), or for a run of given rows, marked at once.
    feed = models.JSONField(null=True, blank=True)

    rows_total = models.PositiveIntegerField(default=0)
    rows_sent = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    rows_unknown = models.PositiveIntegerField(default=0)
    rows_waiting = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    credits = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Run {self.pk} ({self.status})"

    @property
    def active(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}


class Row(models.Model):
    """A record entered here, on its way to Bigin. ``payload`` is exactly Bigin's JSON for it,
    except that references to other queued rows read ``{"$row": <pk>}`` until sent."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        CREATED = "created", "Created"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Unknown outcome"
        RECONCILING = "reconciling", "Reconciling"
        NEEDS_REVIEW = "needs_review", "Needs review"
        DISCARDED = "discarded", "Discarded"

    class Hold(models.TextChoices):
        NONE = "", "None"
        INVALID = "invalid", "Invalid after a metadata change"
        DUPLICATE = "duplicate", "Possible duplicate"
        WAITING = "waiting", "Waiting for a related row"
        EXISTS = "exists", "Already exists in Bigin"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    module = models.CharField(max_length=40)
    # No index of its own: (owner, created_at, id) and the other owner indexes below start
    # with it, and every index is one more entry to write on each update of a row.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bigin_rows",
        db_index=False,
    )
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.PENDING)
    payload = models.JSONField(default=dict)
    # Rows this one refers to through {"$row": pk}; it is sent only after they are created.
    depends_on = models.ManyToManyField("self", symmetrical=False, related_name="dependents",
                                        blank=True)
    # Folded value of the module's unique field ("email:ann@example.com"), for duplicate checks.
    unique_key = models.CharField(max_length=300, blank=True)
    hold = models.CharField(max_length=10, choices=Hold.choices, default=Hold.NONE, blank=True)
    hold_reason = models.TextField(blank=True)

    bigin_id = models.CharField(max_length=40, blank=True)
    linked_existing = models.BooleanField(default=False)  # matched an existing Bigin record
    duplicate_ok = models.BooleanField(default=False)  # an admin said "send it anyway"
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    error_field = models.CharField(max_length=100, blank=True)
    error_details = models.JSONField(default=dict, blank=True)
    last_problem = models.TextField(blank=True)  # transient: why it went back to pending

    # No index of its own: row_run_status_module below starts with it.
    run = models.ForeignKey(
        SubmissionRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="rows",
        db_index=False,
    )
    claim = models.CharField(max_length=32, blank=True)
    # Every claim the row was taken under, oldest first, space-separated: its calls to Bigin
    # are the attempts made under these claims (history.row_calls). Appended by the claiming
    # UPDATE itself, so linking a row to its calls costs no statement of its own. Nullable
    # only so that adding it is an ALTER TABLE on SQLite: a rebuilt table loses the rows'
    # triggers (migration 0006) and takes minutes at a million rows.
    claims = models.TextField(null=True, blank=True)  # noqa: DJ001
    lease_until = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The lists read pages newest first along (…, created_at, id) indexes, one per filter
        # that can leave few rows, so a page never sorts or walks the whole table
        # (queue.listing; checked by EXPLAIN in tests/web/test_list_speed.py).
        # PostgreSQL writes a new entry in every index for each row an UPDATE changes (the
        # claim, the outcome, taking rows into a run), so an index that another one's prefix
        # already serves only costs writes: 0012 dropped three such.
        indexes = [
            # hold rides along so My rows counts held and sendable rows from the index alone.
            models.Index(fields=["owner", "status", "created_at", "id", "hold"],
                         name="row_owner_status_hold"),
            models.Index(fields=["owner", "created_at", "id"], name="row_owner_created"),
            models.Index(fields=["owner", "module", "created_at", "id"],
                         name="row_owner_module_created"),
            models.Index(fields=["status", "created_at", "id"], name="row_status_created"),
            models.Index(fields=["module", "created_at", "id"], name="row_module_created"),
            # A claim reads a run's pending rows of one module in id order (queue.claim): with
            # id in the index, PostgreSQL reads the first hundred and stops, where it sorted
            # every pending row of the run on each claim (105 ms a claim at 100,000 rows).
            # SQLite keeps rows in id order within any index already.
            models.Index(fields=["run", "status", "module", "id"], name="row_run_status_module"),
            models.Index(fields=["module", "unique_key"]),
            models.Index(fields=["claim"]),
            models.Index(fields=["created_at", "id"], name="row_created"),
            models.Index(fields=["error_code", "created_at", "id"], name="row_code_created"),
            models.Index(fields=["error_field", "created_at", "id"], name="row_field_created"),
            # The review's counts and cause groups read only this index (queue.review); a
            # cause's rows come out of it newest first.
            models.Index(fields=["status", "hold", "error_code", "error_field", "module",
                                 "created_at", "id"],
                         name="row_review_cause_created"),
            # A search also finds a row by its Bigin ID, looked up here (queue.listing).
            models.Index(fields=["bigin_id"], name="row_bigin_id"),
        ]

    def __str__(self) -> str:
        return f"{self.module} row {self.pk}"

    @property
    def needs_attention(self) -> bool:
        return self.status in {
            self.Status.FAILED, self.Status.UNKNOWN, self.Status.NEEDS_REVIEW
        } or bool(self.hold)


class Attempt(models.Model):
    """One call to Bigin made for rows: what was sent and what came back. Never deleted."""

    class Kind(models.TextChoices):
        INSERT = "insert", "Insert"
        UPSERT = "upsert", "Upsert"
        SEARCH = "search", "Search"

    run = models.ForeignKey(
        SubmissionRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    module = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    started_at = models.DateTimeField(db_index=True)
    duration_ms = models.PositiveIntegerField(default=0)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    request_body = models.JSONField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    outcome = models.CharField(max_length=30, blank=True)  # results, retry, ambiguous, ...
    started_by = models.CharField(max_length=150, blank=True)
    worker = models.CharField(max_length=100, blank=True, default=this_worker)
    credits = models.PositiveSmallIntegerField(default=0)
    # The claim the rows were held under, and their pks in the order of the request's
    # data[] (row_ids[i] was data[i]). Stored in the attempt's own INSERT, before the call:
    # a table of (attempt, row, index) links cost a statement per call.
    claim = models.CharField(max_length=32, blank=True, db_index=True)
    row_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]


class RunHelper(models.Model):
    """A worker process helping a run's driver send its rows (queue/share.py).

    The driver finishes the run only once every helper has left or stopped beating, and marks
    the task of a helper that died as lost, so nothing reads as running for ever.
    """

    run = models.ForeignKey(SubmissionRun, on_delete=models.CASCADE, related_name="helpers")
    task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=100, blank=True, default=this_worker)
    started_at = models.DateTimeField(auto_now_add=True)
    beat_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)


class RowEvent(models.Model):
    """The history of a row: entered, edited (old → new), status changes, held, discarded."""

    row = models.ForeignKey(Row, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    kind = models.CharField(max_length=30)
    message = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)
    run = models.ForeignKey(SubmissionRun, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["at", "id"]


class CallSlot(models.Model):
    """BIGIN_MAX_CONCURRENCY rows: a call to Bigin holds one, whatever process makes it."""

    number = models.PositiveSmallIntegerField(unique=True)
    holder = models.CharField(max_length=64, blank=True)
    until = models.DateTimeField(null=True, blank=True)
