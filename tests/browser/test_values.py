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
    contacts = page.locator(".participants [data-lookup-search]")
    contacts.fill("Carter")
    page.locator(".participants .lookup-box [role=option]", has_text="Liam Carter").click()
    expect(page.locator(".participants [data-lookup-chosen]")).to_contain_text("Liam Carter")
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
    # The contact is shown by name (remembered from the search), not by its ID.
    expect(page.locator(".participants [data-lookup-chosen]")).to_contain_text("Liam Carter")
    expect(page.locator("[name=Participants_emails]")).to_have_value("guest@example.com")
    page.get_by_role("button", name="Save only").click()
    expect(page.get_by_text("Saved; the row is pending again.")).to_be_visible()
    row.refresh_from_db()
    assert json.dumps(row.payload["Participants"]) == saved


def test_a_call_entered_in_the_persons_zone_arrives_with_its_offset(synced, live_server, log_in,
                                                                    sales_login, settings):
    from bigin_ui.metadata.models import BiginOrg

    # Neither fallback is +03:00, so only the profile's zone can produce it.
    settings.TIME_ZONE = "UTC"
    BiginOrg.objects.update(time_zone="America/New_York")
    page = log_in(sales_login)
    page.get_by_test_id("nav-profile").click()
    page.get_by_label("Time zone").select_option("Europe/Istanbul")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("current-zone")).to_contain_text("Europe/Istanbul (+03:00)")

    page.goto(f"{live_server.url}/records/Calls/new/")
    expect(page.locator(".field-call_start_time")).to_contain_text(
        "Times in Europe/Istanbul (+03:00)")
    page.fill("[name=Subject]", "Zone check")
    page.select_option("[name=Call_Type]", "Outbound")
    page.fill("[name=Call_Start_Time]", "2026-12-07T10:30")
    page.fill("[name=Call_Duration]", "5")
    page.get_by_role("button", name="Save as pending").click()
    row = Row.objects.get(module="Calls")
    page.get_by_test_id("submit-button").click()
    expect(page.locator(f"tr[data-row-id='{row.pk}'] [data-status]")).to_have_text(
        "Created", timeout=15000)
    row.refresh_from_db()
    stored = next(r for r in synced.records("Calls") if r["id"] == row.bigin_id)
    assert stored["Call_Start_Time"] == "2026-12-07T10:30:00+03:00"
    assert stored["Call_Duration"] == "05:00"


def test_a_company_is_chosen_by_typing_its_name_with_the_keyboard(synced, live_server, log_in,
                                                                 sales_login):
    page = log_in(sales_login)
    page.goto(f"{live_server.url}/records/Contacts/new/")
    page.fill("[name=Last_Name]", "Keyboard")
    box = page.get_by_role("combobox", name="Company Name")
    expect(box).to_have_attribute("placeholder", "Type a company's name")
    box.press_sequentially("Zylk", delay=30)
    listbox = page.locator(".field-account_name [role=listbox]")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(listbox.get_by_role("option").first).to_contain_text("Zylker Corp")
    box.press("ArrowDown")
    box.press("ArrowUp")
    active = box.get_attribute("aria-activedescendant")
    expect(page.locator(f"#{active}")).to_contain_text("Zylker Corp")
    box.press("Enter")  # picks; does not submit the form
    expect(listbox).to_be_hidden()
    expect(box).to_have_value("Zylker Corp")
    expect(page.locator("[name=Account_Name]")).to_have_value("2034020000000489301")
    box.press("Escape")  # the list is closed already: Escape clears the choice
    expect(page.locator("[name=Account_Name]")).to_have_value("")
    box.press_sequentially("Zylk", delay=30)
    expect(listbox.get_by_role("option").first).to_contain_text("Zylker Corp")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    box.press("ArrowDown")  # opens the list again
    expect(listbox).to_be_visible()
    box.press("Enter")
    expect(page.locator("[name=Account_Name]")).to_have_value("2034020000000489301")
    page.locator("[name=Last_Name]").press("Enter")  # saves (not a lookup's "Find")
    expect(page.locator("[data-testid=rows-table]")).to_contain_text("Keyboard")
    row = Row.objects.get(module="Contacts")
    assert row.payload["Account_Name"] == {"id": "2034020000000489301"}
    page.goto(f"{live_server.url}/rows/{row.pk}/")
    expect(page.get_by_role("combobox", name="Company Name")).to_have_value("Zylker Corp")
