"""Bigin's own rules for field values, applied to the JSON we are about to send.

One function per data type, all working on Bigin-shaped values (what goes into ``data[i]``),
so the entry form, the CSV import and the re-check after a metadata sync share one set of
rules. Limits come from the Add Records doc ("Fields in Bigin and their limitations") and from
each field's metadata (length, decimal_place, picklist values).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from bigin_ui.metadata.fields import FieldMeta

TEXT_MAX = 255
TEXTAREA_SMALL_MAX = 2000
TEXTAREA_LARGE_MAX = 32000
PHONE_MAX = 30
DIGITS_BEFORE_POINT = 16
DIGITS_AFTER_POINT = 9
PERCENT_DIGITS = 5
# The app's stated departure from the doc ("Percent: Accepts numbers up to 5 digits."): a
# percentage outside 0–100 is a typing mistake far more often than it is meant.
PERCENT_MIN, PERCENT_MAX = Decimal(0), Decimal(100)
BIGINT_DIGITS = 18
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
TAG_NAME_MAX = 100
MULTISELECT_MAX = 2000
# Time zones in use today lie between UTC-12:00 and UTC+14:00.
MAX_UTC_OFFSET = dt.timedelta(hours=14)

# The doc's Java pattern for phone numbers. \P{InBasicLatin} (any non-ASCII character) has no
# `re` spelling, so it becomes the range \u0080-\U0010FFFF.
PHONE_RE = re.compile(
    r"[0-9a-zA-Z!#;%*^()={}\[\]?`~_\-.$@,:'/!|\\\s+\u0080-\U0010FFFF]+"
)
# The doc's URL pattern, transcribed; the character classes exclude control characters,
# quotes and most punctuation from host labels. The doc's path part, (/[^…]*)*, nests two
# quantifiers over a class that holds "/" itself, so a failing value with many slashes
# backtracks exponentially (a 30-slash value took over a minute); (/[^…]*)? accepts exactly
# the same strings. Used with fullmatch: a trailing newline is not part of an address.
WEBSITE_RE = re.compile(
    r"(http://www.|https://www.|ftp://www.|www.|http://|https://|ftp://|){1}"
    r"[^\x00-\x19\x22-\x27\x2A-\x2C\x2E-\x2F\x3A-\x40\x5B-\x5E\x60\x7B\x7D-\x7F]+"
    r"(\.[^\x00-\x19\x22\x24-\x2C\x2E-\x2F\x3C\x3E\x40\x5B-\x5E\x60\x7B\x7D-\x7F]+)+"
    r"(/[^\x00-\x19\x22\x3C\x3E\x5E\x7B\x7D-\x7D\x7F]*)?"
)
# "Valid email IDs": a dot-atom local part (no leading, trailing or doubled dots) and a domain
# ending in an alphabetic top-level label, as mail systems and Bigin take them.
EMAIL_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}"
)
# A number given as a string: Bigin's own sample sends "Amount": "4000". Exponents, plus signs,
# bare points and digit groups are Python's leniency, not Bigin's, so only plain digits pass.
NUMBER_TEXT_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?")
ID_RE = re.compile(r"[0-9]{1,25}")
# A call's duration as minutes:seconds (the doc's sample sends "90:00"); Bigin takes at most
# two digits of minutes.
DURATION_RE = re.compile(r"[0-9]{1,2}:[0-5][0-9]")
# What a person may type for it: "mm:ss", or minutes ("Provide the duration of the call in
# minutes."), whole or with a fraction.
DURATION_TYPED_RE = re.compile(r"(?P<mm>[0-9]{1,4}):(?P<ss>[0-5][0-9])|(?P<minutes>[0-9]{1,4}"
                               r"(\.[0-9]{1,6})?)")


class FieldInvalid(ValueError):
    """A value Bigin would reject; ``message`` is shown on the field."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class Context:
    """Facts outside the field's own metadata that some rules need."""

    def __init__(
        self,
        *,
        user_ids: frozenset[str] | None = None,
        pending_row_ids: Callable[[str], bool] | None = None,
        row_module: Callable[[str], str | None] | None = None,
        record: Mapping[str, Any] | None = None,
    ) -> None:
        self.user_ids = user_ids  # None: users not synced, accept any numeric ID
        self.pending_row_ids = pending_row_ids
        # The module of a usable queued row: a reference must point at the module its field
        # links to (a Contact's Account_Name at a Companies row, not at another Contact).
        self.row_module = row_module
        self.record = record or {}


