from __future__ import annotations

import pytest


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("sam", "sam@example.com", "pw-sales-123")


@pytest.fixture
def fast_retries(settings):
    settings.BIGIN_RETRY_BASE_SECONDS = 0.01
    settings.BIGIN_SEARCH_LAG_SECONDS = 0.2
