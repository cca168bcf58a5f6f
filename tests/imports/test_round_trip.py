"""One workbook, a sheet per module, every field type of every module (the structured ones
too), written as Excel writes it (date cells, numbers, booleans, a percentage cell), goes
upload → map → preview → queue → submit through the pages, and the sandbox then holds
exactly the sheet's values.

The expected values are Bigin's JSON written out by hand from the sheet, not derived from
the code under test. Lookups by name point at rows of earlier sheets, so the whole chain
(queued row → created record → its Bigin ID in the referring record) is exercised.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from bigin_ui.imports.models import Import
from bigin_ui.queue.models import Row
from bigin_ui.queue.runs import start_run
from tests.formpost import posted

pytestmark = pytest.mark.slow

OWNER = "2034020000000457001"
OTHER_USER = "2034020000000472114"
SEEDED_CONTACT = "2034020000000489033"
SEEDED_PRODUCT = "2034020000000489200"
PIPELINE = "2034020000000095023"
PERCENT = "0%"

# module -> [(header, cell, number format or None)]
SHEETS: dict[str, list[tuple[str, Any, str | None]]] = {
    "Accounts": [
        ("Owner", OWNER, None),
        ("Account Name", "Import Co", None),
        ("Phone", "+1 555 0100", None),
        ("Website", "www.import.example", None),
        ("Tag", "Fair;VIP", None),
        ("Description", "Met at the fair", None),
        ("Billing Street", "1 Dock Road", None),
        ("Billing City", "Hamburg", None),
        ("Billing State", "HH", None),
        ("Billing Country", "Germany", None),
        ("Billing Code", "20457", None),
        ("Industry", "Technology", None),
        ("Annual Revenue", 1250000.5, "#,##0.00"),
        ("Employees", 250, None),
        ("Founded On", dt.datetime(1999, 4, 1), "dd/mm/yyyy"),
        ("Account Number", "123456789012345678", "@"),
        ("Satisfaction", 0.85, PERCENT),
        ("Partner", True, None),
    ],
    "Products": [
        ("Product Name", "Import Safari", None),
        ("Product Code", "IMP1", None),
        ("Unit Price", 499.99, "0.00"),
        ("Product Category", "Safari", None),
        ("Description", "Seven days", None),
        ("Tag", "Wildlife", None),
        ("Product Active", True, None),
        ("Weight Kg", 12.5, None),
        ("Launch Date", dt.datetime(2026, 3, 1), "yyyy-mm-dd"),
        ("Stock Count", 40, None),
        ("SKU Number", "987654321", None),
    ],
    "Contacts": [
        ("First Name", "Ina", None),
        ("Last Name", "Importer", None),
        ("Company Name", "Import Co", None),  # a queued company, found by its name
        ("Email", "ina@import.example", None),
        ("Title", "Buyer", None),
        ("Phone", "+49 40 1234", None),
        ("Mobile", "+49 170 1234", None),
        ("Mailing City", "Hamburg", None),
        ("Email Opt Out", False, None),
        ("Tag", "Fair", None),
        ("Customer Since", dt.datetime(2020, 2, 29), "dd.mm.yyyy"),
        ("Lifetime Value", "2,500.75", None),
        ("Interests", "Safari;Cruises", None),
        ("LinkedIn Profile", "www.linkedin.com/in/ina", None),
        ("Lead Score", 42, None),
    ],
    "Pipelines": [
        ("Deal Name", "Import Deal", None),
        ("Account Name", "Import Co", None),
        ("Contact Name", "ina@import.example", None),  # found by e-mail
        ("Pipeline", "Sales - Marketing", None),
        ("Sub Pipeline", "Sales Pipeline Standard", None),
        ("Stage", "Needs Analysis", None),
        ("Amount", 4000, None),
        ("Secondary Contacts", SEEDED_CONTACT, None),
        ("Closing Date", dt.datetime(2026, 9, 30), "yyyy-mm-dd"),
        ("Tag", "Big", None),
        ("Associated Products", f"Import Safari | 499.99 | 2 | 10; {SEEDED_PRODUCT} | 1500 | 1",
         None),
        ("Probability", 0.6, PERCENT),
        ("Lead Source", "Partner", None),
        ("Next Step", "Call back", None),
    ],
    "Tasks": [
        ("Subject", "Import task", None),
        ("Due Date", dt.datetime(2026, 7, 2), "yyyy-mm-dd"),
        ("Recurring Activity", "FREQ=WEEKLY;INTERVAL=1;BYDAY=TH;COUNT=3", None),
        ("Remind At", "EMAIL 1 day before at 09:00", None),
        ("Related To", "Import Deal", None),
        ("$se_module", "Pipelines", None),
        ("Description", "Follow up", None),
        ("Priority", "High", None),
        ("Status", "Not Started", None),
        ("Tag", "Follow-up", None),
        ("Estimated Hours", 1.5, None),
        ("Billable", True, None),
    ],
    "Events": [
        ("Event Title", "Import event", None),
        ("Start DateTime", dt.datetime(2026, 7, 1, 10, 0), "yyyy-mm-dd hh:mm"),
        ("End DateTime", "2026-07-01 11:30", None),
        ("All day", False, None),
        ("Recurring Activity", "FREQ=DAILY;INTERVAL=1;COUNT=2", None),
        ("Remind At", "15 minutes;1 day", None),
        ("Venue", "Hall 4", None),
        ("Related To", "Importer", None),
        ("$se_module", "Contacts", None),
        ("Participants", f"user:{OTHER_USER}; contact:ina@import.example; guest@example.org",
         None),
        ("Description", "Stand visit", None),
        ("Tag", "Remote", None),
        ("Meeting Link", "www.meet.example/imp", None),
        ("Expected Attendees", 12, None),
    ],
    "Calls": [
        ("Call Type", "Outbound", None),
        ("Call Start Time", dt.datetime(2026, 7, 2, 15, 30), "dd/mm/yyyy hh:mm"),
        ("Call Duration", "10:00", None),
        ("Contact Name", "Importer", None),
        ("Related To", "Import Co", None),
        ("$se_module", "Accounts", None),
        ("Subject", "Intro call", None),
        ("Description", "First call", None),
        ("Call Agenda", "Prices", None),
        ("Reminder", "2026-07-02 15:25+05:30", None),
        ("Dialled Number", "+1 555 0199", None),
        ("Tag", "Phone", None),
        ("Call Result", "Interested", None),
        ("Follow Up Required", True, None),
    ],
}

ZONE = "+05:30"  # Asia/Kolkata: the zone chosen on the mapping page


def expected(ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Bigin's JSON for each sheet's line, by hand; ``ids``: module -> created record ID."""
    return {
        "Accounts": {
            "Owner": {"id": OWNER}, "Account_Name": "Import Co", "Phone": "+1 555 0100",
            "Website": "www.import.example", "Tag": ["Fair", "VIP"],
            "Description": "Met at the fair", "Billing_Street": "1 Dock Road",
            "Billing_City": "Hamburg", "Billing_State": "HH", "Billing_Country": "Germany",
            "Billing_Code": "20457", "Industry": "Technology", "Annual_Revenue": 1250000.5,
            "Employees": 250, "Founded_On": "1999-04-01",
            "Account_Number": "123456789012345678", "Satisfaction": 85, "Partner": True,
        },
        "Products": {
            "Owner": {"id": OWNER}, "Product_Name": "Import Safari", "Product_Code": "IMP1",
            "Unit_Price": 499.99, "Product_Category": "Safari", "Description": "Seven days",
            "Tag": ["Wildlife"], "Product_Active": True, "Weight_Kg": 12.5,
            "Launch_Date": "2026-03-01", "Stock_Count": 40, "SKU_Number": "987654321",
        },
        "Contacts": {
            "Owner": {"id": OWNER}, "First_Name": "Ina", "Last_Name": "Importer",
            "Account_Name": {"id": ids["Accounts"]}, "Email": "ina@import.example",
            "Title": "Buyer", "Phone": "+49 40 1234", "Mobile": "+49 170 1234",
            "Mailing_City": "Hamburg", "Email_Opt_Out": False, "Tag": ["Fair"],
            "Customer_Since": "2020-02-29", "Lifetime_Value": 2500.75,
            "Interests": ["Safari", "Cruises"], "LinkedIn_Profile": "www.linkedin.com/in/ina",
            "Lead_Score": 42,
        },
        "Pipelines": {
            "Owner": {"id": OWNER}, "Deal_Name": "Import Deal",
            "Account_Name": {"id": ids["Accounts"]}, "Contact_Name": {"id": ids["Contacts"]},
            "Pipeline": {"id": PIPELINE}, "Sub_Pipeline": "Sales Pipeline Standard",
            "Stage": "Needs Analysis", "Amount": 4000,
            "Secondary_Contacts": [{"id": SEEDED_CONTACT}], "Closing_Date": "2026-09-30",
            "Tag": ["Big"],
            "Associated_Products": [
                {"Product": {"id": ids["Products"]}, "List_Price": 499.99, "Quantity": 2,
                 "Discount": 10},
                {"Product": {"id": SEEDED_PRODUCT}, "List_Price": 1500, "Quantity": 1},
            ],
            "Probability": 60, "Lead_Source": "Partner", "Next_Step": "Call back",
        },
        "Tasks": {
            "Owner": {"id": OWNER}, "Subject": "Import task", "Due_Date": "2026-07-02",
            "Recurring_Activity": {"RRULE": "FREQ=WEEKLY;INTERVAL=1;BYDAY=TH;COUNT=3"},
            "Remind_At": {"ALARM": "ACTION=EMAIL;TRIGGER=-P1D;TRIGGER_TIME=09:00"},
            "Related_To": {"id": ids["Pipelines"]}, "$se_module": "Pipelines",
            "Description": "Follow up", "Priority": "High", "Status": "Not Started",
            "Tag": ["Follow-up"], "Estimated_Hours": 1.5, "Billable": True,
        },
        "Events": {
            "Owner": {"id": OWNER}, "Event_Title": "Import event",
            "Start_DateTime": f"2026-07-01T10:00:00{ZONE}",
            "End_DateTime": f"2026-07-01T11:30:00{ZONE}", "All_day": False,
            "Recurring_Activity": {"RRULE": "FREQ=DAILY;INTERVAL=1;COUNT=2"},
            "Remind_At": [{"unit": 15, "period": "minutes"}, {"unit": 1, "period": "days"}],
            "Venue": "Hall 4", "Related_To": {"id": ids["Contacts"]}, "$se_module": "Contacts",
            "Participants": [
                {"type": "user", "participant": OTHER_USER},
                {"type": "contact", "participant": ids["Contacts"]},
                {"type": "email", "participant": "guest@example.org"},
            ],
            "Description": "Stand visit", "Tag": ["Remote"],
            "Meeting_Link": "www.meet.example/imp", "Expected_Attendees": 12,
        },
        "Calls": {
            "Owner": {"id": OWNER}, "Call_Type": "Outbound",
            "Call_Start_Time": f"2026-07-02T15:30:00{ZONE}", "Call_Duration": "10:00",
            "Contact_Name": {"id": ids["Contacts"]}, "Related_To": {"id": ids["Accounts"]},
            "$se_module": "Accounts", "Subject": "Intro call", "Description": "First call",
            "Call_Agenda": "Prices", "Reminder": "2026-07-02T15:25:00+05:30",
            "Dialled_Number": "+1 555 0199", "Tag": ["Phone"], "Call_Result": "Interested",
            "Follow_Up_Required": True,
        },
    }


