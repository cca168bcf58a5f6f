"""Issue 12 items 3 and 4: rules taken from each field's metadata where it is narrower than the
doc, and from the doc where the app used to be stricter than Bigin. Each test quotes what it
follows: the Add Records doc (../shared/seed/bigin-add-records-api.txt) or the metadata."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bigin_ui.metadata.fields import parse_field
from bigin_ui.metadata.formfields import parse_typed_number
from bigin_ui.metadata.validation import (
    Context,
    FieldInvalid,
    call_duration,
    picklist_value,
    utf16_len,
    validate_record,
    validate_value,
)
from bigin_ui.sandbox import catalog
from tests.factories import meta
from tests.metadata.test_seed_samples import SAMPLES


def catalog_meta(module: str, api_name: str):
    return parse_field(next(f for f in catalog.base_fields(module) if f["api_name"] == api_name))


def accepts(m, value) -> bool:
    try:
        validate_value(m, value, Context())
    except FieldInvalid:
        return False
    return True


# -- item 3: numbers and lengths from metadata --------------------------------------------------


def test_a_field_with_three_decimal_places_refuses_eight():
    # Metadata: Products.Weight_Kg is {"data_type": "double", "decimal_place": 3}. The doc's
    # "After decimal point - Accepts precision up to 9 digits" is the ceiling, the field's
    # decimal_place its own limit.
    weight = catalog_meta("Products", "Weight_Kg")
    assert weight.decimal_place == 3
    assert not accepts(weight, 1.23456789)
    assert not accepts(weight, "1.2345")
    assert accepts(weight, 1.234)


def test_a_percentage_is_between_0_and_100():
    # Departure on purpose (README): the doc says "Percent ... Accepts numbers up to 5
    # digits.", which would take 150 or 99999; a share above 100 % is a typing slip.
    satisfaction = catalog_meta("Accounts", "Satisfaction")
    assert not accepts(satisfaction, 150)
    assert not accepts(satisfaction, -1)
    assert accepts(satisfaction, 100)
    assert accepts(satisfaction, 0)
    assert accepts(satisfaction, 99.5)


def test_an_integer_field_of_length_9_refuses_ten_digits():
    # Metadata: Accounts.Employees is {"data_type": "integer", "length": 9}: nine digits, even
    # though 2147483647 fits a 32-bit integer.
    employees = catalog_meta("Accounts", "Employees")
    assert employees.length == 9
    assert not accepts(employees, 2147483647)
    assert not accepts(employees, -1000000000)
    assert accepts(employees, 999999999)


def test_lengths_are_counted_in_utf16_code_units():
    # Doc: "If the length of a field value exceeds the specified maximum length, an error will
    # occur." Bigin measures Java strings, where an emoji outside the BMP is two units.
    title = meta("Title", length=80)
    assert utf16_len("x" * 79 + "😀") == 81
    assert not accepts(title, "x" * 79 + "😀")
    assert accepts(title, "x" * 78 + "😀")
    assert accepts(title, "é" * 80)  # one unit each


def test_a_tag_name_counts_utf16_units():
    tag = meta("Tag", "text", json_type="jsonarray", length=2000)
    assert not accepts(tag, [{"name": "x" * 99 + "😀"}])
    assert accepts(tag, [{"name": "x" * 98 + "😀"}])


# -- item 4: the doc where the app was stricter --------------------------------------------------


@pytest.mark.parametrize("module", ["Calls", "Tasks"])
def test_the_docs_own_calls_and_tasks_samples_pass(module):
    # The doc's "Sample request body - Calls" sends
    #   "Related_To": {"name": "Cruise Package", "id": "2034020000000489123"}
    # with no "$se_module" (the Tasks sample likewise); Bigin finds the record's module.
    sample = SAMPLES[module]
    assert "$se_module" not in sample
    fields = tuple(parse_field(f) for f in catalog.base_fields(module))
    assert validate_record(fields, sample, module=module) == {}


def test_an_unknown_se_module_is_still_refused():
    fields = tuple(parse_field(f) for f in catalog.base_fields("Calls"))
    errors = validate_record(fields, {**SAMPLES["Calls"], "$se_module": "Leads"}, module="Calls")
    assert "Related_To" in errors


def test_a_picklist_takes_another_case_as_the_actual_value():
    # Doc, Picklist: "Can use existing or add new pick list value." The app still refuses new
    # values (README: stricter on purpose, a typo would become a new choice in the org), but
    # "technology" is the existing "Technology", not a new value.
    industry = catalog_meta("Accounts", "Industry")
    assert picklist_value(industry, "technology") == "Technology"
    assert picklist_value(industry, "TECHNOLOGY ") == "Technology"


def test_a_picklist_takes_a_display_value_as_its_actual_value():
    # Metadata: pick_list_values items carry display_value and actual_value, which differ.
    sector = meta("Sector", "picklist",
                  picklist=[("Financial Services", "Finance"), ("Retail", "Retail")])
    assert picklist_value(sector, "Financial Services") == "Finance"
    assert picklist_value(sector, "financial services") == "Finance"


def test_a_picklist_never_guesses_between_two_choices():
    twins = meta("Twins", "picklist", picklist=[("A", "x"), ("B", "X")])
    with pytest.raises(FieldInvalid):
        picklist_value(twins, "x ")  # not exactly either, and the same ignoring case
    assert picklist_value(twins, "X") == "X"  # exact wins


def test_an_unknown_picklist_value_is_left_for_the_rule_to_refuse():
    industry = catalog_meta("Accounts", "Industry")
    assert picklist_value(industry, "Mining") == "Mining"
    assert not accepts(industry, "Mining")


DURATION_TEXT = catalog_meta("Calls", "Call_Duration")  # {"data_type": "text", "length": 10}
DURATION_NUMBER = meta("Call_Duration", "double")  # the doc's "Call_Duration doubleRequired"


@pytest.mark.parametrize(("typed", "sent"), [
    ("90", "90:00"),  # doc: "Provide the duration of the call in minutes."
    ("90:00", "90:00"),  # doc's Calls sample: "Call_Duration": "90:00"
    ("1.5", "01:30"),
    (" 5:07 ", "05:07"),
])
def test_call_duration_as_text_is_sent_as_minutes_and_seconds(typed, sent):
    assert DURATION_TEXT.data_type == "text"
    assert call_duration(DURATION_TEXT, typed) == sent


@pytest.mark.parametrize(("typed", "sent"), [("90", 90), ("90:00", 90), ("1:30", 1.5)])
def test_call_duration_as_a_number_field_is_sent_in_minutes(typed, sent):
    assert call_duration(DURATION_NUMBER, typed) == sent


@pytest.mark.parametrize("typed", ["1h", "90:60", "-5", "01:00:00", "1.333", "100:00", "٣"])
def test_call_duration_that_cannot_be_read_exactly_is_an_error(typed):
    with pytest.raises(FieldInvalid):
        call_duration(DURATION_TEXT, typed)


def test_call_duration_with_seconds_not_a_finite_fraction_of_minutes_is_an_error():
    with pytest.raises(FieldInvalid):
        call_duration(DURATION_NUMBER, "1:20")  # 1.333… minutes


# -- item 4: one number convention, never a guess -------------------------------------------------


def test_under_the_point_convention_a_comma_decimal_is_an_error():
    # The old form read "2.500,00" as 2.5.
    with pytest.raises(FieldInvalid):
        parse_typed_number("2.500,00", separator=".")
    with pytest.raises(FieldInvalid):
        parse_typed_number("2,5", separator=".")


def test_under_the_comma_convention_the_same_text_is_two_thousand_five_hundred():
    assert parse_typed_number("2.500,00", separator=",") == Decimal("2500.00")
    assert parse_typed_number("2500,5", separator=",") == Decimal("2500.5")
    assert parse_typed_number("2 500,5", separator=",") == Decimal("2500.5")
    with pytest.raises(FieldInvalid):
        parse_typed_number("2,500.00", separator=",")


def test_under_the_point_convention_groups_of_three_are_read():
    assert parse_typed_number("1,234,567.5", separator=".") == Decimal("1234567.5")
    assert parse_typed_number("-12.25", separator=".") == Decimal("-12.25")
    with pytest.raises(FieldInvalid):
        parse_typed_number("1,23,456", separator=".")
    with pytest.raises(FieldInvalid):
        parse_typed_number("1e3", separator=".")


@pytest.mark.parametrize(("typed", "separator", "read"), [
    ("2,500", ".", 2500), ("2.500", ",", 2500), ("2500", ",", 2500), ("-12", ".", -12)])
def test_a_whole_number_follows_the_convention(typed, separator, read):
    from bigin_ui.metadata.formfields import TypedIntegerField

    assert TypedIntegerField(separator=separator).clean(typed) == read


@pytest.mark.parametrize(("typed", "separator"), [
    ("2.5", "."), ("2,5", ","), ("1_000", "."), ("2.500", "."), ("7.0", ",")])
def test_a_whole_number_that_is_not_one_under_the_convention_is_an_error(typed, separator):
    from django import forms

    from bigin_ui.metadata.formfields import TypedIntegerField

    with pytest.raises(forms.ValidationError):
        TypedIntegerField(separator=separator).clean(typed)