# --- helpers -----------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length as Bigin counts it: in UTF-16 code units (Java strings), so a character outside
    the Basic Multilingual Plane (most emoji) counts twice."""
    return len(text.encode("utf-16-le")) // 2


def _limit(meta: FieldMeta, default: int, ceiling: int | None = None) -> int:
    limit = meta.length or default
    return min(limit, ceiling) if ceiling else limit


def _check_length(value: str, limit: int) -> None:
    length = utf16_len(value)
    if length > limit:
        wide = " (an emoji and some rare characters count as two)" if length != len(
            value) else ""
        raise FieldInvalid(
            f"At most {limit} characters (this has {length}{wide}).", code="max_length"
        )


def _string(value: Any, what: str = "text") -> str:
    if not isinstance(value, str):
        raise FieldInvalid(f"Expected {what}.", code="type")
    return value


def as_decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise FieldInvalid("Expected a number.", code="type")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldInvalid("Expected a number.", code="type") from None
    if not number.is_finite():
        raise FieldInvalid("Expected a number.", code="type")
    return number


def digit_counts(number: Decimal) -> tuple[int, int]:
    """(digits before the point, digits after it) as written, without sign or leading zeros."""
    text = format(abs(number), "f")
    whole, _, fraction = text.partition(".")
    whole = whole.lstrip("0")
    fraction = fraction.rstrip("0")
    return len(whole), len(fraction)


def json_number(value: Any) -> Decimal:
    """A number as it will be read from the JSON we send: a JSON number or plain digits."""
    if isinstance(value, str) and not NUMBER_TEXT_RE.fullmatch(value.strip()):
        raise FieldInvalid("Expected a number written with digits, like 1234.5.", code="type")
    return as_decimal(value)


def _check_number(
    meta: FieldMeta, value: Any, *, before: int, after: int, name: str
) -> Decimal:
    number = json_number(value)
    whole, fraction = digit_counts(number)
    if whole > before:
        raise FieldInvalid(
            f"{name} allows at most {before} digits before the decimal point.", code="digits"
        )
    allowed_after = after
    # The field's metadata narrows the doc's 9 places ("decimal_place": 3 on a double is a
    # field that takes 3), whatever its number type.
    if meta.decimal_place is not None:
        allowed_after = min(after, meta.decimal_place)
    if fraction > allowed_after:
        raise FieldInvalid(
            f"{name} allows at most {allowed_after} digits after the decimal point.",
            code="decimals",
        )
    return number


def _check_lookup_object(value: Any, ctx: Context, *, label: str = "record",
                         module: str | None = None) -> None:
    if not isinstance(value, Mapping):
        raise FieldInvalid(f"Choose a {label}.", code="type")
    if "$row" in value:
        row_id = value["$row"]
        if ctx.pending_row_ids is not None and not ctx.pending_row_ids(str(row_id)):
            raise FieldInvalid("The queued row this refers to no longer exists.", code="ref")
        if module and ctx.row_module is not None:
            actual = ctx.row_module(str(row_id))
            if actual != module:
                raise FieldInvalid(f"Queued row {row_id} is in {actual}; this field refers to "
                                   f"{module}.", code="ref_module")
        return
    if not ID_RE.fullmatch(str(value.get("id", ""))):
        raise FieldInvalid(f"Choose a {label} (a Bigin record ID).", code="id")


def parse_date(value: str) -> dt.date:
    if not DATE_RE.fullmatch(value):
        raise FieldInvalid("Use the date format YYYY-MM-DD.", code="format")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FieldInvalid("Not a real calendar date.", code="format") from None


def parse_datetime(value: str) -> dt.datetime:
    if not DATETIME_RE.fullmatch(value):
        raise FieldInvalid(
            "Use date and time with a UTC offset, like 2026-11-26T14:30:00+01:00.",
            code="format",
        )
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise FieldInvalid("Not a real date and time.", code="format") from None
    offset = moment.utcoffset()
    if offset is None or abs(offset) > MAX_UTC_OFFSET:
        raise FieldInvalid("The UTC offset must be between -14:00 and +14:00.", code="format")
    return moment


def picklist_value(meta: FieldMeta, typed: str) -> str:
    """The actual value a typed picklist entry means: itself, or the one choice whose actual or
    display value it matches ignoring case ("technology", "Financial Services"). Text matching
    several choices is refused rather than guessed; text matching none is returned as it is,
    for the picklist rule to refuse."""
    actual = {c.actual for c in meta.choices}
    if typed in actual:
        return typed
    folded = typed.strip().casefold()
    found = {c.actual for c in meta.choices
             if folded in {c.actual.casefold(), c.display.casefold()}}
    if len(found) > 1:
        raise FieldInvalid(f"{typed!r} could mean {' or '.join(sorted(found))}; choose one.",
                           code="choice")
    return found.pop() if found else typed


def call_duration(meta: FieldMeta, typed: str) -> str | int | float:
    """A call's duration as typed ("90:00" or minutes, "90" or "1.5") in the shape the field's
    metadata calls for: text as minutes:seconds, a number field as minutes."""
    text = typed.strip()
    match = DURATION_TYPED_RE.fullmatch(text)
    if not match:
        raise FieldInvalid("Give the duration as minutes:seconds (90:00) or in minutes (90).",
                           code="duration")
    if match["minutes"] is not None:
        minutes = Decimal(match["minutes"])
        seconds = minutes * 60
        if seconds != seconds.to_integral_value():
            raise FieldInvalid(f"{text} minutes is not a whole number of seconds; use "
                               "minutes:seconds.", code="duration")
        total = int(seconds)
    else:
        total = int(match["mm"]) * 60 + int(match["ss"])
    if meta.data_type in {"double", "decimal", "currency", "integer"}:
        minutes = Decimal(total) / 60
        if meta.data_type == "integer" and total % 60:
            raise FieldInvalid("This field takes whole minutes.", code="duration")
        if minutes == minutes.to_integral_value():
            return int(minutes)
        exact = float(minutes)
        if Decimal(repr(exact)) != minutes:
            raise FieldInvalid(f"{text} is not an exact number of minutes; round it to the "
                               "minute or to a half.", code="duration")
        return exact
    shaped = f"{total // 60:02d}:{total % 60:02d}"
    if not DURATION_RE.fullmatch(shaped):
        raise FieldInvalid("Bigin takes at most 99:59 (minutes:seconds).", code="duration")
    return shaped


# --- one validator per type ----------------------------------------------------------------


def v_text(meta: FieldMeta, value: Any, ctx: Context) -> None:
    _check_length(_string(value), _limit(meta, TEXT_MAX, TEXT_MAX))


def v_textarea(meta: FieldMeta, value: Any, ctx: Context) -> None:
    default = TEXTAREA_LARGE_MAX if meta.textarea_size == "large" else TEXTAREA_SMALL_MAX
    _check_length(_string(value), _limit(meta, default, TEXTAREA_LARGE_MAX))


def v_email(meta: FieldMeta, value: Any, ctx: Context) -> None:
    text = _string(value, "an e-mail address")
    _check_length(text, _limit(meta, 100))
    if not EMAIL_RE.fullmatch(text):
        raise FieldInvalid("Enter a valid e-mail address.", code="format")


def v_phone(meta: FieldMeta, value: Any, ctx: Context) -> None:
    text = _string(value, "a phone number")
    _check_length(text, _limit(meta, PHONE_MAX))
    if not PHONE_RE.fullmatch(text):
        raise FieldInvalid("This phone number has characters Bigin does not accept.",
                           code="format")


def v_website(meta: FieldMeta, value: Any, ctx: Context) -> None:
    text = _string(value, "a web address")
    _check_length(text, _limit(meta, TEXT_MAX))
    # The address is read without surrounding white space, Unicode spaces included: the host
    # classes only exclude ASCII, so "http://0.\x85" would otherwise pass with "\x85" as a label.
    if not WEBSITE_RE.fullmatch(text.strip()):
        raise FieldInvalid("Enter a valid web address, like www.example.com.", code="format")


def v_picklist(meta: FieldMeta, value: Any, ctx: Context) -> None:
    text = _string(value, "one of the listed values")
    if meta.choices and text not in {c.actual for c in meta.choices}:
        raise FieldInvalid(f"{text!r} is not one of the allowed values.", code="choice")


def v_multiselectpicklist(meta: FieldMeta, value: Any, ctx: Context) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FieldInvalid("Expected a list of values.", code="type")
    allowed = {c.actual for c in meta.choices}
    bad = [v for v in value if allowed and v not in allowed]
    if bad:
        raise FieldInvalid(f"Not allowed: {', '.join(bad)}.", code="choice")
    # Bigin stores the choices as one text joined by ";", limited by the field's length.
    limit = _limit(meta, MULTISELECT_MAX)
    if utf16_len(";".join(value)) > limit:
        raise FieldInvalid(f"Too many values: together at most {limit} characters.",
                           code="max_length")


def v_date(meta: FieldMeta, value: Any, ctx: Context) -> None:
    parse_date(_string(value, "a date"))


def v_datetime(meta: FieldMeta, value: Any, ctx: Context) -> None:
    parse_datetime(_string(value, "a date and time"))


def v_decimal(meta: FieldMeta, value: Any, ctx: Context) -> None:
    _check_number(meta, value, before=DIGITS_BEFORE_POINT, after=DIGITS_AFTER_POINT,
                  name="This number")


def v_currency(meta: FieldMeta, value: Any, ctx: Context) -> None:
    _check_number(meta, value, before=DIGITS_BEFORE_POINT, after=DIGITS_AFTER_POINT,
                  name="An amount")


def v_percent(meta: FieldMeta, value: Any, ctx: Context) -> None:
    number = _check_number(meta, value, before=PERCENT_DIGITS, after=DIGITS_AFTER_POINT,
                           name="A percentage")
    if not PERCENT_MIN <= number <= PERCENT_MAX:
        raise FieldInvalid("A percentage is between 0 and 100.", code="range")


def v_integer(meta: FieldMeta, value: Any, ctx: Context) -> None:
    if isinstance(value, bool):
        raise FieldInvalid("Expected a whole number.", code="type")
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        value = int(value)
    if not isinstance(value, int):
        raise FieldInvalid("Expected a whole number.", code="type")
    if not INTEGER_MIN <= value <= INTEGER_MAX:
        raise FieldInvalid(f"Must be between {INTEGER_MIN} and {INTEGER_MAX}.", code="range")
    # The field's metadata "length" is its number of digits (9 on Bigin's integer fields).
    if meta.length and len(str(abs(value))) > meta.length:
        raise FieldInvalid(f"At most {meta.length} digits.", code="digits")


def v_bigint(meta: FieldMeta, value: Any, ctx: Context) -> None:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not re.fullmatch(r"-?[0-9]+", text):
        raise FieldInvalid("Expected a whole number.", code="type")
    # Digits as written: Bigin measures the text it receives, leading zeros included.
    if len(text.lstrip("-")) > BIGINT_DIGITS:
        raise FieldInvalid(f"At most {BIGINT_DIGITS} digits.", code="digits")


def v_boolean(meta: FieldMeta, value: Any, ctx: Context) -> None:
    if not isinstance(value, bool):
        raise FieldInvalid("Expected true or false.", code="type")


def v_lookup(meta: FieldMeta, value: Any, ctx: Context) -> None:
    _check_lookup_object(value, ctx, module=meta.lookup_module)


def v_ownerlookup(meta: FieldMeta, value: Any, ctx: Context) -> None:
    if not isinstance(value, Mapping) or not ID_RE.fullmatch(str(value.get("id", ""))):
        raise FieldInvalid("Choose a Bigin user.", code="type")
    if ctx.user_ids is not None and str(value["id"]) not in ctx.user_ids:
        raise FieldInvalid("This user is not in the Bigin org (sync metadata?).", code="user")


def v_multiselectlookup(meta: FieldMeta, value: Any, ctx: Context) -> None:
    if not isinstance(value, list):
        raise FieldInvalid("Expected a list of records.", code="type")
    for item in value:
        _check_lookup_object(item, ctx, module=meta.lookup_module)


def v_tag(meta: FieldMeta, value: Any, ctx: Context) -> None:
    if not isinstance(value, list):
        raise FieldInvalid("Expected a list of tags.", code="type")
    names: list[str] = []
    for item in value:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not item[
            "name"
        ].strip():
            raise FieldInvalid("Each tag needs a name.", code="type")
        name = item["name"].strip()
        if utf16_len(name) > TAG_NAME_MAX:
            raise FieldInvalid(f"A tag name has at most {TAG_NAME_MAX} characters.",
                               code="max_length")
        if name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    # Bigin keeps a record's tags as one comma-separated text within the field's length.
    _check_length(",".join(names), _limit(meta, 2000))


def v_related_to(meta: FieldMeta, value: Any, ctx: Context) -> None:
    se_module = ctx.record.get("$se_module")
    _check_lookup_object(value, ctx, module=se_module if isinstance(se_module, str) else None)


def v_team_pipeline(meta: FieldMeta, value: Any, ctx: Context) -> None:
    if not isinstance(value, Mapping) or not ID_RE.fullmatch(str(value.get("id", ""))):
        raise FieldInvalid("Choose a Team Pipeline.", code="type")


RELATED_MODULES = ("Contacts", "Accounts", "Pipelines", "Products")

RRULE_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")
RRULE_KEYS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYSETPOS",
              "DTSTART", "BYMONTH"}


def parse_rrule_parts(text: str) -> dict[str, str]:
    """The parts exactly as written: the rule is sent as typed, so no case folding or trimming
    here may make it look better than what Bigin will read."""
    parts: dict[str, str] = {}
    for chunk in text.removesuffix(";").split(";"):
        key, sep, val = chunk.partition("=")
        if not sep or not key or not val:
            raise FieldInvalid(f"Malformed recurrence part {chunk!r}.", code="rrule")
        if key != key.strip().upper() or val != val.strip():
            raise FieldInvalid(f"Write {chunk.strip()!r} in capitals without spaces.",
                               code="rrule")
        if key in parts:
            raise FieldInvalid(f"{key} appears twice.", code="rrule")
        parts[key] = val
    return parts


def check_rrule(text: str) -> dict[str, str]:
    """The seed doc's recurrence rules; returns the parts when the rule is acceptable."""
    parts = parse_rrule_parts(text)
    unknown = set(parts) - RRULE_KEYS
    if unknown:
        raise FieldInvalid(f"Unsupported recurrence key {sorted(unknown)[0]}.", code="rrule")
    freq = parts.get("FREQ")
    if freq not in RRULE_FREQS:
        raise FieldInvalid("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY.", code="rrule")

    def number(key: str, low: int, high: int) -> int | None:
        if key not in parts:
            return None
        if not re.fullmatch(r"-?\d+", parts[key]) or not low <= int(parts[key]) <= high:
            raise FieldInvalid(f"{key} must be between {low} and {high}.", code="rrule")
        return int(parts[key])

    if "INTERVAL" not in parts:
        raise FieldInvalid("INTERVAL is required (1 to 99).", code="rrule")
    number("INTERVAL", 1, 99)
    number("COUNT", 1, 99)
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise FieldInvalid("Give either COUNT (1 to 99) or an end date (UNTIL).", code="rrule")
    if "COUNT" in parts and "UNTIL" in parts:
        raise FieldInvalid("End after a number of times or on a date, not both.", code="rrule")
    if "BYMONTHDAY" in parts:
        if freq not in {"MONTHLY", "YEARLY"}:
            raise FieldInvalid("BYMONTHDAY is only for monthly or yearly repeats.", code="rrule")
        number("BYMONTHDAY", 1, 31)
    if "BYSETPOS" in parts:
        if freq not in {"MONTHLY", "YEARLY"}:
            raise FieldInvalid("BYSETPOS is only for monthly or yearly repeats.", code="rrule")
        if parts["BYSETPOS"] not in {"1", "2", "3", "4", "-1"}:
            raise FieldInvalid("BYSETPOS must be 1, 2, 3, 4 or -1.", code="rrule")
    if "BYMONTH" in parts:
        if freq != "YEARLY":
            raise FieldInvalid("BYMONTH is only for yearly repeats.", code="rrule")
        number("BYMONTH", 1, 12)
    if "BYDAY" in parts:
        days = parts["BYDAY"].split(",")
        if not days or any(d not in WEEKDAYS for d in days):
            raise FieldInvalid("BYDAY takes SU, MO, TU, WE, TH, FR or SA.", code="rrule")
        if len(set(days)) != len(days):
            raise FieldInvalid("BYDAY names a day twice.", code="rrule")
    dates = {}
    for key in ("UNTIL", "DTSTART"):
        if key in parts:
            try:
                dates[key] = parse_date(parts[key])
            except FieldInvalid:
                raise FieldInvalid(f"{key} must be a date (YYYY-MM-DD).", code="rrule") from None
    if "UNTIL" in dates and "DTSTART" in dates and dates["UNTIL"] < dates["DTSTART"]:
        raise FieldInvalid("The end date (UNTIL) is before the start (DTSTART).", code="rrule")
    return parts


