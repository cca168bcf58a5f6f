"""A spreadsheet import in real Chromium: upload an XLSX, change a mapping, see a cell error in
the preview, download the rejected lines, confirm, watch the progress, find the rows."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from playwright.sync_api import expect

from bigin_ui.imports.models import Import
from bigin_ui.imports.services import check_import, queue_import
from bigin_ui.people.services import person_zone
from bigin_ui.queue.models import Row
from tests.browser.screens import snap

pytestmark = pytest.mark.browser


def trade_fair_book(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Fair 2026"
    sheet.append(["Last Name", "First Name", "E-mail", "Email Opt Out", "Customer Since",
                  "Lifetime Value", "Notes", "Badge colour"])
    sheet.append(["Okafor", "Chidi", "chidi@fair.example", False, dt.datetime(2024, 5, 17),
                  1250.5, "Stand 12", "blue"])
    sheet.append(["Moreau", "Léa", "lea@fair.example", "maybe", dt.datetime(2023, 1, 9),
                  "2.500,00", "Wants a call", "red"])
    sheet.append(["Tanaka", "Yui", "yui@fair.example", True, None, 300, "", "blue"])
    for row in (2, 3, 4):
        sheet.cell(row=row, column=5).number_format = "dd/mm/yyyy"
    book.save(path)


@pytest.fixture
def tasks_wait(settings):
    """Background work waits (as it would for db_worker) so the page shows its progress; the
    test plays the worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_import_a_workbook_from_upload_to_my_rows(synced, live_server, log_in, sales_login,
                                                  tasks_wait, tmp_path, settings):
    settings.BIGIN_IMPORT_DIR = tmp_path / "uploads"
    path = tmp_path / "trade-fair.xlsx"
    trade_fair_book(path)
    page = log_in(sales_login)
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import a spreadsheet")).to_be_visible()
    page.get_by_label("Module").select_option("Contacts")
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page.get_by_test_id("unmapped-notice")).to_contain_text("Notes, Badge colour")
    expect(page.get_by_label("E-mail")).to_have_value("Email")  # matched by label
    page.get_by_label("Notes").select_option("Description")  # a mapping changed by hand
    # The default zone is the one the person's entry form uses (here the org's), shown.
    own = person_zone(sales_login).zone.key
    expect(page.get_by_label("Time zone for date/times without an offset")).to_have_value(own)
    expect(page.get_by_text(f"Your own zone is {own}")).to_be_visible()
    snap(page, "import-mapping")
    page.get_by_role("button", name="Check every line").click()

    progress = page.get_by_test_id("import-progress")
    expect(progress).to_have_attribute("data-import-status", "validating")
    check_import(import_id=Import.objects.get().pk)  # the worker's turn
    # The panel polls; when the check is done the page shows the preview by itself.
    preview = page.get_by_test_id("import-preview")
    expect(preview).to_be_visible(timeout=15000)
    bad = preview.locator("tr[data-line='3']")
    expect(bad.locator("td[data-problem]").first).to_contain_text("not a checkbox value")
    expect(bad).to_contain_text("not a number with a decimal point")
    expect(preview.locator("tr[data-line='2']")).to_contain_text("2024-05-17")
    expect(page.get_by_test_id("import-counts")).to_contain_text("2 good line(s)")
    snap(page, "import-preview")

    with page.expect_download() as download_info:
        page.get_by_test_id("download-rejected").click()
    text = download_info.value.path().read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][-1] == "errors" and len(lines) == 2
    assert lines[1][0] == "Moreau" and "Email Opt Out" in lines[1][-1]

    page.get_by_test_id("only-bad").click()
    expect(preview.locator("tbody tr")).to_have_count(1)

    page.get_by_role("button", name="Queue the 2 good line(s)").click()
    expect(progress).to_have_attribute("data-import-status", "queueing")
    expect(progress.locator("progress")).to_be_visible()
    queue_import(import_id=Import.objects.get().pk)
    page.get_by_role("link", name="See them in My rows").click(timeout=15000)
    rows = page.locator("[data-testid=rows-table] tbody")
    expect(rows).to_contain_text("Okafor")
    expect(rows).to_contain_text("Tanaka")
    assert set(Row.objects.values_list("payload__Last_Name", flat=True)) == {"Okafor",
                                                                             "Tanaka"}
