"""Bigin API credits: one per ten records on insert/upsert, one per other call, counted over a
rolling 24 hours against BIGIN_DAILY_CREDITS."""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db import connections, router
from django.utils import timezone

from bigin_ui.queue.models import Attempt


def write_cost(records: int) -> int:
    return max(1, math.ceil(records / 10))


def used_last_24h() -> int:
    since = timezone.now() - timedelta(hours=24)
    # The statement the ORM's aggregate() wrote, written once: every page's navigation shows
    # the figure, and building it through aggregate() cost a page 0.3 ms, several times the
    # statement itself.
    connection = connections[router.db_for_read(Attempt)]
    quote = connection.ops.quote_name
    meta = Attempt._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT SUM({quote(meta.get_field('credits').column)}) FROM {quote(meta.db_table)} "
            f"WHERE {quote(meta.get_field('started_at').column)} >= %s",
            [connection.ops.adapt_datetimefield_value(since)])
        (total,) = cursor.fetchone()
    return int(total or 0)


def allowance() -> int:
    return settings.BIGIN_DAILY_CREDITS


def remaining() -> int:
    return max(0, allowance() - used_last_24h())


def frees_up_text() -> str:
    """When Bigin's rolling 24-hour credit window starts to free up, in words.

    Bigin does not say; what this app knows is when its own oldest call in the window was
    made. Other apps on the same org use credits too, so this is the earliest possible time.
    """
    since = timezone.now() - timedelta(hours=24)
    oldest = (Attempt.objects.filter(started_at__gte=since, credits__gt=0)
              .order_by("started_at").values_list("started_at", flat=True).first())
    if oldest is None:
        return ("Bigin counts credits over a rolling 24 hours; they free up as calls made in "
                "the last 24 hours age out (other apps on the org may have used them).")
    frees = (oldest + timedelta(hours=24)).strftime("%Y-%m-%d %H:%M UTC")
    return (f"Bigin counts credits over a rolling 24 hours: the first of this app's calls "
            f"ages out at {frees}, when credits start to free up (other apps on the org may "
            "use them too).")
