"""The sandbox's own validators, without a database."""

from __future__ import annotations

import pytest

from bigin_ui.sandbox import validation as v
from tests.sandbox.helpers import FakeResolver, check, contact, error_of, value_of

ACCOUNT = "2034020000000489159"
CONTACT = "2034020000000489033"
PRODUCT = "2034020000000489203"
DEAL = "2034020000000489123"
USER = "2034020000000457001"
RESOLVER = FakeResolver({
    ("Accounts", ACCOUNT): "Springfield Staffing Co.",
    ("Contacts", CONTACT): "Ava Bell",
    ("Products", PRODUCT): "Amazon Rainforest Expedition",
    ("Pipelines", DEAL): "Cruise Package",
})


def details(module, record, **options):
    return error_of(module, record, resolver=RESOLVER, **options)["details"]


def code(module, record, **options):
    return error_of(module, record, resolver=RESOLVER, **options)["code"]


# -- record-level order ----------------------------------------------------------------------------


def test_a_record_that_is_not_an_object_is_invalid_data_with_its_index():
    assert error_of("Contacts", ["x"]) == v.error_item(
        "INVALID_DATA", {"expected_data_type": "jsonobject", "index": 0})


def test_missing_mandatory_field_names_it_with_a_json_path():
    assert details("Contacts", {"First_Name": "A"}) == {
        "api_name": "Last_Name", "json_path": "$.data[0].Last_Name"}


def test_blank_mandatory_field_counts_as_missing():
    assert code("Contacts", {"Last_Name": "   "}) == "MANDATORY_NOT_FOUND"


def test_mandatory_comes_before_invalid_data():
    assert code("Contacts", {"Email": "not-an-email"}) == "MANDATORY_NOT_FOUND"


def test_first_missing_mandatory_field_in_metadata_order():
    assert details("Pipelines", {"Stage": "Qualification"})["api_name"] == "Deal_Name"


def test_unknown_field_is_invalid_data():
    assert details("Contacts", contact(Nickname="Bo")) == {
        "api_name": "Nickname", "json_path": "$.data[0].Nickname"}


def test_dollar_keys_and_id_are_allowed():
    assert isinstance(check("Contacts", contact(**{"$approved": True, "id": "1"})), v.Validated)


def test_system_fields_are_silently_ignored():
    result = check("Contacts", contact(Created_Time="garbage", Full_Name="X",
                                       Unsubscribed_Mode="Manual"))
    assert isinstance(result, v.Validated) and set(result.values) == {"Last_Name"}


def test_fields_are_walked_in_metadata_order():
    # Email comes before Mobile in the metadata, whatever the order of the keys.
    record = {"Mobile": "<bad>", "Email": "bad", "Last_Name": "X"}
    assert details("Contacts", record)["api_name"] == "Email"


def test_update_may_leave_out_mandatory_fields():
    assert isinstance(check("Contacts", {"Email": "a@b.co"}, existing={"Last_Name": "X"}),
                      v.Validated)


def test_update_may_not_blank_a_mandatory_field():
    assert code("Contacts", {"Last_Name": ""}, existing={"Last_Name": "X"}) == (
        "MANDATORY_NOT_FOUND")


def test_layout_required_fields_are_mandatory():
    from bigin_ui.sandbox.schema import build_schema

    schema = build_schema("Contacts", [("update", "Phone", {"set": {}, "required": True})])
    result = v.validate_record(schema, contact(), 0, RESOLVER)
    assert result["code"] == "MANDATORY_NOT_FOUND" and result["details"]["api_name"] == "Phone"


# -- text and lengths ------------------------------------------------------------------------------


def test_text_of_field_length_is_accepted():
    assert value_of("Contacts", contact("L" * 80), "Last_Name") == "L" * 80


def test_text_one_over_field_length_names_the_maximum():
    assert details("Contacts", contact("L" * 81)) == {
        "api_name": "Last_Name", "json_path": "$.data[0].Last_Name", "maximum_length": 80}


def test_an_emoji_counts_two_as_in_bigins_java_strings():
    # 79 letters and one emoji: 80 characters, 81 UTF-16 code units, over Last_Name's 80.
    assert details("Contacts", contact("L" * 79 + "😀"))["maximum_length"] == 80
    assert value_of("Contacts", contact("L" * 78 + "😀"), "Last_Name") == "L" * 78 + "😀"


