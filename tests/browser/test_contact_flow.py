"""The walking skeleton in real Chromium: enter a Contact, submit, see its Bigin ID."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bigin_ui.queue.models import Row
from tests.browser.screens import snap

pytestmark = pytest.mark.browser


def test_enter_a_contact_submit_it_and_see_the_bigin_id(synced, live_server, log_in,
                                                         sales_login):
    page = log_in(sales_login)
    page.get_by_role("link", name="Contact", exact=True).click()
    expect(page.get_by_role("heading", name="New Contact")).to_be_visible()
    page.fill("[name=First_Name]", "Brenda")
    page.fill("[name=Last_Name]", "Browserton")
    page.fill("[name=Email]", "brenda.browserton@example.com")
    snap(page, "new-contact")
    page.get_by_role("button", name="Save as pending").click()

    row = page.locator("[data-testid=rows-table] tbody tr").first
    expect(row).to_contain_text("Browserton")
    expect(row.locator("[data-status]")).to_have_text("Pending")

    page.get_by_test_id("submit-button").click()
    expect(page.get_by_test_id("run-progress")).to_be_visible()
    link = row.get_by_test_id("bigin-link")
    expect(link).to_have_text(re.compile(r"^\d{19} \(open this contact in Bigin"), timeout=15000)
    expect(row.locator("[data-status]")).to_have_text("Created")
    # The whole page catches up with the outcome, not only the run panel.
    expect(page.get_by_test_id("submit-button")).to_be_disabled()
    expect(page.get_by_test_id("submit-button")).to_contain_text("Submit 0 pending rows")
    snap(page, "my-rows")

    stored = Row.objects.get(payload__Last_Name="Browserton")
    assert stored.status == Row.Status.CREATED
    assert stored.bigin_id in {r["id"] for r in synced.records("Contacts")}
    # The Bigin ID opens the record where it lives (the sandbox's record page here).
    with page.context.expect_page() as opened:
        link.click()
    record = opened.value
    expect(record.get_by_test_id("sandbox-record-id")).to_have_text(stored.bigin_id)
    expect(record.get_by_test_id("sandbox-record-name")).to_have_text("Brenda Browserton")


def test_a_bad_value_is_shown_on_its_field_and_nothing_is_lost(synced, live_server, log_in,
                                                                sales_login):
    page = log_in(sales_login)
    page.goto(f"{live_server.url}/records/Contacts/new/")
    page.fill("[name=First_Name]", "Keep")
    page.fill("[name=Last_Name]", "Me")
    page.fill("[name=Email]", "not-an-email")
    page.get_by_role("button", name="Save as pending").click()
    email = page.locator("[name=Email]")
    expect(email).to_have_class(re.compile("is-invalid"))
    expect(page.locator("[name=First_Name]")).to_have_value("Keep")
    assert Row.objects.count() == 0
