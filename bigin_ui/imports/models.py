"""Spreadsheet imports: the file, how its columns map to fields, and what became of each line."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Import(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"  # mapped and given options, not read yet
        VALIDATING = "validating", "Checking"
        CHECKED = "checked", "Checked"  # the preview; nothing queued
        QUEUEING = "queueing", "Queueing"
        QUEUED = "queued", "Queued"
        UNREADABLE = "unreadable", "File unreadable"
        DISCARDED = "discarded", "Discarded"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="imports_made")
    # Whose rows they become: the importer, or someone an admin imports for.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="imports_owned")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    origin = models.CharField(max_length=10, default="web")  # web, command, bench
    module = models.CharField(max_length=40)
    file_name = models.CharField(max_length=255)
    file_path = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(default=0)
    sheet = models.CharField(max_length=100, blank=True)
    headers = models.JSONField(default=list)
    # Column position (as text) → field API name; a column left out is ignored.
    mapping = models.JSONField(default=dict)
    options = models.JSONField(default=dict)  # time_zone, decimal, new_picklist_values
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    message = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    lines_total = models.PositiveIntegerField(default=0)
    lines_done = models.PositiveIntegerField(default=0)  # progress of the current phase
    lines_good = models.PositiveIntegerField(default=0)
    lines_bad = models.PositiveIntegerField(default=0)
    rows_queued = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.file_name}"

    @property
    def active(self) -> bool:
        return self.status in {self.Status.VALIDATING, self.Status.QUEUEING}


class ImportLine(models.Model):
    """One line of the file: its cells as read, the row it would become, or its problems."""

    batch = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="lines")
    number = models.PositiveIntegerField()  # as the spreadsheet shows it; header = 1
    cells = models.JSONField(default=list)  # the cells as text, for the rejected-lines file
    payload = models.JSONField(null=True, blank=True)
    # Column header (or "" for the line as a whole) → messages.
    problems = models.JSONField(default=dict, blank=True)
    ok = models.BooleanField(default=False)
    row = models.OneToOneField("queue.Row", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="import_line")

    class Meta:
        ordering = ["number"]
        indexes = [models.Index(fields=["batch", "ok", "number"])]


class SavedMapping(models.Model):
    """A person's column → field mapping for a module, offered on their next import."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    module = models.CharField(max_length=40)
    columns = models.JSONField(default=dict)  # folded header → field API name ("" = ignore)
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "module"],
                                               name="one_mapping_per_user_module")]