def test_text_is_capped_at_255_whatever_the_length():
    meta = {"api_name": "X", "data_type": "text", "json_type": "string", "length": 1000}
    with pytest.raises(v.Invalid) as caught:
        v.check_field(meta, "x" * 256, _ctx())
    assert caught.value.maximum_length == 255
    assert v.check_field(meta, "x" * 255, _ctx()) == "x" * 255


def test_text_must_be_a_string():
    assert details("Contacts", contact(Title=5))["expected_data_type"] == "text"


def test_large_textarea_takes_32000():
    assert len(value_of("Contacts", contact(Description="d" * 32000), "Description")) == 32000


def test_large_textarea_refuses_32001():
    assert details("Contacts", contact(Description="d" * 32001))["maximum_length"] == 32000


def test_small_textarea_refuses_2001():
    assert details("Tasks", {"Subject": "s" * 2001})["maximum_length"] == 2000


@pytest.mark.parametrize(("size", "limit"), [("small", 2000), ("large", 32000)])
def test_textarea_without_a_length_takes_the_docs_limit_for_its_size(size, limit):
    meta = {"api_name": "Notes", "data_type": "textarea", "json_type": "string",
            "textarea": {"type": size}}
    assert v.check_field(meta, "n" * limit, _ctx()) == "n" * limit
    with pytest.raises(v.Invalid) as caught:
        v.check_field(meta, "n" * (limit + 1), _ctx())
    assert caught.value.maximum_length == limit


def test_type_is_checked_before_length():
    assert details("Contacts", contact(Email="x" * 200))["expected_data_type"] == "email"


# -- formats ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["+1 (555) 987-6543", "+1-555-1234567", "609-884-0686",
                                   "0721 000 111 ext. 5", "+254 (0) 722", "٠١٢٣"])
def test_phone_pattern_accepts(phone):
    assert v.valid_phone(phone)


@pytest.mark.parametrize("phone", ["<555>", "555 & 666", '"555"', ""])
def test_phone_pattern_refuses(phone):
    assert not v.valid_phone(phone)


def test_bad_phone_is_invalid_data_expecting_phone():
    assert details("Contacts", contact(Phone="<555>"))["expected_data_type"] == "phone"


def test_phone_over_its_length():
    assert details("Contacts", contact(Mobile="1" * 31))["maximum_length"] == 30


@pytest.mark.parametrize("url", ["www.techtronics.com", "https://help.zoho.com/portal/a/b",
                                 "http://example.co.uk", "ftp://files.example.org/x.zip",
                                 "example.com", "https://www.example.com/path?q=1"])
def test_website_pattern_accepts(url):
    assert v.valid_website(url)


@pytest.mark.parametrize("url", ["not a url", "http://", "example", "https://exa mple",
                                 "www.example.com/a<b", "mailto:x@example.com"])
def test_website_pattern_refuses(url):
    assert not v.valid_website(url)


def test_website_pattern_is_fast_on_long_failing_input():
    assert not v.valid_website("a.b" + "/" * 5000 + "\x01")


@pytest.mark.parametrize("email", ["a@b.co", "aravind.vavilala+bigin_v2apis@zohotest.com",
                                   "o'brien@example.ie"])
def test_email_pattern_accepts(email):
    assert v.valid_email(email)


@pytest.mark.parametrize("email", ["plain", "a@b", "a..b@example.com", ".a@example.com",
                                   "a@-example.com", "a b@example.com"])
def test_email_pattern_refuses(email):
    assert not v.valid_email(email)


@pytest.mark.parametrize("value", ["2026-02-28", "2024-02-29"])
def test_real_dates_are_accepted(value):
    assert v.parse_date(value) is not None


@pytest.mark.parametrize("value", ["2026-02-30", "2026-2-1", "26-02-01", "2026/02/01",
                                   "2026-02-01T00:00:00+03:00"])
def test_other_dates_are_refused(value):
    assert v.parse_date(value) is None


def test_datetime_with_offset_is_accepted():
    assert v.parse_datetime("2023-07-12T15:30:00+05:30") is not None


@pytest.mark.parametrize("value", ["2023-07-12T15:30:00", "2023-07-12T15:30:00Z",
                                   "2023-07-12T15:30:00.000+05:30", "2023-07-12 15:30:00+05:30",
                                   "2023-07-12T25:30:00+05:30", "2023-07-12T15:30:00+15:00"])
