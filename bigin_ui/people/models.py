from __future__ import annotations

from django.conf import settings
from django.db import models


class Profile(models.Model):
    """What a person chose on their profile page. An empty time zone means "the default":
    their Bigin user's zone, else the org's, else the server's TIME_ZONE (see services)."""

    class Separator(models.TextChoices):
        POINT = ".", "1,234.56 (decimal point)"
        COMMA = ",", "1.234,56 (decimal comma)"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="profile")
    time_zone = models.CharField(max_length=64, blank=True)
    decimal_separator = models.CharField(max_length=1, choices=Separator.choices,
                                         default=Separator.POINT)

    def __str__(self) -> str:
        return f"Profile of {self.user}"
