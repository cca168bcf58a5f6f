from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from bigin_ui.metadata.formfields import FormContext
from bigin_ui.metadata.forms import RecordForm
from bigin_ui.metadata.models import ModuleMetadata
from bigin_ui.metadata.schema import build_schema
from bigin_ui.metadata.validation import Context
from tests.factories import contacts_fields, field


def contacts_schema():
    return build_schema(ModuleMetadata(module="Contacts", fields=contacts_fields(), layouts=[],
                                       tags=[{"name": "Recruitment"}]))


def make(data=None, **ctx_kwargs):
    ctx = FormContext(users=[("2034020000000457001", "Zylker Travels")], **ctx_kwargs)
    return RecordForm(data, schema=contacts_schema(), ctx=ctx,
                      validation=Context(user_ids=frozenset({"2034020000000457001"})))


def test_inputs_are_named_by_api_name_and_skip_system_fields():
    form = make()
    assert "Last_Name" in form.fields
    assert "Created_Time" not in form.fields
    assert "Unsubscribed_Mode" not in form.fields
    assert 'name="Last_Name"' in form.as_div()


def test_mandatory_field_is_required():
    form = make({"First_Name": "Ann"})
    assert not form.is_valid()
    assert "Last_Name" in form.errors


def test_seed_contact_becomes_the_seed_payload():
    form = make({
        "Owner": "2034020000000457001", "Account_Name": "2034020000000489159",
        "First_Name": "Sarah", "Last_Name": "Johnson", "Title": "HR Director",
        "Email": "sarah.johnson@example.com", "Mobile": "+1 (555) 987-6543",
        "Email_Opt_Out": "on", "Tag": "Recruitment",
        "Description": "Manages all aspects of human resources and recruitment processes.",
        "Mailing_Street": "456 Elm Avenue", "Mailing_City": "Springfield",
        "Mailing_State": "Illinois", "Mailing_Country": "United States", "Mailing_Zip": "67890",
    })
    assert form.is_valid(), form.errors
    assert form.payload == {
        "Owner": {"id": "2034020000000457001"},
        "Account_Name": {"id": "2034020000000489159"},
        "First_Name": "Sarah", "Last_Name": "Johnson", "Title": "HR Director",
        "Email": "sarah.johnson@example.com", "Mobile": "+1 (555) 987-6543",
        "Email_Opt_Out": True, "Tag": [{"name": "Recruitment"}],
        "Description": "Manages all aspects of human resources and recruitment processes.",
        "Mailing_Street": "456 Elm Avenue", "Mailing_City": "Springfield",
        "Mailing_State": "Illinois", "Mailing_Country": "United States", "Mailing_Zip": "67890",
    }


def test_unchecked_checkbox_is_sent_as_false():
    form = make({"Last_Name": "Doe"})
    assert form.is_valid(), form.errors
    assert form.payload["Email_Opt_Out"] is False


def test_too_long_value_is_an_error_on_its_field():
    form = make({"Last_Name": "x" * 81})
    assert not form.is_valid()
    assert "Last_Name" in form.errors


def test_lookup_can_point_at_a_queued_row():
    form = RecordForm(
        {"Last_Name": "Doe", "Account_Name": "row:12"}, schema=contacts_schema(),
        ctx=FormContext(), validation=Context(pending_row_ids=lambda pk: pk == "12"),
    )
    assert form.is_valid(), form.errors
    assert form.payload["Account_Name"] == {"$row": 12}


def test_owner_outside_the_synced_users_is_rejected():
    form = make({"Last_Name": "Doe", "Owner": "999"})
    assert not form.is_valid()
    assert "Owner" in form.errors


def test_datetime_is_sent_in_the_users_time_zone_with_offset():
    fields = [field("Event_Title", system_mandatory=True),
              field("Start_DateTime", "datetime")]
    schema = build_schema(ModuleMetadata(module="Events", fields=fields, layouts=[]))
    ctx = FormContext(time_zone=zoneinfo.ZoneInfo("Asia/Kolkata"))
    form = RecordForm({"Event_Title": "Demo", "Start_DateTime": "2023-08-20T10:00"},
                      schema=schema, ctx=ctx)
    assert form.is_valid(), form.errors
    assert form.payload["Start_DateTime"] == "2023-08-20T10:00:00+05:30"


@pytest.mark.parametrize(("typed", "sent"), [
    ("2026-07-01T10:00", "2026-07-01T10:00:00+02:00"),  # summer time, whenever it is typed
    ("2026-01-15T10:00", "2026-01-15T10:00:00+01:00"),
    ("2026-03-29T02:30", None),  # the clocks skip this hour: no such time in Berlin
    ("2026-10-25T02:30", None),  # the clocks repeat it: two moments, never a guess
])
def test_datetime_takes_the_offset_of_its_own_date_and_refuses_what_dst_makes_unclear(
        typed, sent):
    fields = [field("Event_Title", system_mandatory=True),
              field("Start_DateTime", "datetime")]
    schema = build_schema(ModuleMetadata(module="Events", fields=fields, layouts=[]))
    ctx = FormContext(time_zone=zoneinfo.ZoneInfo("Europe/Berlin"))
    form = RecordForm({"Event_Title": "Demo", "Start_DateTime": typed}, schema=schema, ctx=ctx)
    if sent is None:
        assert not form.is_valid()
        assert "Europe/Berlin" in " ".join(form.errors["Start_DateTime"])  # on its field
    else:
        assert form.is_valid(), form.errors
        assert form.payload["Start_DateTime"] == sent


def test_initial_values_round_trip_from_payload():
    schema = contacts_schema()
    ctx = FormContext(time_zone=dt.UTC)
    payload = {"Last_Name": "Doe", "Tag": [{"name": "A"}, {"name": "B"}],
               "Account_Name": {"$row": 3}, "Owner": {"id": "5"}}
    initial = RecordForm.initial_from_payload(schema, ctx, payload)
    assert initial == {"Last_Name": "Doe", "Tag": "A, B", "Account_Name": "row:3",
                       "Owner": "5"}


def test_unknown_data_type_is_shown_as_text(caplog):
    fields = [field("Last_Name", system_mandatory=True), field("Mood", "hologram")]
    schema = build_schema(ModuleMetadata(module="Contacts", fields=fields, layouts=[]))
    form = RecordForm({"Last_Name": "Doe", "Mood": "fine"}, schema=schema, ctx=FormContext())
    assert form.is_valid(), form.errors
    assert form.payload["Mood"] == "fine"
    assert "hologram" in caplog.text