def v_rrule(meta: FieldMeta, value: Any, ctx: Context) -> None:
    if not isinstance(value, Mapping) or not isinstance(value.get("RRULE"), str):
        raise FieldInvalid("Expected a recurrence rule.", code="type")
    if set(value) != {"RRULE"}:
        raise FieldInvalid("A recurrence holds only its RRULE.", code="type")
    check_rrule(value["RRULE"])


ALARM_TRIGGER_RELATIVE = re.compile(r"-?P([0-9]{1,3})([DW])")
TIME_RE = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


def check_alarm(text: str, *, recurring: bool) -> dict[str, str]:
    """A task reminder. A one-off task's is a moment (``DATE-TIME:``); a recurring task may
    also be reminded ``-PnD``/``-PnW`` before each occurrence at ``TRIGGER_TIME`` (Bigin's own
    recurring-task sample uses a moment, so both are taken for recurring tasks)."""
    parts: dict[str, str] = {}
    # Exactly as written, like recurrence rules: the text is sent unchanged.
    for chunk in text.removesuffix(";").split(";"):
        key, sep, val = chunk.partition("=")
        if not sep or not val:
            raise FieldInvalid(f"Malformed reminder part {chunk!r}.", code="alarm")
        if key in parts:
            raise FieldInvalid(f"{key} appears twice in the reminder.", code="alarm")
        parts[key] = val
    unknown = set(parts) - {"FREQ", "ACTION", "TRIGGER", "TRIGGER_TIME"}
    if unknown:
        raise FieldInvalid(f"Unsupported reminder key {sorted(unknown)[0]}.", code="alarm")
    if parts.get("FREQ", "NONE") != "NONE":
        raise FieldInvalid("A task reminder does not repeat (FREQ=NONE).", code="alarm")
    if parts.get("ACTION") not in {"EMAIL", "POPUP"}:
        raise FieldInvalid("The reminder needs ACTION EMAIL or POPUP.", code="alarm")
    trigger = parts.get("TRIGGER", "")
    if trigger.startswith("DATE-TIME:"):
        if "TRIGGER_TIME" in parts:
            raise FieldInvalid("A reminder at a moment takes no separate time.", code="alarm")
        try:
            parse_datetime(trigger.removeprefix("DATE-TIME:"))
        except FieldInvalid as exc:
            raise FieldInvalid(f"Reminder time: {exc.message}", code="alarm") from None
    elif ALARM_TRIGGER_RELATIVE.fullmatch(trigger):
        if not recurring:
            raise FieldInvalid("Days or weeks before is only for recurring tasks; give a date "
                               "and time instead.", code="alarm")
        if not TIME_RE.fullmatch(parts.get("TRIGGER_TIME", "")):
            raise FieldInvalid("A reminder days or weeks before needs a time (HH:MM).",
                               code="alarm")
    else:
        raise FieldInvalid("The reminder needs a date and time, or days/weeks before.",
                           code="alarm")
    return parts


