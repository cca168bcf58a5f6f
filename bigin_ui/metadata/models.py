from __future__ import annotations

from django.db import models


class ModuleMetadata(models.Model):
    """The last synced copy of one module's fields, layouts and tags, as Bigin sent them."""

    module = models.CharField(max_length=60, unique=True)
    fields = models.JSONField(default=list)
    layouts = models.JSONField(default=list)
    tags = models.JSONField(default=list)
    synced_at = models.DateTimeField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.module


class BiginUser(models.Model):
    """A user of the Bigin org, offered as record owner and event participant."""

    bigin_id = models.CharField(max_length=40, unique=True)
    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=30, blank=True)
    profile = models.CharField(max_length=100, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def active(self) -> bool:
        return self.status in {"", "active"}


class MetadataChange(models.Model):
    """What one sync changed in one module, and how many pending rows it invalidated."""

    module = models.CharField(max_length=60)
    synced_at = models.DateTimeField(auto_now_add=True)
    changes = models.JSONField(default=list)
    invalidated_rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-synced_at"]


class BiginOrg(models.Model):
    """The connected org (one row), for links into Bigin's web UI and the org's time zone."""

    zgid = models.CharField(max_length=40, blank=True)
    org_id = models.CharField(max_length=40, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    synced_at = models.DateTimeField(auto_now=True)


class RecordName(models.Model):
    """The name of a Bigin record as last seen in a search, so a lookup shows "Zylker Corp"
    rather than its ID when a row is reopened (the payload itself carries only IDs)."""

    module = models.CharField(max_length=60)
    bigin_id = models.CharField(max_length=40)
    name = models.CharField(max_length=300)
    seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["module", "bigin_id"],
                                               name="record_name_module_id")]
        indexes = [models.Index(fields=["bigin_id"], name="record_name_id")]
