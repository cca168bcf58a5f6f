from __future__ import annotations

import time

import pytest

from bigin_ui.metadata.validation import (
    Context,
    FieldInvalid,
    check_alarm,
    check_rrule,
    validate_record,
    validate_value,
)
from tests.factories import meta

CTX = Context()


def ok(m, value, ctx=CTX) -> bool:
    try:
        validate_value(m, value, ctx)
    except FieldInvalid:
        return False
    return True


def test_single_line_accepts_255_characters():
    assert ok(meta("Title", length=255), "x" * 255)


def test_single_line_rejects_256_characters():
    assert not ok(meta("Title", length=255), "x" * 256)


def test_single_line_never_exceeds_255_even_if_metadata_says_more():
    assert not ok(meta("Title", length=300), "x" * 256)


def test_text_uses_the_fields_own_length():
    assert ok(meta("Last_Name", length=80), "x" * 80)
    assert not ok(meta("Last_Name", length=80), "x" * 81)


def test_small_textarea_is_2000_characters():
    small = meta("Notes", "textarea", length=None, textarea={"type": "small"})
    assert ok(small, "x" * 2000)
    assert not ok(small, "x" * 2001)


def test_large_textarea_is_32000_characters():
    large = meta("Description", "textarea", length=32000, textarea={"type": "large"})
    assert ok(large, "x" * 32000)
    assert not ok(large, "x" * 32001)


@pytest.mark.parametrize("value", ["16 digits before", "1234567890123456", "1234567890123456.5"])
def test_currency_accepts_16_digits_before_the_point(value):
    if value == "16 digits before":
        value = "9" * 16
    assert ok(meta("Amount", "currency"), value)


def test_currency_rejects_17_digits_before_the_point():
    assert not ok(meta("Amount", "currency"), "1" * 17)


def test_decimal_accepts_9_decimals_and_rejects_10():
    m = meta("Weight", "double")
    assert ok(m, "1." + "1" * 9)
    assert not ok(m, "1." + "1" * 10)


def test_decimal_place_limits_decimals():
    m = meta("Price", "currency", decimal_place=2)
    assert ok(m, "10.25")
    assert not ok(m, "10.255")


def test_trailing_zeros_do_not_count_as_decimals():
    assert ok(meta("Price", "currency", decimal_place=2), "10.2500")


def test_percent_rejects_6_digits():
    # Doc: "Percent ... Accepts numbers up to 5 digits." The app stops at 100 on purpose
    # (README; tests/metadata/test_doc_rules.py), so 99999 is refused as well.
    m = meta("Probability", "percent")
    assert ok(m, 100)
    assert not ok(m, 100000)
    assert not ok(m, 99999)


def test_bigint_accepts_18_digits_and_rejects_19():
    m = meta("Account_Number", "bigint")
    assert ok(m, "9" * 18)
    assert not ok(m, "9" * 19)


def test_bigint_must_be_whole():
    assert not ok(meta("Account_Number", "bigint"), "12.5")


def test_integer_rejects_text_and_booleans():
    m = meta("Employees", "integer")
    assert ok(m, 12)
    assert not ok(m, "twelve")
    assert not ok(m, True)


def test_boolean_accepts_only_json_booleans():
    m = meta("Email_Opt_Out", "boolean")
    assert ok(m, False)
    assert not ok(m, "true")


@pytest.mark.parametrize(
    "value",
    ["2026-11-26T10:00:00", "2026-11-26T10:00:00Z", "2026-11-26T10:00:00.123+01:00",
     "2026-11-26 10:00:00+01:00", "2026-02-30T10:00:00+01:00"],
)
def test_datetime_needs_an_offset_and_no_fractions(value):
    assert not ok(meta("Start_DateTime", "datetime"), value)


def test_datetime_with_offset_is_accepted():
    assert ok(meta("Start_DateTime", "datetime"), "2026-11-26T10:00:00+05:30")


def test_date_must_be_a_real_calendar_date():
    m = meta("Closing_Date", "date")
    assert ok(m, "2024-02-29")
    assert not ok(m, "2023-02-29")
    assert not ok(m, "26/11/2026")


@pytest.mark.parametrize("value", ["+1 (555) 987-6543", "555.123.4567 ext 12", "＋81 3-1234"])
def test_phone_accepts_the_docs_character_set(value):
    assert ok(meta("Phone", "phone", length=30), value)


@pytest.mark.parametrize("value", ["555<123>", 'call "me"', "12&34"])
def test_phone_rejects_characters_outside_the_docs_pattern(value):
    assert not ok(meta("Phone", "phone", length=30), value)