def test_datetime_without_offset_with_z_or_millis_is_refused(value):
    assert v.parse_datetime(value) is None


def test_bad_datetime_expects_datetime():
    assert details("Calls", _call(Call_Start_Time="2023-07-12T15:30:00Z"))[
        "expected_data_type"] == "datetime"


# -- numbers ---------------------------------------------------------------------------------------


def test_sixteen_digits_before_the_point_pass():
    assert v.check_decimal("1" * 16) == int("1" * 16)


def test_seventeen_digits_before_the_point_fail_with_a_maximum():
    with pytest.raises(v.Invalid) as caught:
        v.check_decimal("1" * 17)
    assert caught.value.maximum_length == 16


def test_nine_decimals_pass():
    assert v.check_decimal("0.123456789") == pytest.approx(0.123456789)


def test_ten_decimals_fail():
    with pytest.raises(v.Invalid):
        v.check_decimal("0.1234567891")


def test_numeric_strings_are_numbers():
    assert value_of("Pipelines", _deal(Amount="4000"), "Amount") == 4000


def test_trailing_zero_decimals_do_not_count():
    assert v.check_decimal("1.500000000000") == 1.5


@pytest.mark.parametrize("value", [True, "12a", "1e5", "", [1], {"a": 1}, "1,000"])
def test_non_numbers_expect_double(value):
    with pytest.raises(v.Invalid) as caught:
        v.check_decimal(value)
    assert caught.value.expected == "double"


def test_currency_respects_its_decimal_places():
    assert details("Pipelines", _deal(Amount=10.123)) == {
        "api_name": "Amount", "json_path": "$.data[0].Amount"}


def test_currency_within_its_decimal_places_passes():
    assert value_of("Pipelines", _deal(Amount=10.12), "Amount") == 10.12


def test_double_is_not_bound_by_decimal_place():
    assert value_of("Products", {"Product_Name": "P", "Weight_Kg": 1.23456}, "Weight_Kg") == (
        1.23456)


def test_percent_takes_five_digits():
    assert value_of("Accounts", {"Account_Name": "A", "Satisfaction": 99999},
                    "Satisfaction") == 99999


def test_percent_refuses_six_digits():
    assert details("Accounts", {"Account_Name": "A", "Satisfaction": 100000})[
        "maximum_length"] == 5


@pytest.mark.parametrize("value", [2**31 - 1, -(2**31), "42"])
def test_integer_range_passes(value):
    assert v.check_integer(value) == int(value)


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 1.5, 2.0, True, "4.0"])
def test_integer_out_of_range_or_not_whole_fails(value):
    with pytest.raises(v.Invalid) as caught:
        v.check_integer(value)
    assert caught.value.expected == "integer"


def test_bigint_takes_eighteen_digits():
    assert v.check_bigint("-" + "9" * 18) == "-" + "9" * 18


def test_bigint_refuses_nineteen_digits():
    with pytest.raises(v.Invalid) as caught:
        v.check_bigint("9" * 19)
    assert caught.value.maximum_length == 18


def test_bigint_from_a_json_number_is_kept_as_text():
    assert value_of("Accounts", {"Account_Name": "A", "Account_Number": 123},
                    "Account_Number") == "123"


def test_boolean_must_be_json_true_or_false():
    assert details("Contacts", contact(Email_Opt_Out="true")) == {
        "api_name": "Email_Opt_Out", "json_path": "$.data[0].Email_Opt_Out",
        "expected_data_type": "boolean"}


# -- picklists -------------------------------------------------------------------------------------


def test_picklist_takes_the_actual_value():
    assert value_of("Tasks", {"Subject": "S", "Priority": "Normal"}, "Priority") == "Normal"


def test_unknown_picklist_value_is_refused_when_strict():
    assert details("Tasks", {"Subject": "S", "Priority": "Urgent"}) == {
        "api_name": "Priority", "json_path": "$.data[0].Priority"}


def test_unknown_picklist_value_is_taken_when_not_strict():
    assert value_of("Tasks", {"Subject": "S", "Priority": "Urgent"}, "Priority",
                    strict_picklists=False) == "Urgent"


def test_picklist_display_value_is_not_the_actual_value():
    assert code("Contacts", contact(Interests=["Wellness & Spa"])) == "INVALID_DATA"


def test_multiselect_takes_a_list_of_actual_values():
    assert value_of("Contacts", contact(Interests=["Safari", "Wellness"]), "Interests") == [
        "Safari", "Wellness"]


