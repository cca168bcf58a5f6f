from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from bigin_ui.roles import ADMIN_GROUP, SALES_GROUP

PASSWORD = "browser-pass-123"


@pytest.fixture
def sales_login(django_user_model):
    user = django_user_model.objects.create_user("sally", "sally@example.com", PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=SALES_GROUP)[0])
    return user


@pytest.fixture
def admin_login(django_user_model):
    user = django_user_model.objects.create_user("adam", "adam@example.com", PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=ADMIN_GROUP)[0])
    return user


@pytest.fixture
def log_in(page, live_server):
    def do(user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        # Admins land on Review, everyone else on My rows.
        page.wait_for_url(re.compile(rf"^{re.escape(live_server.url)}/(records|review)/"))
        return page

    return do


@pytest.fixture(autouse=True)
def entry_keys_as_in_runapp(settings):
    """`make run` fills the sandbox's Entry_Key fields itself (hidden from the forms); the
    browser tests see the app the same way, and so do the screenshots made from them."""
    from bigin_ui.metadata.schema import MODULES

    settings.BIGIN_ENTRY_KEYS = dict.fromkeys(MODULES, "Entry_Key")