def test_phone_longer_than_its_length_is_rejected():
    assert not ok(meta("Mobile", "phone", length=30), "1" * 31)


@pytest.mark.parametrize(
    "value", ["www.techtronics.com", "https://example.org/path?q=1", "ftp://files.example.net",
              "example.co.uk"])
def test_website_accepts_what_the_docs_pattern_accepts(value):
    assert ok(meta("Website", "website"), value)


@pytest.mark.parametrize("value", ["not a url", "http://localhost", "www.exa@mple.com",
                                   "https://exa\"mple.com"])
def test_website_rejects_invalid_urls(value):
    assert not ok(meta("Website", "website"), value)


def test_email_is_checked():
    m = meta("Email", "email", length=100)
    assert ok(m, "sarah.johnson@example.com")
    assert not ok(m, "sarah@")


def test_picklist_takes_the_actual_value_not_the_display_value():
    m = meta("Stage", "picklist", picklist=[("New Inquiry", "New Enquiry")])
    assert ok(m, "New Enquiry")
    assert not ok(m, "New Inquiry")


def test_multiselect_rejects_unknown_values():
    m = meta("Interests", "multiselectpicklist", picklist=["Golf", "Sailing"])
    assert ok(m, ["Golf"])
    assert not ok(m, ["Golf", "Chess"])


def test_lookup_accepts_a_bigin_id_or_a_queued_row():
    m = meta("Account_Name", "lookup", lookup={"module": {"api_name": "Accounts"}})
    ctx = Context(pending_row_ids=lambda pk: pk == "7")
    assert ok(m, {"id": "2034020000000489159"}, ctx)
    assert ok(m, {"$row": 7}, ctx)
    assert not ok(m, {"$row": 8}, ctx)
    assert not ok(m, {"id": "Acme Inc"}, ctx)


def test_multiselectlookup_takes_a_list_of_bigin_ids_or_queued_rows():
    m = meta("Secondary_Contacts", "multiselectlookup", json_type="jsonarray")
    ctx = Context(pending_row_ids=lambda pk: pk == "7")
    assert ok(m, [{"id": "2034020000000489159"}, {"$row": 7}], ctx)
    assert not ok(m, {"id": "2034020000000489159"}, ctx)  # one object, not a list
    assert not ok(m, [{"id": "2034020000000489159"}, {"$row": 8}], ctx)
    assert not ok(m, [{"id": "Ann Smith"}], ctx)
    assert not ok(m, ["2034020000000489159"], ctx)


def test_owner_must_be_a_synced_user():
    m = meta("Owner", "ownerlookup")
    ctx = Context(user_ids=frozenset({"111"}))
    assert ok(m, {"id": "111"}, ctx)
    assert not ok(m, {"id": "222"}, ctx)


def test_tags_need_names():
    m = meta("Tag", "text", json_type="jsonarray", length=2000)
    assert ok(m, [{"name": "Hot"}])
    assert not ok(m, [{"name": " "}])


@pytest.mark.parametrize("rule", [
    "FREQ=MONTHLY;INTERVAL=1;BYDAY=MO;UNTIL=2023-09-05",
    "FREQ=WEEKLY;INTERVAL=1;UNTIL=2023-07-27;BYDAY=TH;DTSTART=2023-07-26",
    "FREQ=DAILY;INTERVAL=99;COUNT=99",
    "FREQ=YEARLY;INTERVAL=1;COUNT=3;BYMONTHDAY=31",
    "FREQ=MONTHLY;INTERVAL=2;COUNT=5;BYDAY=FR;BYSETPOS=-1",
])
def test_valid_recurrence_rules(rule):
    check_rrule(rule)


@pytest.mark.parametrize("rule", [
    "INTERVAL=1;COUNT=2",  # no FREQ
    "FREQ=HOURLY;INTERVAL=1;COUNT=2",
    "FREQ=DAILY;INTERVAL=0;COUNT=2",
    "FREQ=DAILY;INTERVAL=100;COUNT=2",
    "FREQ=DAILY;INTERVAL=1;COUNT=100",
    "FREQ=DAILY;INTERVAL=1",  # neither COUNT nor UNTIL
    "FREQ=WEEKLY;INTERVAL=1;COUNT=2;BYMONTHDAY=3",
    "FREQ=MONTHLY;INTERVAL=1;COUNT=2;BYMONTHDAY=32",
    "FREQ=MONTHLY;INTERVAL=1;COUNT=2;BYSETPOS=5",
    "FREQ=WEEKLY;INTERVAL=1;COUNT=2;BYSETPOS=1",
    "FREQ=WEEKLY;INTERVAL=1;COUNT=2;BYDAY=XX",
    "FREQ=DAILY;INTERVAL=1;UNTIL=2023/09/05",
])
def test_invalid_recurrence_rules(rule):
    with pytest.raises(FieldInvalid):
        check_rrule(rule)