def workbook(path):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for module, columns in SHEETS.items():
        sheet = book.create_sheet(module)
        sheet.append([header for header, _, _ in columns])
        sheet.append([cell for _, cell, _ in columns])
        for index, (_, _, fmt) in enumerate(columns, start=1):
            if fmt:
                sheet.cell(row=2, column=index).number_format = fmt
    book.save(path)


def matches(stored: Any, wanted: Any) -> bool:
    """Whether the sandbox holds what the sheet decides. Bigin adds to what it stores
    (lookup names, computed line totals, a participant's name and status), so only the keys
    the expected JSON names are compared; a date/time is compared as an instant, since Bigin
    answers in the org's zone."""
    if isinstance(wanted, dict):
        return isinstance(stored, dict) and all(
            matches(stored.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list):
        return isinstance(stored, list) and len(stored) == len(wanted) and all(
            matches(s, w) for s, w in zip(stored, wanted, strict=True))
    if moment(wanted) is not None:
        return moment(stored) == moment(wanted)
    return stored == wanted


def moment(value: Any) -> dt.datetime | None:
    """An ISO date/time with an offset as an instant: Bigin answers in the org's zone."""
    if isinstance(value, str) and "T" in value:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else None
    return None


def stored_tags(value: Any) -> list[str]:
    return [t["name"] for t in value or []]


@pytest.fixture
def importer(django_user_model, settings):
    # No Bigin user has this e-mail: no default owner (the sheets name it where they mean it).
    settings.BIGIN_IMPORT_DIR = settings.DATA_DIR / "test-imports"
    from django.contrib.auth.models import Group

    from bigin_ui.roles import SALES_GROUP

    user = django_user_model.objects.create_user("ivy", "ivy@import.example", "pw-ivy-123")
    user.groups.add(Group.objects.get_or_create(name=SALES_GROUP)[0])  # a role: may import
    return user


def import_sheet(client: Client, path, module: str) -> Import:
    with path.open("rb") as handle:
        response = client.post(reverse("import_new"), {
            "module": module, "sheet": module,
            "file": SimpleUploadedFile("every-field.xlsx", handle.read())})
    assert response.status_code == 302, response.content.decode()[:2000]
    map_url = response["Location"]
    # What a browser posts for the mapping page as the app filled it in (auto-matched),
    # with the zone for date/times without an offset chosen on the page.
    data = posted(client.get(map_url).content.decode())
    data["time_zone"] = "Asia/Kolkata"
    client.post(map_url, data)
    imp = Import.objects.get(module=module)
    assert (imp.lines_good, imp.lines_bad) == (1, 0), list(imp.lines.values_list("problems"))
    assert imp.mapping and len(imp.mapping) == len(SHEETS[module]), imp.mapping
    client.post(reverse("import_confirm", args=[imp.pk]))
    imp.refresh_from_db()
    assert imp.status == Import.Status.QUEUED
    return imp


def test_every_field_of_every_module_reaches_the_sandbox_as_in_the_sheet(
        synced, importer, tmp_path):
    path = tmp_path / "every-field.xlsx"
    workbook(path)
    client = Client()
    client.force_login(importer)
    ids: dict[str, str] = {}
    for module in SHEETS:
        imp = import_sheet(client, path, module)
        # Each sheet is submitted before the next refers to it by name in Bigin.
        start_run(user=importer, module=module)
        row = Row.objects.get(import_line__batch=imp)
        assert row.status == Row.Status.CREATED, (module, row.error_code, row.error_message,
                                                  row.error_field)
        ids[module] = row.bigin_id
    wanted = expected(ids)
    for module, fields in wanted.items():
        record = next(r for r in synced.records(module) if r["id"] == ids[module])
        for name, value in fields.items():
            if name == "Tag":
                assert stored_tags(record.get(name)) == value, (module, name, record.get(name))
            else:
                assert matches(record.get(name), value), (module, name, record.get(name))
