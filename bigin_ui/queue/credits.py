"""Bigin API credits: one per ten records on insert/upsert, one per other call, counted over a
rolling 24 hours against BIGIN_DAILY_CREDITS."""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from bigin_ui.queue.models import Attempt


def write_cost(records: int) -> int:
    return max(1, math.ceil(records / 10))


def used_last_24h() -> int:
    since = timezone.now() - timedelta(hours=24)
    total = Attempt.objects.filter(started_at__gte=since).aggregate(total=Sum("credits"))["total"]
    return int(total or 0)


def allowance() -> int:
    return settings.BIGIN_DAILY_CREDITS


def remaining() -> int:
    return max(0, allowance() - used_last_24h())