def test_one_off_task_reminder_needs_a_date_time():
    check_alarm("FREQ=NONE;ACTION=EMAIL;TRIGGER=DATE-TIME:2023-07-25T12:00:00+05:30",
                recurring=False)
    with pytest.raises(FieldInvalid):
        check_alarm("ACTION=EMAIL;TRIGGER=-P1D;TRIGGER_TIME=09:00", recurring=False)


def test_recurring_task_reminder_days_or_weeks_before_needs_a_time():
    check_alarm("ACTION=POPUP;TRIGGER=-P2W;TRIGGER_TIME=22:45", recurring=True)
    with pytest.raises(FieldInvalid):
        check_alarm("ACTION=POPUP;TRIGGER=-P2W", recurring=True)
    with pytest.raises(FieldInvalid):
        check_alarm("ACTION=SMS;TRIGGER=-P2W;TRIGGER_TIME=22:45", recurring=True)


def test_recurring_task_may_be_reminded_at_a_moment_like_the_docs_sample():
    check_alarm("FREQ=NONE;ACTION=EMAIL;TRIGGER=DATE-TIME:2023-07-25T12:00:00+05:30",
                recurring=True)


def test_recurrence_ends_by_count_or_date_not_both():
    with pytest.raises(FieldInvalid):
        check_rrule("FREQ=DAILY;INTERVAL=1;COUNT=3;UNTIL=2026-12-01")


def test_record_level_checks_required_fields_and_end_after_start():
    fields = (meta("Event_Title", system_mandatory=True), meta("Start_DateTime", "datetime"),
              meta("End_DateTime", "datetime"))
    errors = validate_record(fields, {"Start_DateTime": "2026-01-02T10:00:00+00:00",
                                      "End_DateTime": "2026-01-02T09:00:00+00:00"},
                             module="Events")
    assert set(errors) == {"Event_Title", "End_DateTime"}


def test_record_level_reports_unknown_fields():
    errors = validate_record((meta("Last_Name"),), {"Last_Name": "A", "Nope": 1})
    assert "Nope" in errors["__all__"]


# -- agreement with Bigin's (the sandbox's) rules, found by tests/metadata/test_properties.py --


def test_a_failing_website_with_many_slashes_is_refused_quickly():
    started = time.perf_counter()
    assert not ok(meta("Website", "website"), "www.a.com" + "/" * 28 + "\x00")
    assert time.perf_counter() - started < 1


def test_website_surrounded_by_unicode_space_is_read_without_it():
    assert not ok(meta("Website", "website"), "http://0.\x85")


@pytest.mark.parametrize("value", [".ann@example.com", "ann.@example.com", "a..b@example.com",
                                   "ann@example.c", "ann@example.123", "ann@example.com\n"])
def test_email_local_part_is_dot_separated_and_the_domain_ends_in_letters(value):
    assert not ok(meta("Email", "email", length=100), value)


def test_email_with_plus_and_subdomains_is_accepted():
    assert ok(meta("Email", "email", length=100), "aravind.vavilala+bigin_v2apis@zohotest.com")


@pytest.mark.parametrize("value", ["2026-11-26T10:00:00+14:01", "2026-11-26T10:00:00-15:00"])
def test_datetime_offset_beyond_14_hours_is_rejected(value):
    assert not ok(meta("Start_DateTime", "datetime"), value)


def test_datetime_offset_of_14_hours_is_accepted():
    assert ok(meta("Start_DateTime", "datetime"), "2026-11-26T10:00:00+14:00")


@pytest.mark.parametrize("value", ["1e5", "+5", ".5", "5.", "1_000", "٣"])
def test_numbers_given_as_text_are_plain_digits(value):
    assert not ok(meta("Amount", "currency"), value)


def test_amount_as_text_like_the_docs_sample_is_accepted():
    assert ok(meta("Amount", "currency"), "4000")


def test_bigint_counts_leading_zeros_as_digits():
    assert not ok(meta("Account_Number", "bigint"), "0" * 18 + "1")


