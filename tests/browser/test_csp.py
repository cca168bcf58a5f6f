"""The main pages work under the Content-Security-Policy: no violation is reported.

Violations are collected by a listener installed before any page script runs (Playwright's
init scripts are not subject to the page's policy), and from the console.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bigin_ui.queue.rows import create_row

pytestmark = pytest.mark.browser

RECORD = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def test_main_pages_run_under_the_policy_without_violations(synced, live_server, log_in,
                                                             admin_login, page):
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD)
    row = create_row(module="Contacts", owner=admin_login, payload={"Last_Name": "Policy"})
    log_in(admin_login)

    def check(path: str) -> None:
        if path:
            page.goto(f"{live_server.url}{path}")
        assert page.evaluate("window.__violations") == [], path
        assert not [m for m in console if "Content Security Policy" in m], path

    check("")
    page.goto(f"{live_server.url}/records/Contacts/new/")
    # Scripts still work: typing in a lookup's search box fetches and shows results
    # (static/js/lookup.js).
    search = page.locator(".field-account_name [data-lookup-search]")
    search.fill("Zy")
    expect(page.locator(".field-account_name .lookup-box [role=option]").first).to_be_visible()
    check("")
    for path in ("/records/Events/new/", f"/rows/{row.pk}/", "/review/",
                 "/settings/connection/", "/sandbox/"):
        check(path)
    # Submitting polls the run panel with htmx and reloads the page from app.js at the end.
    page.goto(f"{live_server.url}/records/")
    page.get_by_test_id("submit-button").click()
    expect(page.locator("[data-status=created]").first).to_be_visible(timeout=15000)
    check("")
