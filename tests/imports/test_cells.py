"""Cell rules: every wrong-but-plausible input from issue 9 is an error, never another value."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from bigin_ui.imports.cells import (
    CellError,
    Options,
    boolean,
    choice,
    date_value,
    datetime_value,
    decimal,
    reference,
    whole_number,
)
from bigin_ui.imports.convert import Converter
from bigin_ui.imports.reading import Percent
from tests.factories import meta

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("word", ["true", "TRUE", "Yes", "yes", "1", True, 1])
def test_checkbox_true_words(word):
    assert boolean(word) is True


@pytest.mark.parametrize("word", ["false", "False", "NO", "0", False, 0])
def test_checkbox_false_words(word):
    assert boolean(word) is False


@pytest.mark.parametrize("word", ["F", "f", "T", "maybe", "nein", "ja", "-", "x", "on", "off",
                                  "y", "n", "2", 2, 0.5])
def test_checkbox_other_words_are_errors(word):
    with pytest.raises(CellError, match="not a checkbox value|TRUE/FALSE|checkbox"):
        boolean(word)


@pytest.mark.parametrize(("text", "expected"), [
    ("2500.00", Decimal("2500.00")), ("2,500.00", Decimal("2500.00")), ("-3.5", Decimal("-3.5")),
    ("1,000,000", Decimal("1000000")), ("7", Decimal("7")), (" 12.5 ", Decimal("12.5")),
])
def test_decimal_point(text, expected):
    assert decimal(text, separator=".") == expected


@pytest.mark.parametrize("text", ["2.500,00", "1.000,00", "1,5", "12,34", "1.2.3", "1,00.5",
                                  "abc", "", "1e5", "--1", "12,3456.7", ",5"])
def test_decimal_point_refuses_what_it_cannot_read(text):
    with pytest.raises(CellError, match="decimal point"):
        decimal(text, separator=".")


@pytest.mark.parametrize(("text", "expected"), [
    ("2.500,00", Decimal("2500.00")), ("1.000,00", Decimal("1000.00")),
    ("1,5", Decimal("1.5")), ("2500", Decimal("2500")),
])
def test_decimal_comma(text, expected):
    assert decimal(text, separator=",") == expected


@pytest.mark.parametrize("text", ["2,500.00", "1.5", "12.34", "1,2,3"])
def test_decimal_comma_refuses_a_point(text):
    with pytest.raises(CellError, match="decimal comma"):
        decimal(text, separator=",")


def test_native_number_cells_keep_their_value():
    assert decimal(2500.5, separator=",") == Decimal("2500.5")
    assert decimal(19.99, separator=".") == Decimal("19.99")
    assert decimal(42, separator=".") == Decimal(42)


def test_percent_cell_only_in_a_percent_field():
    assert decimal(Percent(0.15), separator=".", percent=True) == Decimal("15.00")
    with pytest.raises(CellError, match="percentage"):
        decimal(Percent(0.15), separator=".")


def test_boolean_cell_is_not_a_number():
    with pytest.raises(CellError):
        decimal(True, separator=".")


def test_whole_number_refuses_fractions():
    assert whole_number("1,000", separator=".") == "1000"
    assert whole_number(3.0, separator=".") == "3"
    with pytest.raises(CellError, match="not a whole number"):
        whole_number("3.5", separator=".")


def test_native_date_cell_and_iso_text_are_the_same_date():
    assert date_value(dt.datetime(2026, 3, 31)) == dt.date(2026, 3, 31)
    assert date_value(dt.date(2026, 3, 31)) == dt.date(2026, 3, 31)
    assert date_value("2026-03-31") == dt.date(2026, 3, 31)


@pytest.mark.parametrize("text", ["31/03/2026", "03/31/2026", "31.03.2026", "2026-02-30",
                                  "2026-3-31", "March 31", "45747"])
def test_ambiguous_or_wrong_dates_are_errors(text):
    with pytest.raises(CellError, match="not a date"):
        date_value(text)


def test_a_date_cell_with_a_time_in_a_date_field_is_an_error():
    with pytest.raises(CellError, match="time"):
        date_value(dt.datetime(2026, 3, 31, 14, 30))


def test_datetime_without_offset_is_read_in_the_chosen_zone():
    moment = datetime_value("2026-03-31 14:30", zone=BERLIN)
    assert moment.isoformat() == "2026-03-31T14:30:00+02:00"
    native = datetime_value(dt.datetime(2026, 1, 5, 9, 0), zone=BERLIN)
    assert native.isoformat() == "2026-01-05T09:00:00+01:00"


def test_datetime_with_offset_keeps_its_moment():
    moment = datetime_value("2026-03-31T14:30+05:30", zone=BERLIN)
    assert moment.astimezone(dt.UTC) == dt.datetime(2026, 3, 31, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("text", ["2026-03-29 02:30", "2026-10-25 02:30"])
def test_times_the_clocks_skip_or_repeat_are_errors(text):
    with pytest.raises(CellError, match="does not exist|happens twice"):
        datetime_value(text, zone=BERLIN)


@pytest.mark.parametrize("text", ["31/03/2026 14:30", "2026-03-31", "14:30", "2026-03-31 25:00"])
def test_unreadable_datetimes_are_errors(text):
    with pytest.raises(CellError):
        datetime_value(text, zone=BERLIN)


def test_date_only_cell_is_not_a_datetime():
    with pytest.raises(CellError, match="without a time"):
        datetime_value(dt.date(2026, 3, 31), zone=BERLIN)


STATUS = meta("Lead_Status", "picklist",
              picklist=["Contacted", ("Not contacted", "Not Contacted")])


def test_picklist_by_actual_display_or_unique_case():
    assert choice(STATUS, "Contacted", allow_new=False) == "Contacted"
    assert choice(STATUS, "Not contacted", allow_new=False) == "Not Contacted"
    assert choice(STATUS, "not contacted", allow_new=False) == "Not Contacted"


def test_unknown_picklist_value_suggests_the_closest():
    with pytest.raises(CellError, match="Closest: Contacted"):
        choice(STATUS, "Contactd", allow_new=False)


def test_unknown_picklist_value_sent_as_new_when_allowed():
    assert choice(STATUS, "Met at fair", allow_new=True) == "Met at fair"


def test_references():
    def resolve(module, value):
        raise CellError(f"no {module} {value}")

    assert reference("4876876000000624001", "Accounts", resolve) == "4876876000000624001"
    assert reference("row:12", "Accounts", resolve) == "row:12"
    assert reference("ROW: 7", "Accounts", resolve) == "row:7"
    with pytest.raises(CellError, match="row:"):
        reference("row:abc", "Accounts", resolve)
    with pytest.raises(CellError, match="no Accounts Zylker"):
        reference("Zylker", "Accounts", resolve)


def converter(**kwargs):
    return Converter(options=Options(time_zone="Europe/Berlin", **kwargs),
                     users={"42": "42", "ann@example.com": "42", "ann lee": "42",
                            "bo": None})


def test_multiselect_and_tags_split_on_semicolons():
    field = meta("Hobbies", "multiselectpicklist", picklist=["Golf", "Chess"])
    assert converter().inputs(field, "Golf; Chess") == {"Hobbies": ["Golf", "Chess"]}
    tag = meta("Tag", "text", json_type="jsonarray")
    assert converter().inputs(tag, "vip;fair 2026") == {"Tag": ["vip, fair 2026"]}
    with pytest.raises(CellError, match="comma"):
        converter().inputs(tag, "a,b")


def test_owner_by_email_or_name_and_ambiguous_name():
    owner = meta("Owner", "ownerlookup")
    assert converter().inputs(owner, "Ann@Example.com") == {"Owner": ["42"]}
    with pytest.raises(CellError, match="Several"):
        converter().inputs(owner, "Bo")
    with pytest.raises(CellError, match="not an active"):
        converter().inputs(owner, "Nobody")


def test_event_reminders():
    remind = meta("Remind_At", "event_reminder", json_type="jsonarray")
    assert converter().inputs(remind, "15 minutes;1 day") == {
        "Remind_At-0-unit": ["15"], "Remind_At-0-period": ["minutes"],
        "Remind_At-1-unit": ["1"], "Remind_At-1-period": ["days"]}
    for bad in ("15", "soon", "15 fortnights", "-5 minutes"):
        with pytest.raises(CellError, match="not a reminder"):
            converter().inputs(remind, bad)


def test_task_reminder_formats():
    alarm = meta("Remind_At", "ALARM", json_type="jsonobject")
    one_off = converter().inputs(alarm, "popup at 2026-04-01 09:00")
    assert one_off["Remind_At_action"] == ["POPUP"]
    assert one_off["Remind_At_at"] == ["2026-04-01T09:00"]
    repeat = converter().inputs(alarm, "EMAIL 2 weeks before at 08:30")
    assert repeat["Remind_At_before"] == ["2"] and repeat["Remind_At_unit"] == ["W"]
    for bad in ("popup", "at 2026-04-01 09:00", "EMAIL tomorrow", "SMS at 2026-04-01 09:00",
                "EMAIL 1 day before at 25:00"):
        with pytest.raises(CellError):
            converter().inputs(alarm, bad)


def test_recurrence_rule_parts_become_the_form_inputs():
    rule = meta("Recurring_Activity", "RRULE", json_type="jsonobject")
    inputs = converter().inputs(rule, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20261231")
    assert inputs["Recurring_Activity_freq"] == ["WEEKLY"]
    assert inputs["Recurring_Activity_byday"] == ["MO", "WE"]
    assert inputs["Recurring_Activity_until"] == ["2026-12-31"]
    for bad in ("weekly", "FREQ=WEEKLY;INTERVAL=1;COUNT=2;DTSTART=2026-01-01",
                "freq=weekly;interval=1;count=2"):
        with pytest.raises(CellError):
            converter().inputs(rule, bad)


def test_participants():
    people = meta("Participants", "text", json_type="jsonarray")
    inputs = converter().inputs(people, "user:Ann Lee; contact:row:5; guest@example.org")
    assert inputs == {"Participants_users": ["42"], "Participants_contacts": ["row:5"],
                      "Participants_emails": ["guest@example.org"]}
    with pytest.raises(CellError, match="user:"):
        converter().inputs(people, "Ann Lee")


def test_associated_products_follow_the_decimal_option():
    lines = meta("Associated_Products", "subform", json_type="jsonarray")
    inputs = converter(decimal=",").inputs(lines, "row:3 | 1.250,50 | 2 | 0,5; row:4")
    assert inputs["Associated_Products-0-List_Price"] == ["1250.50"]
    assert inputs["Associated_Products-0-Discount"] == ["0.5"]
    assert inputs["Associated_Products-1-Product"] == ["row:4"]
    with pytest.raises(CellError, match="decimal comma"):
        converter(decimal=",").inputs(lines, "row:3 | 1,250.50")


def test_related_to_without_its_module():
    related = meta("Related_To", "lookup", json_type="jsonobject")
    assert converter().related_to(related, "row:7", None) == {"Related_To": ["row:7"]}
    with pytest.raises(CellError, match=r"\$se_module"):
        converter().related_to(related, "Zylker", None)
    with pytest.raises(CellError, match="not Contacts"):
        converter().se_module("Leads")
