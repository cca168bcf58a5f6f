"""My rows follows a submission run as it goes, without reloading the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bigin_ui.queue.models import Row, SubmissionRun
from tests.factories import store_contacts_metadata

pytestmark = pytest.mark.browser


def test_the_table_follows_the_run_as_the_panel_counts(live_server, log_in, sales_login):
    store_contacts_metadata()
    # A run in the middle of its work, as the worker leaves it between two calls; this test
    # plays the worker's part so that it decides when each row settles.
    run = SubmissionRun.objects.create(created_by=sales_login, status="running", rows_total=2)
    first, second = (
        Row.objects.create(module="Contacts", owner=sales_login, run=run, status="sending",
                           payload={"Last_Name": name, "Email": f"{name.lower()}@example.com"})
        for name in ("Early", "Later")
    )
    page = log_in(sales_login)
    page.goto(f"{live_server.url}/records/?run={run.pk}")
    table = page.get_by_test_id("rows-table")
    status_of = {row.pk: table.locator(f"tr[data-row-id='{row.pk}'] [data-status]")
                 for row in (first, second)}
    expect(status_of[first.pk]).to_have_text("Sending")
    page.evaluate("window.stillTheSamePage = true")

    Row.objects.filter(pk=first.pk).update(status="created", bigin_id="2034020000000700001")
    SubmissionRun.objects.filter(pk=run.pk).update(rows_sent=1, rows_created=1)
    expect(status_of[first.pk]).to_have_text("Created", timeout=5000)
    expect(table.locator(f"tr[data-row-id='{first.pk}']").get_by_test_id("bigin-link")
           ).to_contain_text("2034020000000700001")
    expect(page.get_by_test_id("run-progress")).to_contain_text("created 1")
    # Redrawn in place while the run still goes: no reload happened.
    expect(status_of[second.pk]).to_have_text("Sending")
    assert page.get_by_test_id("run-progress").get_attribute("data-run-status") == "running"
    assert page.evaluate("window.stillTheSamePage") is True

    Row.objects.filter(pk=second.pk).update(status="failed", error_code="INVALID_DATA",
                                            error_message="invalid data", error_field="Email")
    SubmissionRun.objects.filter(pk=run.pk).update(status="finished", rows_sent=2,
                                                   rows_failed=1)
    expect(status_of[second.pk]).to_have_text("Failed", timeout=5000)
    expect(page.get_by_test_id("run-progress")).to_have_attribute("data-run-status",
                                                                  "finished")
    expect(page.get_by_test_id("run-report")).to_contain_text("Of 2 rows: 1 created, 1 failed.")