def test_multiselect_refuses_a_string():
    assert details("Contacts", contact(Interests="Safari"))["expected_data_type"] == "jsonarray"


def test_call_type_is_strict_even_when_picklists_are_not():
    assert code("Calls", _call(Call_Type="Outgoing"), strict_picklists=False) == "INVALID_DATA"


# -- lookups and owners ----------------------------------------------------------------------------


def test_lookup_is_stored_with_its_name():
    assert value_of("Contacts", contact(Account_Name={"id": ACCOUNT}), "Account_Name",
                    resolver=RESOLVER) == {"name": "Springfield Staffing Co.", "id": ACCOUNT}


def test_lookup_to_a_missing_record_is_invalid():
    assert details("Contacts", contact(Account_Name={"id": "2034020000000000001"})) == {
        "api_name": "Account_Name", "json_path": "$.data[0].Account_Name"}


def test_lookup_given_as_a_string_expects_an_object():
    assert details("Contacts", contact(Account_Name="Acme"))["expected_data_type"] == (
        "jsonobject")


def test_owner_must_be_an_active_user():
    assert code("Contacts", contact(Owner={"id": "2034020000000472150"})) == "INVALID_DATA"


def test_owner_that_is_a_user_passes():
    assert value_of("Contacts", contact(Owner={"id": USER}), "Owner")["id"] == USER


def test_secondary_contacts_must_exist():
    assert details("Pipelines", _deal(Secondary_Contacts=[{"id": CONTACT}, {"id": "1"}]))[
        "json_path"] == "$.data[0].Secondary_Contacts[1]"


def test_tags_are_names():
    assert value_of("Contacts", contact(Tag=[{"name": "A"}, {"name": "a"}, {"name": "B"}]),
                    "Tag") == ["A", "B"]


def test_tag_without_a_name_is_invalid():
    assert code("Contacts", contact(Tag=[{"id": "1"}])) == "INVALID_DATA"


# -- activities ------------------------------------------------------------------------------------


def _call(**extra):
    return {"Call_Type": "Outbound", "Call_Start_Time": "2023-07-12T15:30:00+05:30",
            "Call_Duration": "90:00", **extra}


def _event(**extra):
    return {"Event_Title": "E", "Start_DateTime": "2023-08-20T10:00:00+05:30",
            "End_DateTime": "2023-08-21T10:00:00+05:30", **extra}


def _deal(**extra):
    return {"Deal_Name": "D", "Sub_Pipeline": "Sales Pipeline Standard",
            "Stage": "Qualification", **extra}


@pytest.mark.parametrize("duration", ["0:30", "90:00", "05:59"])
def test_call_duration_in_minutes_and_seconds(duration):
    assert value_of("Calls", _call(Call_Duration=duration), "Call_Duration") == duration


@pytest.mark.parametrize("duration", ["90", "1:60", "1:5", "100:00", "1h"])
def test_call_duration_in_other_forms_is_invalid(duration):
    assert code("Calls", _call(Call_Duration=duration)) == "INVALID_DATA"


def test_related_to_without_se_module_is_found_in_any_parent_module():
    result = check("Calls", _call(Related_To={"id": DEAL}), resolver=RESOLVER)
    assert result.values["Related_To"] == {"name": "Cruise Package", "id": DEAL}
    assert result.se_module == "Pipelines"


def test_related_to_must_be_in_the_named_se_module():
    assert code("Events", _event(Related_To={"id": DEAL}, **{"$se_module": "Contacts"})) == (
        "INVALID_DATA")


def test_unknown_se_module_is_reported_on_se_module():
    assert details("Events", _event(Related_To={"id": CONTACT}, **{"$se_module": "Leads"}))[
        "api_name"] == "$se_module"


def test_event_must_end_after_it_starts():
    assert details("Events", _event(End_DateTime="2023-08-20T10:00:00+05:30"))[
        "api_name"] == "End_DateTime"


def test_event_end_compares_across_offsets():
    # 10:00+05:30 is 04:30 UTC; 05:00+00:00 is later.
    assert isinstance(check("Events", _event(End_DateTime="2023-08-20T05:00:00+00:00")),
                      v.Validated)


@pytest.mark.parametrize("reminders", [[{"unit": 1, "period": "hours"}],
                                       [{"unit": 30, "period": "minutes"},
                                        {"unit": 2, "period": "weeks"}]])
