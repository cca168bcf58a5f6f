"""axe-core on every page, in Chromium: no serious or critical accessibility violations."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from bigin_ui.metadata.schema import MODULES
from bigin_ui.queue.models import Row
from bigin_ui.queue.rows import create_row
from bigin_ui.queue.runs import start_run
from tests.browser.screens import snap

pytestmark = pytest.mark.browser

AXE = Axe()


def serious_violations(page) -> list[str]:
    results = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def check(page, url: str, problems: dict[str, list[str]]) -> None:
    page.goto(url)
    expect(page.locator("main")).to_be_visible()
    found = serious_violations(page)
    if found:
        problems[url] = found


def failed_row(owner) -> Row:
    row = create_row(module="Contacts", owner=owner,
                     payload={"Last_Name": "Failing", "Email": "failing@example.com"})
    Row.objects.filter(pk=row.pk).update(status=Row.Status.FAILED, error_code="INVALID_DATA",
                                         error_field="Email", error_message="invalid data")
    return row


def some_rows(owner) -> tuple[Row, Row]:
    row = failed_row(owner)
    created = create_row(module="Accounts", owner=owner, payload={"Account_Name": "Zylker"})
    Row.objects.filter(pk=created.pk).update(status=Row.Status.CREATED,
                                             bigin_id="2034020000000700001")
    return row, created


# Three tests rather than one, so that each stays well under a minute on a loaded machine.


def test_the_login_page_and_every_entry_form_pass_axe(synced, live_server, page, log_in,
                                                      sales_login):
    problems: dict[str, list[str]] = {}
    check(page, f"{live_server.url}/accounts/login/", problems)
    log_in(sales_login)
    for module in MODULES:
        check(page, f"{live_server.url}/records/{module}/new/", problems)
    # A failed save: the form with its errors and their summary.
    page.goto(f"{live_server.url}/records/Contacts/new/")
    page.fill("[name=Email]", "not-an-email")
    page.get_by_role("button", name="Save as pending").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    if found := serious_violations(page):
        problems["failed save"] = found
    assert problems == {}


def test_a_sales_persons_pages_pass_axe(synced, live_server, page, log_in, sales_login):
    problems: dict[str, list[str]] = {}
    row, _created = some_rows(sales_login)
    log_in(sales_login)
    check(page, f"{live_server.url}/records/", problems)
    check(page, f"{live_server.url}/rows/{row.pk}/", problems)
    check(page, f"{live_server.url}/profile/", problems)
    snap(page, "profile")
    run = start_run(user=sales_login, owner=sales_login)
    check(page, f"{live_server.url}/runs/{run.pk}/", problems)
    check(page, f"{live_server.url}/records/?run={run.pk}", problems)
    assert problems == {}


def test_an_admins_pages_pass_axe(synced, live_server, page, log_in, sales_login, admin_login):
    problems: dict[str, list[str]] = {}
    row, _created = some_rows(sales_login)
    log_in(admin_login)
    shots = {"/rows/": "all-rows", "/imports/new/": "import-upload", "/sandbox/": "sandbox"}
    for path in ("/review/", "/rows/", "/settings/connection/", "/imports/new/",
                 f"/rows/{row.pk}/", "/sandbox/"):
        check(page, f"{live_server.url}{path}", problems)
        if path in shots:
            snap(page, shots[path])
    assert problems == {}


def test_after_a_failed_save_the_summary_has_the_focus_and_leads_to_the_field(
        synced, live_server, log_in, sales_login):
    page = log_in(sales_login)
    page.goto(f"{live_server.url}/records/Contacts/new/")
    page.fill("[name=First_Name]", "Sarah")
    page.fill("[name=Email]", "not-an-email")
    page.get_by_role("button", name="Save as pending").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Not saved")
    summary.get_by_role("link", name=re.compile(r"^Email: ")).click()
    expect(page.locator("[name=Email]")).to_be_focused()
    expect(page.locator("[name=Email]")).to_have_value("not-an-email")