def test_multiselect_choices_together_stay_within_the_fields_length():
    m = meta("Hobbies", "multiselectpicklist", length=12, picklist=["Golf", "Sailing"])
    assert ok(m, ["Golf", "Sailing"])
    assert not ok(m, ["Golf", "Golf", "Golf"])


def test_a_tag_name_has_at_most_100_characters():
    m = meta("Tag", "text", json_type="jsonarray", length=2000)
    assert ok(m, [{"name": "x" * 100}])
    assert not ok(m, [{"name": "x" * 101}])


def test_tags_with_their_separators_stay_within_the_fields_length():
    m = meta("Tag", "text", json_type="jsonarray", length=2000)
    assert not ok(m, [{"name": f"{i:02d}" + "x" * 98} for i in range(20)])


@pytest.mark.parametrize("rule", [
    "freq=DAILY;INTERVAL=1;COUNT=2",
    "FREQ=daily;INTERVAL=1;COUNT=2",
    "FREQ=DAILY; INTERVAL=1;COUNT=2",
    "FREQ=WEEKLY;INTERVAL=1;COUNT=2;BYDAY=MO,MO",
    "FREQ=DAILY;INTERVAL=1;UNTIL=2023-07-01;DTSTART=2023-07-26",
])
def test_recurrence_rules_are_read_exactly_as_sent(rule):
    with pytest.raises(FieldInvalid):
        check_rrule(rule)


def test_a_recurrence_holds_only_its_rrule():
    m = meta("Recurring_Activity", "RRULE")
    assert ok(m, {"RRULE": "FREQ=DAILY;INTERVAL=1;COUNT=2"})
    assert not ok(m, {"RRULE": "FREQ=DAILY;INTERVAL=1;COUNT=2", "DTSTART": "2026-01-01"})


@pytest.mark.parametrize("alarm", [
    "FREQ=DAILY;ACTION=EMAIL;TRIGGER=DATE-TIME:2023-07-25T12:00:00+05:30",
    "action=EMAIL;TRIGGER=DATE-TIME:2023-07-25T12:00:00+05:30",
    "ACTION=EMAIL;ACTION=POPUP;TRIGGER=DATE-TIME:2023-07-25T12:00:00+05:30",
])
def test_task_reminders_are_read_exactly_and_do_not_repeat(alarm):
    with pytest.raises(FieldInvalid):
        check_alarm(alarm, recurring=False)


def test_event_reminders_hold_only_a_unit_and_a_period():
    m = meta("Remind_At", "multireminder")
    assert ok(m, [{"unit": 30, "period": "minutes"}])
    assert not ok(m, [{"unit": 30, "period": "minutes", "note": "x"}])


def test_a_blank_text_does_not_fill_a_mandatory_field():
    errors = validate_record((meta("Last_Name", system_mandatory=True),), {"Last_Name": "   "})
    assert "Last_Name" in errors


@pytest.mark.parametrize(("duration", "accepted"), [("90:00", True), ("0:30", True),
                                                    ("100:00", False), ("90", False),
                                                    ("1:60", False)])
def test_call_duration_is_minutes_and_seconds(duration, accepted):
    fields = (meta("Call_Duration", length=10),)
    errors = validate_record(fields, {"Call_Duration": duration}, module="Calls")
    assert ("Call_Duration" not in errors) is accepted


PRODUCT_LINE = {"Product": {"id": "2034020000000489203"}, "List_Price": 2000, "Quantity": 1}


def test_product_line_like_the_docs_sample_is_accepted():
    assert ok(meta("Associated_Products", "subform"), [PRODUCT_LINE])


@pytest.mark.parametrize("line", [
    {"Product": {"id": "2034020000000489203"}, "List_Price": 2000},
    {**PRODUCT_LINE, "List_Price": 10**17},
    {**PRODUCT_LINE, "Quantity": 0.0000000001},
    {**PRODUCT_LINE, "Quantity": "1e2"},
    {**PRODUCT_LINE, "Note": "gift wrap"},
])
def test_product_lines_need_a_quantity_plain_numbers_and_known_keys(line):
    assert not ok(meta("Associated_Products", "subform"), [line])


def test_a_contact_participant_is_a_bare_id_or_a_queued_row():
    m = meta("Participants", "bigint", json_type="jsonarray")
    ctx = Context(pending_row_ids=lambda pk: pk == "4")
    assert ok(m, [{"type": "contact", "participant": "2034020000000489034"}], ctx)
    assert ok(m, [{"type": "contact", "participant": {"$row": 4}}], ctx)
    assert not ok(m, [{"type": "contact", "participant": {"id": "2034020000000489034"}}], ctx)
