"""The simulator's state. Every model lives in app label "sandbox", routed to its own database."""

from __future__ import annotations

from django.db import models


class State(models.Model):
    """The one row of settings that every request reads: knobs, token generation, versions."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    knobs = models.JSONField(default=dict)
    # Access tokens carry the generation they were issued in; bumping it invalidates them all.
    token_generation = models.PositiveIntegerField(default=0)
    # Changes on every metadata edit and reset; processes cache metadata under this key.
    metadata_version = models.CharField(max_length=32, default="")
    updated_at = models.DateTimeField(auto_now=True)


class Sequence(models.Model):
    """Monotonic id source shared by all processes (record, tag and field ids)."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField()


class Counter(models.Model):
    """A stats counter, incremented with F() so concurrent requests never lose a count."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)


class Record(models.Model):
    record_id = models.CharField(max_length=19, primary_key=True)
    module = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    owner_id = models.CharField(max_length=19)
    created_by_id = models.CharField(max_length=19)
    modified_by_id = models.CharField(max_length=19)
    created_at = models.DateTimeField()
    modified_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["module", "created_at"])]


class UniqueValue(models.Model):
    """One row per unique field value; the database constraint is what makes duplicates
    impossible under concurrent inserts, not a check-then-insert."""

    module = models.CharField(max_length=40)
    field = models.CharField(max_length=100)
    value = models.CharField(max_length=512)
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="unique_values")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["module", "field", "value"], name="sandbox_unique_value"
            )
        ]


class Tag(models.Model):
    tag_id = models.CharField(max_length=19, primary_key=True)
    module = models.CharField(max_length=40)
    name = models.CharField(max_length=100)
    folded = models.CharField(max_length=100)
    color_code = models.CharField(max_length=7)
    created_by_id = models.CharField(max_length=19)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["module", "folded"], name="sandbox_tag_name")
        ]


class RefreshToken(models.Model):
    token = models.CharField(max_length=120, unique=True)
    client_id = models.CharField(max_length=120)
    scope = models.TextField()
    user_id = models.CharField(max_length=19)
    revoked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)


class GrantCode(models.Model):
    code = models.CharField(max_length=120, unique=True)
    client_id = models.CharField(max_length=120)
    scope = models.TextField()
    user_id = models.CharField(max_length=19)
    expires_at = models.DateTimeField()
    used = models.BooleanField(default=False)


class TokenIssue(models.Model):
    """One row per access token issued from a refresh token: the throttle's sliding window."""

    refresh_token = models.CharField(max_length=120)
    issued_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["refresh_token", "issued_at"])]


class FieldChange(models.Model):
    """A runtime edit of a module's metadata (add/update/remove), replayed over the catalog."""

    module = models.CharField(max_length=40)
    op = models.CharField(max_length=10)
    api_name = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
