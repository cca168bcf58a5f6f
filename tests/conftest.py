"""Shared fixtures: the sandbox over real HTTP, users, and Playwright on Debian's Chromium."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.sandbox_control import SandboxControl

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
def sandbox(live_server, settings) -> SandboxControl:
    """The simulator, reset to its seeded state, and the app pointed at it."""
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