def test_multireminder_accepts_units_and_periods(reminders):
    assert value_of("Events", _event(Remind_At=reminders), "Remind_At") == reminders


@pytest.mark.parametrize("reminder", [{"unit": 0, "period": "hours"},
                                      {"unit": "1", "period": "hours"},
                                      {"unit": 1, "period": "months"},
                                      {"unit": 1}, {"unit": 1, "period": "days", "x": 1}])
def test_multireminder_refuses(reminder):
    assert code("Events", _event(Remind_At=[reminder])) == "INVALID_DATA"


def test_participants_of_every_type():
    people = value_of("Events", _event(Participants=[
        {"type": "user", "participant": "2034020000000472114"},
        {"type": "email", "participant": "guest@example.com"},
        {"type": "contact", "participant": CONTACT},
    ]), "Participants", resolver=RESOLVER)
    assert [p["name"] for p in people] == ["Patricia Boyle", "guest@example.com", "Ava Bell"]


@pytest.mark.parametrize("participant", [
    {"type": "user", "participant": "2034020000000472150"},
    {"type": "contact", "participant": "2034020000000000001"},
    {"type": "email", "participant": "nope"},
    {"type": "lead", "participant": "x"},
])
def test_bad_participants_are_invalid(participant):
    assert details("Events", _event(Participants=[participant]))["api_name"] == "Participants"


def test_associated_products_lines_are_checked():
    lines = value_of("Pipelines", _deal(Associated_Products=[
        {"Product": {"id": PRODUCT}, "List_Price": 1500, "Quantity": 2, "Discount": 10}]),
        "Associated_Products", resolver=RESOLVER)
    assert lines[0]["Product"] == {"name": "Amazon Rainforest Expedition", "id": PRODUCT}
    assert (lines[0]["Total"], lines[0]["Net_Total"]) == (3000, 2990)


@pytest.mark.parametrize("line", [
    {"Product": {"id": "1"}, "Quantity": 1},
    {"Product": {"id": PRODUCT}, "Quantity": 0},
    {"Product": {"id": PRODUCT}, "Quantity": 1, "Discount": -1},
    {"Product": {"id": PRODUCT}},
    {"Product": {"id": PRODUCT}, "Quantity": 1, "Colour": "red"},
])
def test_bad_associated_product_lines(line):
    assert details("Pipelines", _deal(Associated_Products=[line]))["api_name"] == (
        "Associated_Products")


# -- pipelines -------------------------------------------------------------------------------------


def test_stage_must_belong_to_the_sub_pipeline():
    assert details("Pipelines", _deal(Stage="Contacted"))["api_name"] == "Stage"


def test_sub_pipeline_must_belong_to_the_team_pipeline():
    record = _deal(Pipeline={"id": "2034020000000095051"})
    assert details("Pipelines", record)["api_name"] == "Sub_Pipeline"


def test_second_team_pipeline_takes_its_own_values():
    record = _deal(Pipeline={"id": "2034020000000095051", "name": "Partnerships"},
                   Sub_Pipeline="Reseller Renewals", Stage="Quote Sent")
    result = check("Pipelines", record)
    assert result.values["Pipeline"] == {"name": "Partnerships", "id": "2034020000000095051"}


def test_unknown_team_pipeline_is_invalid():
    assert details("Pipelines", _deal(Pipeline={"id": "1"}))["api_name"] == "Pipeline"


def test_stage_display_value_is_refused():
    record = _deal(Sub_Pipeline="Marketing Pipeline Standard", Stage="New Inquiry")
    assert details("Pipelines", record)["api_name"] == "Stage"


# -- RRULE and ALARM -------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", [
    "FREQ=MONTHLY;INTERVAL=1;BYDAY=MO;UNTIL=2023-09-05",
    "FREQ=WEEKLY;INTERVAL=1;UNTIL=2023-07-27;BYDAY=TH;DTSTART=2023-07-26",
    "FREQ=MONTHLY;INTERVAL=1;BYDAY=MO;BYSETPOS=1;COUNT=3",
    "FREQ=DAILY;COUNT=99",
    "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31;COUNT=2",
    "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR;COUNT=1",
])
def test_rrule_accepts(rule):
    assert v.parse_rrule(rule)