def v_alarm(meta: FieldMeta, value: Any, ctx: Context) -> None:
    if not isinstance(value, Mapping) or not isinstance(value.get("ALARM"), str):
        raise FieldInvalid("Expected a reminder.", code="type")
    if set(value) != {"ALARM"}:
        raise FieldInvalid("A reminder holds only its ALARM.", code="type")
    check_alarm(value["ALARM"], recurring=bool(ctx.record.get("Recurring_Activity")))


REMINDER_PERIODS = ("minutes", "hours", "days", "weeks")


def v_multireminder(meta: FieldMeta, value: Any, ctx: Context) -> None:
    if not isinstance(value, list):
        raise FieldInvalid("Expected a list of reminders.", code="type")
    for item in value:
        if not isinstance(item, Mapping) or set(item) != {"unit", "period"}:
            raise FieldInvalid("Each reminder needs a number and a unit.", code="type")
        unit, period = item.get("unit"), item.get("period")
        if isinstance(unit, bool) or not isinstance(unit, int) or unit < 1:
            raise FieldInvalid("A reminder's number must be 1 or more.", code="reminder")
        if period not in REMINDER_PERIODS:
            raise FieldInvalid("A reminder's unit is minutes, hours, days or weeks.",
                               code="reminder")


def v_participants(meta: FieldMeta, value: Any, ctx: Context) -> None:
    if not isinstance(value, list):
        raise FieldInvalid("Expected a list of participants.", code="type")
    for item in value:
        if not isinstance(item, Mapping):
            raise FieldInvalid("Each participant needs a type.", code="type")
        kind, who = item.get("type"), item.get("participant")
        if kind == "email":
            if not isinstance(who, str) or not EMAIL_RE.fullmatch(who):
                raise FieldInvalid(f"{who!r} is not a valid e-mail address.", code="participant")
        elif kind == "user":
            if ctx.user_ids is not None and str(who) not in ctx.user_ids:
                raise FieldInvalid("A participant is not a user of the Bigin org.",
                                   code="participant")
            if not ID_RE.fullmatch(str(who)):
                raise FieldInvalid("A user participant needs a user ID.", code="participant")
        elif kind == "contact":
            # A contact is named by its bare ID, as in the doc's sample; an object is only
            # a reference to a queued row, which becomes that ID when it is sent.
            if isinstance(who, Mapping) and set(who) == {"$row"}:
                _check_lookup_object(who, ctx, label="contact", module="Contacts")
            elif not ID_RE.fullmatch(str(who)):
                raise FieldInvalid("A contact participant needs a contact.", code="participant")
        else:
            raise FieldInvalid("A participant is a user, a contact or an e-mail address.",
                               code="participant")


