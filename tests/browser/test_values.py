"""Issue 12 in Chromium: what a person enters is what reaches Bigin, also after reopening."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from bigin_ui.queue.models import Row

pytestmark = pytest.mark.browser

PATRICIA = "2034020000000472114"  # an active user of the sandbox org
CONTACT = "2034020000000489034"  # a seeded contact


def test_an_event_with_participants_is_reopened_and_saved_unchanged(synced, live_server,
                                                                    log_in, sales_login):
    page = log_in(sales_login)
    page.goto(f"{live_server.url}/records/Events/new/")
    page.fill("[name=Event_Title]", "Kick-off")
    page.fill("[name=Start_DateTime]", "2026-12-07T10:00")
    page.fill("[name=End_DateTime]", "2026-12-07T11:00")
    page.check(f"[name=Participants_users][value='{PATRICIA}']")
    page.fill("[name=Participants_contacts]", CONTACT)
    page.fill("[name=Participants_emails]", "guest@example.com")
    page.get_by_role("button", name="Save as pending").click()
    expect(page.locator("[data-testid=rows-table]")).to_contain_text("Kick-off")
    row = Row.objects.get(module="Events")
    saved = json.dumps(row.payload["Participants"])
    assert row.payload["Participants"] == [
        {"type": "user", "participant": PATRICIA},
        {"type": "contact", "participant": CONTACT},
        {"type": "email", "participant": "guest@example.com"},
    ]

    page.goto(f"{live_server.url}/rows/{row.pk}/")
    expect(page.locator(f"[name=Participants_users][value='{PATRICIA}']")).to_be_checked()
    expect(page.locator("[name=Participants_contacts]")).to_have_value(CONTACT)
    expect(page.locator("[name=Participants_emails]")).to_have_value("guest@example.com")
    page.get_by_role("button", name="Save only").click()
    expect(page.get_by_text("Saved; the row is pending again.")).to_be_visible()
    row.refresh_from_db()
    assert json.dumps(row.payload["Participants"]) == saved