@pytest.mark.parametrize("rule", [
    "INTERVAL=1;COUNT=2",  # no FREQ
    "FREQ=HOURLY;COUNT=2",
    "FREQ=DAILY;INTERVAL=100;COUNT=2",
    "FREQ=DAILY;INTERVAL=0;COUNT=2",
    "FREQ=DAILY;COUNT=100",
    "FREQ=DAILY",  # neither COUNT nor UNTIL
    "FREQ=DAILY;COUNT=2;UNTIL=2026-01-01",
    "FREQ=WEEKLY;BYMONTHDAY=3;COUNT=2",
    "FREQ=MONTHLY;BYMONTHDAY=32;COUNT=2",
    "FREQ=WEEKLY;BYSETPOS=1;BYDAY=MO;COUNT=2",
    "FREQ=MONTHLY;BYSETPOS=5;BYDAY=MO;COUNT=2",
    "FREQ=WEEKLY;BYDAY=MON;COUNT=2",
    "FREQ=DAILY;UNTIL=2026-13-01",
    "FREQ=DAILY;COUNT=2;WKST=MO",
    "FREQ=DAILY;COUNT=2;COUNT=3",
    "FREQ=DAILY;UNTIL=2026-01-01;DTSTART=2026-02-01",
])
def test_rrule_refuses(rule):
    with pytest.raises(ValueError):
        v.parse_rrule(rule)


def test_recurring_activity_must_be_an_rrule_object():
    assert details("Tasks", {"Subject": "S", "Recurring_Activity": "FREQ=DAILY;COUNT=2"})[
        "expected_data_type"] == "jsonobject"


def test_alarm_date_time_for_a_one_off_task():
    assert v.parse_alarm("FREQ=NONE;ACTION=EMAIL;TRIGGER=DATE-TIME:2023-07-25T12:00:00+05:30",
                         recurring=False)


def test_alarm_days_before_for_a_recurring_task():
    assert v.parse_alarm("ACTION=POPUP;TRIGGER=-P2D;TRIGGER_TIME=22:45", recurring=True)


def test_alarm_weeks_before_without_minus():
    assert v.parse_alarm("ACTION=EMAIL;TRIGGER=P3W;TRIGGER_TIME=08:00", recurring=True)


@pytest.mark.parametrize(("alarm", "recurring"), [
    ("ACTION=EMAIL;TRIGGER=-P2D;TRIGGER_TIME=22:45", False),  # days-before on a one-off task
    ("ACTION=EMAIL;TRIGGER=-P2D", True),  # no TRIGGER_TIME
    ("ACTION=EMAIL;TRIGGER=-P2D;TRIGGER_TIME=24:00", True),
    ("ACTION=SMS;TRIGGER=DATE-TIME:2023-07-25T12:00:00+05:30", False),
    ("TRIGGER=DATE-TIME:2023-07-25T12:00:00+05:30", False),  # no ACTION
    ("ACTION=EMAIL", False),  # no TRIGGER
    ("ACTION=EMAIL;TRIGGER=DATE-TIME:2023-07-25T12:00:00", False),  # no offset
    ("ACTION=EMAIL;TRIGGER=DATE-TIME:2023-07-25T12:00:00+05:30;TRIGGER_TIME=10:00", False),
    ("FREQ=DAILY;ACTION=EMAIL;TRIGGER=DATE-TIME:2023-07-25T12:00:00+05:30", False),
    ("ACTION=EMAIL;TRIGGER=-P2H;TRIGGER_TIME=10:00", True),
])
def test_alarm_refuses(alarm, recurring):
    with pytest.raises(ValueError):
        v.parse_alarm(alarm, recurring=recurring)


def test_task_alarm_sees_the_recurrence_of_the_same_record():
    record = {"Subject": "S", "Recurring_Activity": {"RRULE": "FREQ=DAILY;COUNT=3"},
              "Remind_At": {"ALARM": "ACTION=EMAIL;TRIGGER=-P1D;TRIGGER_TIME=09:00"}}
    assert isinstance(check("Tasks", record), v.Validated)


def test_task_alarm_days_before_without_recurrence_is_invalid():
    alarm = "ACTION=EMAIL;TRIGGER=-P1D;TRIGGER_TIME=09:00"
    record = {"Subject": "S", "Remind_At": {"ALARM": alarm}}
    assert details("Tasks", record)["api_name"] == "Remind_At"


def _ctx():
    from tests.sandbox.helpers import schema

    return v.RecordContext(schema=schema("Contacts"), raw={}, resolver=RESOLVER,
                           strict_picklists=True, existing=None, team_pipeline=None)