PRODUCT_LINE_KEYS = frozenset({"Product", "List_Price", "Quantity", "Discount", "id"})


def v_associated_products(meta: FieldMeta, value: Any, ctx: Context) -> None:
    if not isinstance(value, list):
        raise FieldInvalid("Expected a list of products.", code="type")
    for position, line in enumerate(value, start=1):
        if not isinstance(line, Mapping) or not set(line) <= PRODUCT_LINE_KEYS:
            raise FieldInvalid(f"Product line {position} is malformed.", code="type")
        try:
            _check_lookup_object(line.get("Product"), ctx, label="product", module="Products")
        except FieldInvalid as exc:
            raise FieldInvalid(f"Line {position}: {exc.message}", code=exc.code) from None
        # Bigin needs a quantity on every line; price and discount may be left out.
        if line.get("Quantity") is None:
            raise FieldInvalid(f"Line {position}: give a quantity.", code="required")
        for key in ("List_Price", "Quantity", "Discount"):
            if line.get(key) is None:
                continue
            try:
                number = json_number(line[key])
            except FieldInvalid as exc:
                raise FieldInvalid(f"Line {position}: {key}: {exc.message}",
                                   code=exc.code) from None
            whole, fraction = digit_counts(number)
            if whole > DIGITS_BEFORE_POINT or fraction > DIGITS_AFTER_POINT:
                raise FieldInvalid(
                    f"Line {position}: {key} allows {DIGITS_BEFORE_POINT} digits before the "
                    f"point and {DIGITS_AFTER_POINT} after it.", code="digits")
            if number < 0:
                raise FieldInvalid(f"Line {position}: {key} cannot be negative.", code="range")
            if key == "Quantity" and number == 0:
                raise FieldInvalid(f"Line {position}: Quantity must be more than 0.",
                                   code="range")


