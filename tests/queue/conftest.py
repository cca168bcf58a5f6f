from __future__ import annotations

import pytest


@pytest.fixture
def staff(django_user_model):
    """A member of the sales group: the row actions need a role (queue/permissions.py)."""
    from django.contrib.auth.models import Group

    from bigin_ui.roles import SALES_GROUP

    user = django_user_model.objects.create_user("sam", "sam@example.com", "pw-sales-123")
    user.groups.add(Group.objects.get_or_create(name=SALES_GROUP)[0])
    return user


@pytest.fixture
def fast_retries(settings):
    settings.BIGIN_RETRY_BASE_SECONDS = 0.01
    settings.BIGIN_SEARCH_LAG_SECONDS = 0.2
