"""The credits used in the last 24 hours: Bigin's rolling window, summed from the attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from bigin_ui.queue import credits
from bigin_ui.queue.models import Attempt

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_only_the_last_24_hours_count(staff):
    now = timezone.now()
    assert credits.used_last_24h() == 0
    for hours, spent in ((0, 3), (23.9, 5), (24.1, 7), (100, 11)):
        Attempt.objects.create(module="Contacts", kind="insert", credits=spent,
                               started_at=now - timedelta(hours=hours), request_body={})
    assert credits.used_last_24h() == 8
    # The oracle: the same sum through the ORM.
    since = timezone.now() - timedelta(hours=24)
    assert credits.used_last_24h() == Attempt.objects.filter(
        started_at__gte=since).aggregate(total=Sum("credits"))["total"]
    assert credits.remaining() == credits.allowance() - 8
