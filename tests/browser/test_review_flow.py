"""Issue 5 in real Chromium: an admin finds failures on /review/, fixes one row in its form,
and fixes a whole group at once; every fixed row ends up created in the sandbox."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bigin_ui.queue.models import Row
from bigin_ui.queue.rows import create_row
from bigin_ui.queue.runs import start_run
from tests.browser.screens import snap

pytestmark = pytest.mark.browser

# No such company in the sandbox: the app's rules pass, Bigin answers INVALID_DATA on the field.
MISSING_ACCOUNT = "2034020000009999999"


def failing_contact(owner, last_name, email):
    return create_row(module="Contacts", owner=owner, payload={
        "First_Name": "Ana", "Last_Name": last_name, "Email": email,
        "Account_Name": {"id": MISSING_ACCOUNT}})


def other_failures(owner):
    """Rows Bigin rejects for other reasons, so the review has more than one cause."""
    create_row(module="Contacts", owner=owner,
               payload={"Last_Name": "Longname", "First_Name": "F" * 41})
    create_row(module="Accounts", owner=owner,
               payload={"Account_Name": "Zylker", "Phone": "<not a phone>"})


def test_an_admin_fixes_a_failed_row_in_its_form(synced, live_server, log_in, admin_login,
                                                 sales_login):
    account = synced.records("Accounts")[0]
    row = failing_contact(sales_login, "Fixme", "fixme@example.com")
    other_failures(sales_login)
    start_run(user=sales_login, owner=sales_login)
    assert Row.objects.filter(status=Row.Status.FAILED).count() == 3

    page = log_in(admin_login)
    page.get_by_role("link", name="Review").click()
    expect(page.get_by_test_id("review-total")).to_have_text("3")
    expect(page.get_by_test_id("cause-groups")).to_contain_text(
        "1 row: INVALID_DATA on Company Name (Contacts · Account_Name)")
    snap(page, "review")

    page.select_option("#id_module", "Contacts")
    page.fill("#id_field", "Account_Name")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("review-total")).to_have_text("1")
    table = page.get_by_test_id("review-table")
    expect(table.locator("tbody tr")).to_have_count(1)
    table.get_by_role("link", name="Ana Fixme").click()

    # The company box (a lookup by name) says it is invalid, with Bigin's error under it.
    field = page.locator(".field-account_name [data-lookup-search]")
    expect(field).to_have_attribute("aria-invalid", "true")
    error = page.locator(".field-account_name .invalid-feedback")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Bigin: INVALID_DATA")
    expect(page.get_by_test_id("bigin-error")).to_contain_text("on Company Name")
    snap(page, "row")

    # The admin picks the right company by its name, as a person does.
    field.fill(account["Account_Name"][:6])
    page.locator(".field-account_name .lookup-box [data-value]",
                 has_text=account["Account_Name"]).first.click()
    expect(page.locator("[name=Account_Name]")).to_have_value(account["id"])
    page.get_by_role("button", name="Save and resubmit").click()
    expect(page.locator("[data-status]").first).to_have_text("Created", timeout=15000)
    expect(page.get_by_test_id("bigin-id")).to_have_text(re.compile(r"Bigin ID \d{19}"))
    row.refresh_from_db()
    assert row.status == Row.Status.CREATED
    assert row.payload["Account_Name"] == {"id": account["id"]}
    assert row.bigin_id in {r["id"] for r in synced.records("Contacts")}


def test_an_admin_fixes_a_group_with_one_value(synced, live_server, log_in, admin_login,
                                               sales_login):
    account = synced.records("Accounts")[0]["id"]
    group = [failing_contact(sales_login, f"Group{i}", f"group{i}@example.com")
             for i in range(4)]
    other_failures(sales_login)
    start_run(user=sales_login, owner=sales_login)

    page = log_in(admin_login)
    page.goto(f"{live_server.url}/review/")
    page.get_by_test_id("cause-groups").get_by_role(
        "link", name=re.compile("4 rows: INVALID_DATA on Company Name")).click()
    expect(page.get_by_test_id("review-total")).to_have_text("4")
    page.select_option("#bulk-action", "set_field")
    expect(page.locator("#bulk-field")).to_have_value("Account_Name")
    page.fill("#bulk-value", account)
    page.get_by_role("button", name="Apply to the whole group (4)").click()

    done = page.get_by_role("alert").filter(has_text="Set Company Name on 4 row(s)")
    expect(done).to_be_visible()
    # Back on the group's page: the group is gone, the two other causes remain.
    expect(page.get_by_test_id("review-total")).to_have_text("0")
    groups = page.get_by_test_id("cause-groups")
    expect(groups.locator("li")).to_have_count(2)
    expect(groups).not_to_contain_text("Account_Name")
    for row in group:
        row.refresh_from_db()
        assert (row.status, row.payload["Account_Name"]) == (Row.Status.CREATED,
                                                             {"id": account})
    created = {r["id"] for r in synced.records("Contacts")}
    assert {row.bigin_id for row in group} <= created
