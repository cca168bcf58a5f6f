"""Search criteria parsing and matching."""

from __future__ import annotations

import pytest

from bigin_ui.sandbox.criteria import (
    Condition,
    Group,
    QueryError,
    matches,
    parse_criteria,
)


def test_single_condition():
    assert parse_criteria("(Email:equals:a@b.co)") == Condition("Email", "equals", "a@b.co")


def test_value_may_hold_colons():
    assert parse_criteria("(Created_Time:equals:2026-01-05T10:00:00+03:00)").value == (
        "2026-01-05T10:00:00+03:00")


def test_escaped_brackets_belong_to_the_value():
    assert parse_criteria(r"(Account_Name:equals:Acme \(East\))").value == "Acme (East)"


def test_or_group():
    assert parse_criteria("((Last_Name:equals:A)or(Email:starts_with:b))") == Group(
        "or", (Condition("Last_Name", "equals", "A"), Condition("Email", "starts_with", "b")))


def test_and_binds_tighter_than_or():
    node = parse_criteria("((A:equals:1)or(B:equals:2)and(C:equals:3))")
    assert node == Group("or", (Condition("A", "equals", "1"), Group(
        "and", (Condition("B", "equals", "2"), Condition("C", "equals", "3")))))


def test_joins_ignore_case_and_spaces():
    assert parse_criteria("((A:equals:1) AND (B:equals:2))").operator == "and"


@pytest.mark.parametrize("text", ["Email:equals:x", "(Email:equals:x", "(Email:equals)",
                                  "(Email:like:x)", "((A:equals:1)xor(B:equals:2))",
                                  "(A:equals:1)junk", "(:equals:x)", "(Email:equals:)"])
def test_malformed_criteria_are_refused(text):
    with pytest.raises(QueryError):
        parse_criteria(text)


def test_equals_ignores_case():
    assert matches(parse_criteria("(Email:equals:ADA@example.com)"), {"Email": "ada@example.com"})


def test_starts_with():
    assert matches(parse_criteria("(Last_Name:starts_with:Wat)"), {"Last_Name": "Watson"})


def test_lookups_match_by_name_or_id():
    record = {"Account_Name": {"name": "Zylker Corp", "id": "123"}}
    assert matches(parse_criteria("(Account_Name:equals:zylker corp)"), record)
    assert matches(parse_criteria("(Account_Name:equals:123)"), record)


def test_numbers_match_numerically():
    assert matches(parse_criteria("(Amount:equals:4000.0)"), {"Amount": 4000})


def test_and_needs_both():
    node = parse_criteria("((A:equals:1)and(B:equals:2))")
    assert not matches(node, {"A": "1", "B": "3"})


def test_missing_field_never_matches():
    assert not matches(parse_criteria("(Phone:equals:1)"), {})
