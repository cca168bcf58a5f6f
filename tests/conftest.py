"""Shared fixtures: the sandbox over real HTTP, users in their roles, and Playwright on
Debian's Chromium."""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses sync ORM calls
# from such a thread unless told that this is intended.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests that talk to the sandbox touch both databases from server threads, so they need
    # real transactions on every alias.
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if ("sandbox" in fixtures or "live_server" in fixtures) and not item.get_closest_marker(
            "django_db"
        ):
            item.add_marker(pytest.mark.django_db(transaction=True, databases="__all__"))


@pytest.fixture
def sandbox(live_server, settings):
    """The simulator, reset to its seeded state, and the app pointed at it."""
    from tests.sandbox_control import SandboxControl

    base = live_server.url + "/sandbox"
    settings.BIGIN_SANDBOX_URL = base
    control = SandboxControl(base)
    control.reset()
    return control


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def client_for(settings):
    """A Bigin client for the sandbox (or any config), with the app's token store."""
    from bigin_ui.connection.services import build_client, sandbox_config

    def make(config=None, **kwargs):
        return build_client(config=config or sandbox_config(), **kwargs)

    return make


@pytest.fixture
def synced(sandbox, client_for):
    """The sandbox's metadata synced into the app, as `manage.py bigin_sync` does."""
    from bigin_ui.metadata.services import sync_metadata

    report = sync_metadata(client=client_for())
    assert report.ok, report
    return sandbox


@pytest.fixture
def sales_user(django_user_model):
    from django.contrib.auth.models import Group

    from bigin_ui.roles import SALES_GROUP

    user = django_user_model.objects.create_user("sam", "sam@example.com", "pw-sales-123")
    user.groups.add(Group.objects.get_or_create(name=SALES_GROUP)[0])
    return user


@pytest.fixture
def admin_user(django_user_model):
    from django.contrib.auth.models import Group

    from bigin_ui.roles import ADMIN_GROUP

    user = django_user_model.objects.create_user("ada", "admin@example.com", "pw-admin-123")
    user.groups.add(Group.objects.get_or_create(name=ADMIN_GROUP)[0])
    return user


@pytest.fixture
def sales_client(client, sales_user):
    client.force_login(sales_user)
    return client


@pytest.fixture
def admin_client(admin_user):
    """A logged-in member of the admins' group (not pytest-django's superuser)."""
    from django.test import Client

    client = Client()
    client.force_login(admin_user)
    return client
