"""The seven sample bodies of Bigin's Add Records doc, entered through the app's forms.

For each module the form data a browser sends (one record; Sarah for Contacts) goes through
``make_form`` with the sandbox's metadata synced, and the payload the app builds must have the
sample's fields, shapes and value formats. Where the app differs by design, the expected payload
below says so, one comment per difference. The built payload is then sent to the sandbox with
the app's own client, and must be created: every ID the samples refer to exists in its seed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import QueryDict

from bigin_ui.bigin.results import RecordSuccess
from bigin_ui.queue.entry import make_form

OWNER = "2034020000000457001"

# -- the doc's samples (the Companies "name"= typos and the Calls Reminder's quotes fixed) -----

SAMPLES: dict[str, dict[str, Any]] = {
    "Contacts": {
        "Owner": {"id": OWNER},
        "Account_Name": {"id": "2034020000000489159"},
        "First_Name": "Sarah",
        "Last_Name": "Johnson",
        "Title": "HR Director",
        "Email": "sarah.johnson@example.com",
        "Mobile": "+1 (555) 987-6543",
        "Email_Opt_Out": True,
        "Tag": [{"name": "Recruitment"}],
        "Description": "Manages all aspects of human resources and recruitment processes.",
        "Mailing_Street": "456 Elm Avenue",
        "Mailing_City": "Springfield",
        "Mailing_State": "Illinois",
        "Mailing_Country": "United States",
        "Mailing_Zip": "67890",
    },
    "Pipelines": {
        "Owner": {"id": OWNER},
        "Deal_Name": "Adventure Tour Package",
        "Account_Name": {"id": "2034020000000459518"},
        "Contact_Name": {"id": "2034020000000489033"},
        "Sub_Pipeline": "Sales Pipeline Standard",
        "Stage": "Needs Analysis",
        "Amount": "4000",
        "Secondary_Contacts": [],
        "Closing_Date": "2023-10-10",
        "Tag": [{"name": "Adventure"}, {"name": "SuperCool"}],
        "Description": "A sample pipeline record",
        "Pipeline": {"name": "Sales - Marketing", "id": "2034020000000095023"},
        "Associated_Products": [
            {"Product": {"name": "Amazon Rainforest Expedition", "id": "2034020000000489203"},
             "List_Price": 2000, "Quantity": 1, "Discount": 0},
            {"Product": {"name": "African Safari Adventure", "id": "2034020000000489200"},
             "List_Price": 1500, "Quantity": 2, "Discount": 10},
        ],
    },
    "Accounts": {
        "Owner": {"id": OWNER},
        "Account_Name": "Techtronics Inc.",
        "Phone": "+1-555-1234567",
        "Website": "www.techtronics.com",
        "Tag": [{"name": "Tech"}, {"name": "Gadgets"}],
        "Description": "Techtronics Inc. is a leading provider of innovative electronic gadgets "
                       "and cutting-edge technology solutions.",
        "Billing_Street": "123 Main Street",
        "Billing_City": "Anytown",
        "Billing_State": "California",
        "Billing_Country": "United States",
        "Billing_Code": "12345",
    },
    "Products": {
        "Owner": {"id": OWNER},
        "Product_Name": "Adventure Safari",
        "Product_Code": "ADV001",
        "Unit_Price": 500,
        "Product_Category": "Safari",
        "Description": "Embark on an exhilarating adventure with our Adventure Safari package. "
                       "This 7-day tour takes you deep into the heart of the African wilderness, "
                       "where you'll encounter breathtaking landscapes and observe majestic "
                       "wildlife up close. Our experienced guides will lead you on thrilling game "
                       "drives, bush walks, and boat safaris, ensuring an unforgettable journey "
                       "through nature's wonders.",
        "Tag": [{"name": "Wildlife"}, {"name": "Adventure"}],
        "Product_Active": True,
    },
    "Calls": {
        "Owner": {"id": OWNER},
        "Contact_Name": {"id": "2034020000000489033"},
        "Call_Start_Time": "2023-07-12T15:30:00+05:30",
        "Call_Duration": "90:00",
        "Call_Type": "Outbound",
        "Related_To": {"name": "Cruise Package", "id": "2034020000000489123"},
        "Subject": "Cruise Package Discussion",
        "Description": "This is sample call about cruise package discussion",
        "Call_Agenda": "Discuss requirements and prices of the package.",
        "Reminder": "2023-07-12T15:25:00+05:30",
        "Dialled_Number": "+1 (555) 246-8135",
        "Tag": [{"name": "Vacation"}, {"name": "Adventure"}],
    },
    "Events": {
        "Owner": {"id": OWNER},
        "Event_Title": "Event before SKI Vacation Package",
        "Start_DateTime": "2023-08-20T10:00:00+05:30",
        "End_DateTime": "2023-08-21T10:00:00+05:30",
        "All_day": False,
        "$se_module": "Contacts",
        "Recurring_Activity": {"RRULE": "FREQ=MONTHLY;INTERVAL=1;BYDAY=MO;UNTIL=2023-09-05"},
        "Remind_At": [{"unit": 1, "period": "hours"}, {"unit": 30, "period": "minutes"}],
        "Venue": "Online (Zoom)",
        "Related_To": {"name": "Ski Vacation Package Closed Lost", "id": "2034020000000478422"},
        "Participants": [
            {"type": "user", "participant": "2034020000000472114"},
            {"type": "email", "participant": "aravind.vavilala+bigin_v2apis@zohotest.com"},
            {"type": "contact", "participant": "2034020000000489034"},
        ],
        "Description": "This is a sample event on the SKI Vacation Package.",
        "Tag": [{"name": "Remote"}, {"name": "Vacation"}],
    },
    "Tasks": {
        "Owner": {"id": OWNER},
        "Subject": "Follow-up email to Ava Bell",
        "Due_Date": "2023-07-25",
        "Recurring_Activity": {
            "RRULE": "FREQ=WEEKLY;INTERVAL=1;UNTIL=2023-07-27;BYDAY=TH;DTSTART=2023-07-26"},
        "Remind_At": {
            "ALARM": "FREQ=NONE;ACTION=EMAIL;TRIGGER=DATE-TIME:2023-07-25T12:00:00+05:30"},
        "Related_To": {"name": "Wellness Retreat Package", "id": "2034020000000489080"},
        "Description": "This task is related to contacting Ava Bell regarding Wellness Retreat "
                       "Package.",
        "Priority": "Normal",
        "Status": "Not Started",
        "Tag": [],
    },
}


def without(record: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in names}


# -- what the app builds from them, differences by design commented -----------------------------

EXPECTED: dict[str, dict[str, Any]] = {
    "Contacts": SAMPLES["Contacts"],
    "Pipelines": {
        **without(SAMPLES["Pipelines"], "Secondary_Contacts"),  # empty lists are left out
        "Amount": 4000,  # numbers go as JSON numbers
        "Associated_Products": [  # product lines name their product by id alone
            {"Product": {"id": "2034020000000489203"}, "List_Price": 2000, "Quantity": 1,
             "Discount": 0},
            {"Product": {"id": "2034020000000489200"}, "List_Price": 1500, "Quantity": 2,
             "Discount": 10},
        ],
    },
    "Accounts": {
        **SAMPLES["Accounts"],
        "Partner": False,  # an unticked checkbox (this org's custom one) is sent as false
    },
    "Products": SAMPLES["Products"],
    "Calls": {
        **SAMPLES["Calls"],
        "Related_To": {"id": "2034020000000489123"},  # lookups go as {"id": ...}
        "$se_module": "Pipelines",  # always sent beside Related_To
        "Follow_Up_Required": False,  # an unticked checkbox (custom) is sent as false
    },
    "Events": {
        **SAMPLES["Events"],
        "Related_To": {"id": "2034020000000478422"},  # lookups go as {"id": ...}
    },
    "Tasks": {
        **without(SAMPLES["Tasks"], "Tag"),  # empty lists are left out
        # The app builds RRULE parts in its own order and without DTSTART (the due date is
        # the first occurrence).
        "Recurring_Activity": {"RRULE": "FREQ=WEEKLY;INTERVAL=1;UNTIL=2023-07-27;BYDAY=TH"},
        "Related_To": {"id": "2034020000000489080"},  # lookups go as {"id": ...}
        "$se_module": "Pipelines",  # always sent beside Related_To
        "Billable": False,  # an unticked checkbox (custom) is sent as false
    },
}

# -- what a browser posts for them ------------------------------------------------------------

FORM_DATA: dict[str, dict[str, str | list[str]]] = {
    "Contacts": {
        "Owner": OWNER, "Account_Name": "2034020000000489159", "First_Name": "Sarah",
        "Last_Name": "Johnson", "Title": "HR Director", "Email": "sarah.johnson@example.com",
        "Mobile": "+1 (555) 987-6543", "Email_Opt_Out": "on", "Tag": "Recruitment",
        "Description": "Manages all aspects of human resources and recruitment processes.",
        "Mailing_Street": "456 Elm Avenue", "Mailing_City": "Springfield",
        "Mailing_State": "Illinois", "Mailing_Country": "United States",
        "Mailing_Zip": "67890", "Phone": "", "Interests": [], "save": "1",
    },
    "Pipelines": {
        "Owner": OWNER, "Pipeline": "2034020000000095023",
        "Sub_Pipeline": "Sales Pipeline Standard", "Stage": "Needs Analysis",
        "Deal_Name": "Adventure Tour Package", "Account_Name": "2034020000000459518",
        "Contact_Name": "2034020000000489033", "Amount": "4000", "Secondary_Contacts": "",
        "Closing_Date": "2023-10-10", "Tag": "Adventure, SuperCool",
        "Description": "A sample pipeline record",
        "Associated_Products-0-Product": "2034020000000489203",
        "Associated_Products-0-List_Price": "2000", "Associated_Products-0-Quantity": "1",
        "Associated_Products-0-Discount": "0",
        "Associated_Products-1-Product": "2034020000000489200",
        "Associated_Products-1-List_Price": "1500", "Associated_Products-1-Quantity": "2",
        "Associated_Products-1-Discount": "10",
        # The blank line the form always offers.
        "Associated_Products-2-Product": "", "Associated_Products-2-List_Price": "",
        "Associated_Products-2-Quantity": "", "Associated_Products-2-Discount": "",
        "save": "1",
    },
    "Accounts": {
        "Owner": OWNER, "Account_Name": "Techtronics Inc.", "Phone": "+1-555-1234567",
        "Website": "www.techtronics.com", "Tag": "Tech, Gadgets",
        "Description": SAMPLES["Accounts"]["Description"],
        "Billing_Street": "123 Main Street", "Billing_City": "Anytown",
        "Billing_State": "California", "Billing_Country": "United States",
        "Billing_Code": "12345", "Industry": "", "save": "1",
    },
    "Products": {
        "Owner": OWNER, "Product_Name": "Adventure Safari", "Product_Code": "ADV001",
        "Unit_Price": "500", "Product_Category": "Safari",
        "Description": SAMPLES["Products"]["Description"], "Tag": "Wildlife, Adventure",
        "Product_Active": "on", "save": "1",
    },
    "Calls": {
        "Owner": OWNER, "Contact_Name": "2034020000000489033",
        "Call_Start_Time": "2023-07-12T15:30", "Call_Duration": "90:00",
        "Call_Type": "Outbound", "$se_module": "Pipelines", "Related_To": "2034020000000489123",
        "Subject": "Cruise Package Discussion",
        "Description": "This is sample call about cruise package discussion",
        "Call_Agenda": "Discuss requirements and prices of the package.",
        "Reminder": "2023-07-12T15:25", "Dialled_Number": "+1 (555) 246-8135",
        "Tag": "Vacation, Adventure", "save": "1",
    },
    "Events": {
        "Owner": OWNER, "Event_Title": "Event before SKI Vacation Package",
        "Start_DateTime": "2023-08-20T10:00", "End_DateTime": "2023-08-21T10:00",
        "Recurring_Activity_freq": "MONTHLY", "Recurring_Activity_interval": "1",
        "Recurring_Activity_count": "", "Recurring_Activity_until": "2023-09-05",
        "Recurring_Activity_byday": ["MO"], "Recurring_Activity_bymonthday": "",
        "Recurring_Activity_bysetpos": "",
        "Remind_At-0-unit": "1", "Remind_At-0-period": "hours",
        "Remind_At-1-unit": "30", "Remind_At-1-period": "minutes",
        # The blank line the form always offers: its select still sends a value.
        "Remind_At-2-unit": "", "Remind_At-2-period": "minutes",
        "Venue": "Online (Zoom)", "$se_module": "Contacts", "Related_To": "2034020000000478422",
        "Participants_users": ["2034020000000472114"],
        "Participants_contacts": "2034020000000489034",
        "Participants_emails": "aravind.vavilala+bigin_v2apis@zohotest.com",
        "Description": "This is a sample event on the SKI Vacation Package.",
        "Tag": "Remote, Vacation", "save": "1",
    },
    "Tasks": {
        "Owner": OWNER, "Subject": "Follow-up email to Ava Bell", "Due_Date": "2023-07-25",
        "Recurring_Activity_freq": "WEEKLY", "Recurring_Activity_interval": "1",
        "Recurring_Activity_count": "", "Recurring_Activity_until": "2023-07-27",
        "Recurring_Activity_byday": ["TH"], "Recurring_Activity_bymonthday": "",
        "Recurring_Activity_bysetpos": "",
        "Remind_At_action": "EMAIL", "Remind_At_at": "2023-07-25T12:00",
        "Remind_At_before": "", "Remind_At_unit": "D", "Remind_At_time": "",
        "$se_module": "Pipelines", "Related_To": "2034020000000489080",
        "Description": SAMPLES["Tasks"]["Description"], "Priority": "Normal",
        "Status": "Not Started", "Tag": "", "save": "1",
    },
}
MODULES = list(SAMPLES)


@pytest.fixture
def entering_user(django_user_model):
    # Times are entered in the person's profile zone, here the zone of the samples' +05:30
    # offsets (without it they would follow the org's synced zone, +03:00).
    from bigin_ui.people.services import save_profile

    user = django_user_model.objects.create_user("sam", "sam@example.com", "pw-sales-123")
    save_profile(user=user, time_zone="Asia/Kolkata", decimal_separator=".")
    return user


def query_dict(data: dict[str, str | list[str]]) -> QueryDict:
    posted = QueryDict(mutable=True)
    for name, value in data.items():
        posted.setlist(name, value if isinstance(value, list) else [value])
    return posted


def built_payload(module: str, user: Any) -> dict[str, Any]:
    form = make_form(module=module, user=user, data=query_dict(FORM_DATA[module]))
    assert form.is_valid(), form.errors.as_data()
    return form.payload


def comparable(payload: dict[str, Any]) -> str:
    """The payload as JSON text (so 4000, 4000.0 and "4000" differ), with the RRULE's parts as
    a dict and Participants in a fixed order."""
    record = dict(payload)
    rule = record.get("Recurring_Activity")
    if isinstance(rule, dict) and isinstance(rule.get("RRULE"), str):
        record["Recurring_Activity"] = {"RRULE": dict(
            part.split("=", 1) for part in rule["RRULE"].split(";"))}
    if isinstance(record.get("Participants"), list):
        record["Participants"] = sorted(record["Participants"],
                                        key=lambda p: json.dumps(p, sort_keys=True))
    return json.dumps(record, sort_keys=True, indent=1)


@pytest.mark.parametrize("module", MODULES)
def test_the_form_builds_the_docs_sample(synced, entering_user, module):
    assert comparable(built_payload(module, entering_user)) == comparable(EXPECTED[module])


@pytest.mark.parametrize("module", MODULES)
def test_the_sandbox_creates_the_built_sample(synced, entering_user, client_for, module):
    response = client_for().insert_records(module, [built_payload(module, entering_user)])
    assert isinstance(response.results[0], RecordSuccess), response.body