VALIDATORS: dict[str, Callable[[FieldMeta, Any, Context], None]] = {
    "text": v_text,
    "textarea": v_textarea,
    "email": v_email,
    "phone": v_phone,
    "website": v_website,
    "picklist": v_picklist,
    "multiselectpicklist": v_multiselectpicklist,
    "date": v_date,
    "datetime": v_datetime,
    "decimal": v_decimal,
    "currency": v_currency,
    "percent": v_percent,
    "integer": v_integer,
    "bigint": v_bigint,
    "boolean": v_boolean,
    "lookup": v_lookup,
    "ownerlookup": v_ownerlookup,
    "multiselectlookup": v_multiselectlookup,
    "tag": v_tag,
    "related_to": v_related_to,
    "team_pipeline": v_team_pipeline,
    "rrule": v_rrule,
    "alarm": v_alarm,
    "multireminder": v_multireminder,
    "participants": v_participants,
    "associated_products": v_associated_products,
}


def is_empty(value: Any) -> bool:
    # Bigin counts a blank text as missing, so "   " does not fill a mandatory field.
    if isinstance(value, str):
        return not value.strip()
    return value is None or value == [] or value == {}


def validate_value(meta: FieldMeta, value: Any, ctx: Context) -> None:
    validator = VALIDATORS.get(meta.kind, v_text)
    validator(meta, value, ctx)


