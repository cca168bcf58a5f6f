"""At a 390 px phone width the list pages and the row page fit the screen: no sideways page
scrolling, the key columns first, product-line lookups whole."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bigin_ui.metadata.schema import MODULES
from bigin_ui.queue.models import Row
from bigin_ui.queue.rows import create_row
from tests.browser.screens import snap_phone

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LONG_MESSAGE = ("the related record does not exist or was deleted before this row was sent; "
                "choose another company")


def some_rows(owner) -> dict[str, Row]:
    failed = create_row(module="Contacts", owner=owner, payload={
        "First_Name": "Maximiliane", "Last_Name": "Oberhauser-Wittgenstein",
        "Email": "maximiliane.oberhauser-wittgenstein@example.com"})
    Row.objects.filter(pk=failed.pk).update(
        status=Row.Status.FAILED, error_code="INVALID_DATA", error_field="Account_Name",
        error_message=LONG_MESSAGE)
    created = create_row(module="Accounts", owner=owner,
                         payload={"Account_Name": "Zylker International Holdings Limited"})
    Row.objects.filter(pk=created.pk).update(status=Row.Status.CREATED,
                                             bigin_id="2034020000000700001")
    held = create_row(module="Contacts", owner=owner,
                      payload={"Last_Name": "Twin", "Email": "twin@example.com"})
    Row.objects.filter(pk=held.pk).update(hold=Row.Hold.DUPLICATE)
    return {"failed": failed, "created": created, "held": held}


def page_width(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def on_screen(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def top(locator) -> float:
    return locator.bounding_box()["y"]


def assert_fits(page, name: str) -> None:
    scroll_width, viewport = page_width(page)
    assert viewport == PHONE["width"]
    assert scroll_width <= viewport, f"{name}: the page is {scroll_width} px wide"


def test_my_rows_and_the_row_page_fit_a_phone(synced, live_server, log_in, sales_login):
    rows = some_rows(sales_login)
    page = log_in(sales_login)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/records/")
    expect(page.get_by_test_id("rows-table")).to_contain_text("Oberhauser-Wittgenstein")
    assert_fits(page, "My rows")
    # Status, Bigin ID and problem are on screen, each under its name, without scrolling
    # sideways, and before the less important module and date.
    created = page.locator(f"tr[data-row-id='{rows['created'].pk}']")
    failed = page.locator(f"tr[data-row-id='{rows['failed'].pk}']")
    for cell in (created.locator("[data-status]"), created.get_by_test_id("bigin-link"),
                 failed.get_by_test_id("problem")):
        expect(cell).to_be_visible()
        assert on_screen(cell), cell
    # Each cell says what it is (its column's name, shown before it on a phone).
    assert failed.get_by_test_id("problem").evaluate(
        "cell => getComputedStyle(cell, '::before').content") == '"Problem"'
    expect(failed.get_by_test_id("problem")).to_contain_text(LONG_MESSAGE)
    assert top(failed.get_by_test_id("problem")) < top(failed.locator("[data-label=Module]"))
    snap_phone(page, "my-rows-phone")

    page.goto(f"{live_server.url}/rows/{rows['failed'].pk}/")
    expect(page.get_by_test_id("bigin-error")).to_contain_text("choose another company")
    assert_fits(page, "row page")


def test_review_and_all_rows_fit_a_phone(synced, live_server, log_in, admin_login, sales_login):
    some_rows(sales_login)
    page = log_in(admin_login)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/review/")
    expect(page.get_by_test_id("review-table")).to_contain_text("Oberhauser-Wittgenstein")
    assert_fits(page, "Review")
    row = page.get_by_test_id("review-table").locator("tbody tr").first
    for cell in (row.locator("[data-status]"), row.get_by_test_id("problem"),
                 row.get_by_role("checkbox")):
        assert on_screen(cell), cell

    page.goto(f"{live_server.url}/rows/")
    expect(page.get_by_test_id("all-rows-table")).to_contain_text("Zylker")
    assert_fits(page, "All rows")
    created = page.get_by_test_id("all-rows-table").locator("tbody tr", has_text="Zylker")
    assert on_screen(created.get_by_test_id("bigin-link"))


def test_every_entry_form_fits_and_product_line_lookups_are_whole_on_a_phone(
        synced, live_server, log_in, sales_login):
    page = log_in(sales_login)
    page.set_viewport_size(PHONE)
    for module in MODULES:
        page.goto(f"{live_server.url}/records/{module}/new/")
        assert_fits(page, f"new {module}")
    page.goto(f"{live_server.url}/records/Pipelines/new/")
    search = page.locator(".lines-widget [data-lookup-search]").first
    search.scroll_into_view_if_needed()
    assert on_screen(search)
    assert search.bounding_box()["width"] >= 200, "a product search box a name fits in"