def validate_record(
    fields: Sequence[FieldMeta],
    record: Mapping[str, Any],
    ctx: Context | None = None,
    *,
    module: str = "",
    team_pipelines: Sequence[Any] = (),
) -> dict[str, str]:
    """Every problem Bigin would report for this record, keyed by field API name.

    Unlike Bigin, which stops at the first error, this reports them all so a person can fix
    everything in one go. The key "__all__" holds problems that belong to no single field.
    """
    ctx = ctx or Context(record=record)
    if not ctx.record:
        ctx.record = record
    errors: dict[str, str] = {}
    by_name = {f.api_name: f for f in fields}
    for meta in fields:
        if not meta.enterable:
            continue
        value = record.get(meta.api_name)
        if is_empty(value):
            if meta.required:
                errors[meta.api_name] = "This field is required in Bigin."
            continue
        try:
            validate_value(meta, value, ctx)
        except FieldInvalid as exc:
            errors[meta.api_name] = exc.message
    unknown = [k for k in record if not k.startswith("$") and k not in by_name]
    for name in unknown:
        errors.setdefault("__all__", f"Bigin has no field {name!r} in this module.")
    for name, message in cross_field_errors(module, record, team_pipelines).items():
        errors.setdefault(name, message)
    return errors


def cross_field_errors(
    module: str, record: Mapping[str, Any], team_pipelines: Sequence[Any]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if module == "Events":
        start, end = record.get("Start_DateTime"), record.get("End_DateTime")
        if isinstance(start, str) and isinstance(end, str):
            try:
                if parse_datetime(end) <= parse_datetime(start):
                    errors["End_DateTime"] = "The end must be after the start."
            except FieldInvalid:
                pass
    if module == "Pipelines" and team_pipelines:
        errors.update(_pipeline_errors(record, team_pipelines))
    duration = record.get("Call_Duration")
    if module == "Calls" and isinstance(duration, str) and duration.strip() and not (
        DURATION_RE.fullmatch(duration.strip())
    ):
        errors["Call_Duration"] = "Give the duration as minutes:seconds, like 90:00."
    # No "$se_module" is no error: the doc's own Calls and Tasks samples send Related_To
    # without it, and Bigin finds the record's module itself. The form fills it in wherever
    # the module is known (a queued row, a record picked from a search).
    se_module = record.get("$se_module")
    if se_module is not None and module in {"Tasks", "Events", "Calls"} and (
        se_module not in RELATED_MODULES
    ):
        errors["Related_To"] = (f"{se_module!r} is not a module a {module[:-1].lower()} can "
                                "relate to.")
    return errors


def _pipeline_errors(record: Mapping[str, Any], team_pipelines: Sequence[Any]) -> dict[str, str]:
    chosen = record.get("Pipeline")
    pipeline = team_pipelines[0]
    if isinstance(chosen, Mapping) and chosen.get("id"):
        pipeline = next((p for p in team_pipelines if p.id == str(chosen["id"])), None)
        if pipeline is None:
            return {"Pipeline": "This Team Pipeline does not exist in Bigin."}
    sub = record.get("Sub_Pipeline")
    if not isinstance(sub, str) or not sub:
        return {}
    sub_pipeline = pipeline.sub_pipeline(sub)
    if sub_pipeline is None:
        return {"Sub_Pipeline": f"{sub!r} is not a sub-pipeline of {pipeline.name}."}
    stage = record.get("Stage")
    if isinstance(stage, str) and stage and stage not in {s.actual for s in sub_pipeline.stages}:
        return {"Stage": f"{stage!r} is not a stage of {sub_pipeline.choice.display}."}
    return {}
