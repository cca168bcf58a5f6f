"""Bigin's insert rules, implemented independently of the app's validators.

The order follows Bigin: per record the first error wins, checked as (1) not an object,
(2) a missing mandatory field, (3) invalid data walking the fields in metadata order (type,
then length, then value), and (4, in the store) duplicates. Nothing here touches the database:
lookups go through a ``Resolver``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from bigin_ui.sandbox.catalog import MODULES, RELATED_TO_MODULES, TeamPipelineSpec
from bigin_ui.sandbox.schema import (
    ModuleSchema,
    default_team_pipeline,
    team_pipeline,
)

MESSAGES = {
    "INVALID_DATA": "invalid data",
    "MANDATORY_NOT_FOUND": "required field not found",
    "DUPLICATE_DATA": "duplicate data",
}

# Bigin's phone pattern, from its Java form; \P{InBasicLatin} (anything outside ASCII) has no
# class in Python's re, so it is spelled as a code point range.
PHONE_RE = re.compile(r"[0-9a-zA-Z!#;%*^()={}\[\]?`~_\-.$@,:'/|\\\s+\u0080-\U0010FFFF]+")
# Bigin's URL pattern. Its path part, (/[^…]*)*, is ambiguous (the class holds "/" itself) and
# backtracks exponentially on a failing input; (/[^…]*)? accepts exactly the same strings.
WEBSITE_RE = re.compile(
    r"(http://www.|https://www.|ftp://www.|www.|http://|https://|ftp://|)"
    r"[^\x00-\x19\x22-\x27\x2A-\x2C\x2E-\x2F\x3A-\x40\x5B-\x5E\x60\x7B\x7D-\x7F]+"
    r"(\.[^\x00-\x19\x22\x24-\x2C\x2E-\x2F\x3C\x3E\x40\x5B-\x5E\x60\x7B\x7D-\x7F]+)+"
    r"(/[^\x00-\x19\x22\x3C\x3E\x5E\x7B\x7D\x7F]*)?"
)
EMAIL_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")
NUMBER_RE = re.compile(r"-?\d+(\.\d+)?")
INTEGER_RE = re.compile(r"-?\d+")
CALL_DURATION_RE = re.compile(r"\d{1,2}:[0-5]\d")
TIME_RE = re.compile(r"([01]\d|2[0-3]):[0-5]\d")

TEXT_MAX = 255
INT32 = (-(2**31), 2**31 - 1)
DIGITS_BEFORE_POINT = 16
DIGITS_AFTER_POINT = 9
PERCENT_DIGITS = 5
BIGINT_DIGITS = 18
REMINDER_PERIODS = frozenset({"minutes", "hours", "days", "weeks"})
PARTICIPANT_TYPES = frozenset({"user", "contact", "email"})
WEEKDAYS = frozenset({"SU", "MO", "TU", "WE", "TH", "FR", "SA"})


class Invalid(Exception):  # noqa: N818 - a validation outcome, not a failure of the program
    """The field's value breaks a rule; the details say which kind."""

    def __init__(
        self,
        *,
        expected: str | None = None,
        maximum_length: int | None = None,
        path: str = "",
        api_name: str | None = None,
    ) -> None:
        super().__init__(expected or maximum_length or "invalid")
        self.expected = expected
        self.maximum_length = maximum_length
        # A suffix of the JSON path inside the value (a list item, a subform line).
        self.path = path
        # Set when the culprit is another key than the field being checked.
        self.api_name = api_name


class Resolver(Protocol):
    def record_name(self, module: str, record_id: str) -> str | None:
        """The display name of an existing record, or None when there is none."""

    def user(self, user_id: str) -> Mapping[str, Any] | None:
        """The user with this id, or None."""


# -- scalar rules (pure) -------------------------------------------------------------------


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, dict)):
        return not value
    return False


def valid_email(value: str) -> bool:
    return bool(EMAIL_RE.fullmatch(value))


def valid_phone(value: str) -> bool:
    return bool(PHONE_RE.fullmatch(value))


def valid_website(value: str) -> bool:
    return bool(WEBSITE_RE.fullmatch(value))


def parse_date(value: str) -> date | None:
    if not DATE_RE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_datetime(value: str) -> datetime | None:
    """``YYYY-MM-DDTHH:MM:SS±HH:MM`` only: no Z, no fractions, never without an offset."""
    if not DATETIME_RE.fullmatch(value):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    offset = parsed.utcoffset()
    if offset is None or abs(offset) > timedelta(hours=14):
        return None
    return parsed


def to_decimal(value: Any) -> Decimal | None:
    """A JSON number or a numeric string (Bigin takes "Amount": "4000"); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str) and NUMBER_RE.fullmatch(value.strip()):
        return Decimal(value.strip())
    return None


def digit_counts(number: Decimal) -> tuple[int, int]:
    """Significant digits before and after the decimal point."""
    whole, _, fraction = format(abs(number), "f").partition(".")
    return len(whole.lstrip("0")), len(fraction.rstrip("0"))


def _json_number(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


def check_decimal(
    value: Any, *, before: int = DIGITS_BEFORE_POINT, after: int = DIGITS_AFTER_POINT
) -> int | float:
    number = to_decimal(value)
    if number is None:
        raise Invalid(expected="double")
    whole, fraction = digit_counts(number)
    if whole > before:
        raise Invalid(maximum_length=before)
    if fraction > after:
        raise Invalid()
    return _json_number(number)


def check_integer(value: Any) -> int:
    if isinstance(value, bool):
        raise Invalid(expected="integer")
    if isinstance(value, str) and INTEGER_RE.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or not INT32[0] <= value <= INT32[1]:
        raise Invalid(expected="integer")
    return value


def check_bigint(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise Invalid(expected="bigint")
    text = str(value).strip()
    if not INTEGER_RE.fullmatch(text):
        raise Invalid(expected="bigint")
    if len(text.lstrip("-")) > BIGINT_DIGITS:
        raise Invalid(maximum_length=BIGINT_DIGITS)
    return text


def parse_rrule(text: str) -> dict[str, str]:
    """The parts of a Recurring_Activity RRULE; ValueError names the broken rule."""
    parts: dict[str, str] = {}
    for segment in text.split(";"):
        if not segment.strip():
            continue
        key, sep, value = segment.partition("=")
        if not sep or not value or key in parts:
            raise ValueError(f"bad segment {segment!r}")
        parts[key] = value
    unknown = set(parts) - {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY",
                            "BYSETPOS", "BYMONTH", "DTSTART"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    freq = parts.get("FREQ")
    if freq not in {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}:
        raise ValueError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
    for key in ("INTERVAL", "COUNT"):
        if key in parts and not _in_range(parts[key], 1, 99):
            raise ValueError(f"{key} must be 1-99")
    # RFC 5545: COUNT and UNTIL must not occur together; Bigin needs one of them.
    if ("COUNT" in parts) == ("UNTIL" in parts):
        raise ValueError("exactly one of COUNT or UNTIL")
    for key in ("UNTIL", "DTSTART"):
        if key in parts and parse_date(parts[key]) is None:
            raise ValueError(f"{key} must be YYYY-MM-DD")
    if "BYDAY" in parts:
        days = parts["BYDAY"].split(",")
        if not days or any(d not in WEEKDAYS for d in days) or len(set(days)) != len(days):
            raise ValueError("BYDAY must list SU,MO,TU,WE,TH,FR,SA")
    monthly = freq in {"MONTHLY", "YEARLY"}
    if "BYMONTHDAY" in parts and not (monthly and _in_range(parts["BYMONTHDAY"], 1, 31)):
        raise ValueError("BYMONTHDAY is 1-31, monthly or yearly only")
    if "BYSETPOS" in parts and not (monthly and parts["BYSETPOS"] in {"1", "2", "3", "4", "-1"}):
        raise ValueError("BYSETPOS is 1-4 or -1, monthly or yearly only")
    if "BYMONTH" in parts and not (freq == "YEARLY" and _in_range(parts["BYMONTH"], 1, 12)):
        raise ValueError("BYMONTH is 1-12, yearly only")
    if "UNTIL" in parts and "DTSTART" in parts and parts["UNTIL"] < parts["DTSTART"]:
        raise ValueError("UNTIL before DTSTART")
    return parts


def parse_alarm(text: str, *, recurring: bool) -> dict[str, str]:
    """The parts of a Tasks Remind_At ALARM.

    ``-P<n>D``/``-P<n>W`` triggers need TRIGGER_TIME and exist only for recurring tasks. A
    ``DATE-TIME:`` trigger is taken for any task: Bigin's own recurring-task sample uses one.
    """
    parts: dict[str, str] = {}
    for segment in text.split(";"):
        if not segment.strip():
            continue
        key, sep, value = segment.partition("=")
        if not sep or not value or key in parts:
            raise ValueError(f"bad segment {segment!r}")
        parts[key] = value
    unknown = set(parts) - {"FREQ", "ACTION", "TRIGGER", "TRIGGER_TIME"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    if parts.get("FREQ", "NONE") != "NONE":
        raise ValueError("FREQ must be NONE")
    if parts.get("ACTION") not in {"EMAIL", "POPUP"}:
        raise ValueError("ACTION must be EMAIL or POPUP")
    trigger = parts.get("TRIGGER")
    if trigger is None:
        raise ValueError("TRIGGER is required")
    if trigger.startswith("DATE-TIME:"):
        if parse_datetime(trigger[len("DATE-TIME:"):]) is None:
            raise ValueError("DATE-TIME needs yyyy-MM-ddTHH:mm:ss±HH:mm")
        if "TRIGGER_TIME" in parts:
            raise ValueError("TRIGGER_TIME goes with -PnD/-PnW triggers only")
    elif re.fullmatch(r"-?P\d{1,3}[DW]", trigger):
        if not recurring:
            raise ValueError("-PnD/-PnW triggers are for recurring tasks")
        if not TIME_RE.fullmatch(parts.get("TRIGGER_TIME", "")):
            raise ValueError("TRIGGER_TIME=HH:MM is required")
    else:
        raise ValueError("TRIGGER must be DATE-TIME:<datetime> or -P<n>D / -P<n>W")
    return parts


def _in_range(text: str, low: int, high: int) -> bool:
    return bool(INTEGER_RE.fullmatch(text)) and low <= int(text) <= high


# -- the record walk ---------------------------------------------------------------------------


@dataclass
class RecordContext:
    schema: ModuleSchema
    raw: Mapping[str, Any]
    resolver: Resolver
    strict_picklists: bool
    # The stored values of the record an upsert updates; None on insert.
    existing: Mapping[str, Any] | None
    team_pipeline: TeamPipelineSpec | None
    values: dict[str, Any] = field(default_factory=dict)

    def current(self, api_name: str) -> Any:
        """The value after this write: the new one if given, else the stored one."""
        if api_name in self.values:
            return self.values[api_name]
        return (self.existing or {}).get(api_name)


@dataclass
class Validated:
    values: dict[str, Any]
    se_module: str | None = None
    team_pipeline: TeamPipelineSpec | None = None


def error_item(code: str, details: dict[str, Any]) -> dict[str, Any]:
    return {"code": code, "details": details, "message": MESSAGES[code], "status": "error"}


def expected_type(meta: Mapping[str, Any]) -> str:
    json_type = meta.get("json_type")
    if json_type in {"jsonobject", "jsonarray", "boolean", "integer", "double"}:
        return str(json_type)
    if meta.get("data_type") in {"date", "datetime", "email", "phone", "website", "bigint"}:
        return str(meta["data_type"])
    return "text"


def validate_record(
    schema: ModuleSchema,
    raw: Any,
    index: int,
    resolver: Resolver,
    *,
    strict_picklists: bool = True,
    existing: Mapping[str, Any] | None = None,
) -> Validated | dict[str, Any]:
    """Normalised values for one record, or the Bigin error item for its first problem."""
    if not isinstance(raw, dict):
        return error_item("INVALID_DATA", {"expected_data_type": "jsonobject", "index": index})

    def path(api_name: str) -> str:
        return f"$.data[{index}].{api_name}"

    for meta in schema.mandatory_writable:
        name = meta["api_name"]
        # An update may leave a mandatory field out, but never blank it.
        skipped_by_update = existing is not None and name not in raw
        if is_empty(raw.get(name)) and not skipped_by_update:
            return error_item("MANDATORY_NOT_FOUND", {"api_name": name, "json_path": path(name)})

    for key in raw:
        if key.startswith("$") or key == "id":
            continue
        if key not in schema.by_name:
            return error_item("INVALID_DATA", {"api_name": key, "json_path": path(key)})

    ctx = RecordContext(
        schema=schema,
        raw=raw,
        resolver=resolver,
        strict_picklists=strict_picklists,
        existing=existing,
        team_pipeline=None,
    )
    if schema.module == "Pipelines":
        ctx.team_pipeline = _record_team_pipeline(raw, existing)
    for meta in schema.writable_fields:
        name = meta["api_name"]
        if name not in raw:
            continue
        value = raw[name]
        if is_empty(value):
            ctx.values[name] = [] if meta.get("json_type") == "jsonarray" else None
            continue
        try:
            ctx.values[name] = check_field(meta, value, ctx)
        except Invalid as problem:
            culprit = problem.api_name or name
            details: dict[str, Any] = {
                "api_name": culprit,
                "json_path": path(culprit) + problem.path,
            }
            if problem.expected:
                details["expected_data_type"] = problem.expected
            if problem.maximum_length is not None:
                details["maximum_length"] = problem.maximum_length
            return error_item("INVALID_DATA", details)
    se_module = ctx.values.pop("$se_module", None)
    return Validated(values=ctx.values, se_module=se_module, team_pipeline=ctx.team_pipeline)


def _record_team_pipeline(
    raw: Mapping[str, Any], existing: Mapping[str, Any] | None
) -> TeamPipelineSpec:
    for source in (raw.get("Pipeline"), (existing or {}).get("Pipeline")):
        if isinstance(source, dict):
            found = _find_team_pipeline(source)
            if found is not None:
                return found
    return default_team_pipeline()


def _find_team_pipeline(value: Mapping[str, Any]) -> TeamPipelineSpec | None:
    if value.get("id") not in (None, ""):
        return team_pipeline(layout_id=str(value["id"]))
    if isinstance(value.get("name"), str):
        return team_pipeline(name=value["name"])
    return None


# -- per-field checks ---------------------------------------------------------------------------


def check_field(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> Any:
    special = SPECIAL.get((ctx.schema.module, meta["api_name"])) or SPECIAL.get(
        ("*", meta["api_name"]))
    if special is not None:
        return special(meta, value, ctx)
    checker = BY_TYPE.get(str(meta.get("data_type")), _check_text)
    return checker(meta, value, ctx)


def _string(meta: Mapping[str, Any], value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(expected=expected_type(meta))
    return value


def java_length(text: str) -> int:
    """Bigin runs on Java: a length is the count of UTF-16 code units, so a character beyond
    the Basic Multilingual Plane (most emoji) counts twice."""
    return len(text.encode("utf-16-le")) // 2


def _max_length(meta: Mapping[str, Any], text: str, cap: int | None = None) -> None:
    limit = int(meta.get("length") or TEXT_MAX)
    if cap is not None:
        limit = min(limit, cap)
    if java_length(text) > limit:
        raise Invalid(maximum_length=limit)


def _check_text(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> str:
    text = _string(meta, value)
    _max_length(meta, text, TEXT_MAX)
    return text


def _check_textarea(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> str:
    text = _string(meta, value)
    # Without a length in the metadata, the doc's limits apply: small 2000, large 32000.
    size = (meta.get("textarea") or {}).get("type")
    limit = int(meta.get("length") or (32000 if size == "large" else 2000))
    if java_length(text) > limit:
        raise Invalid(maximum_length=limit)
    return text


def _formatted(rule: Callable[[str], bool]) -> Callable[..., str]:
    def check(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> str:
        text = _string(meta, value)
        if not rule(text.strip()):
            raise Invalid(expected=expected_type(meta))
        _max_length(meta, text)
        return text.strip()

    return check


def _check_date(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> str:
    text = _string(meta, value)
    if parse_date(text) is None:
        raise Invalid(expected="date")
    return text


def _check_datetime(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> str:
    text = _string(meta, value)
    if parse_datetime(text) is None:
        raise Invalid(expected="datetime")
    return text


def _actual_values(meta: Mapping[str, Any]) -> set[str]:
    return {str(item.get("actual_value")) for item in meta.get("pick_list_values") or []}


def _check_picklist(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> str:
    text = _string(meta, value)
    _max_length(meta, text)
    if ctx.strict_picklists and text not in _actual_values(meta):
        raise Invalid()
    return text


def _check_multiselect(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid(expected="jsonarray")
    _max_length(meta, ";".join(value))
    if ctx.strict_picklists and not set(value) <= _actual_values(meta):
        raise Invalid()
    return list(value)


def _check_currency(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> int | float:
    places = meta.get("decimal_place")
    after = min(DIGITS_AFTER_POINT, int(places)) if places is not None else DIGITS_AFTER_POINT
    return check_decimal(value, after=after)


def _check_double(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> int | float:
    return check_decimal(value)


def _check_percent(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> int | float:
    return check_decimal(value, before=PERCENT_DIGITS)


def _check_boolean(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> bool:
    if not isinstance(value, bool):
        raise Invalid(expected="boolean")
    return value


def _id_of(value: Any) -> str:
    """The id in a {"id": …} reference; raises for anything else."""
    if not isinstance(value, dict):
        raise Invalid(expected="jsonobject")
    record_id = value.get("id")
    if isinstance(record_id, bool) or not isinstance(record_id, (str, int)) or not str(record_id):
        raise Invalid()
    return str(record_id)


def _check_lookup(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> dict[str, str]:
    record_id = _id_of(value)
    target = ((meta.get("lookup") or {}).get("module") or {}).get("api_name")
    name = ctx.resolver.record_name(str(target), record_id) if target in MODULES else None
    if name is None:
        raise Invalid()
    return {"name": name, "id": record_id}


def _active_user(ctx: RecordContext, user_id: str) -> Mapping[str, Any]:
    user = ctx.resolver.user(user_id)
    if user is None or user.get("status") != "active":
        raise Invalid()
    return user


def _check_owner(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> dict[str, str]:
    user = _active_user(ctx, _id_of(value))
    return {"name": str(user["full_name"]), "id": str(user["id"])}


def _check_multilookup(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> list[Any]:
    if not isinstance(value, list):
        raise Invalid(expected="jsonarray")
    config = meta.get("multiselectlookup") or {}
    target = str((config.get("connected_module") or {}).get("api_name") or "")
    linked = []
    for position, item in enumerate(value):
        try:
            record_id = _id_of(item)
        except Invalid as problem:
            raise Invalid(path=f"[{position}]") from problem
        name = ctx.resolver.record_name(target, record_id)
        if name is None:
            raise Invalid(path=f"[{position}]")
        linked.append({"name": name, "id": record_id})
    return linked


def _check_tag(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> list[str]:
    if not isinstance(value, list):
        raise Invalid(expected="jsonarray")
    names: list[str] = []
    for position, item in enumerate(value):
        if not isinstance(item, dict):
            raise Invalid(path=f"[{position}]")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or java_length(name.strip()) > 100:
            raise Invalid(path=f"[{position}].name")
        if name.strip().casefold() not in {n.casefold() for n in names}:
            names.append(name.strip())
    _max_length(meta, ",".join(names))
    return names


def _check_profileimage(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> str:
    text = _string(meta, value)
    _max_length(meta, text)
    return text


def _check_rrule(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Invalid(expected="jsonobject")
    rule = value.get("RRULE")
    if set(value) != {"RRULE"} or not isinstance(rule, str):
        raise Invalid()
    try:
        parse_rrule(rule)
    except ValueError as problem:
        raise Invalid() from problem
    return {"RRULE": rule}


def _check_alarm(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Invalid(expected="jsonobject")
    alarm = value.get("ALARM")
    if set(value) != {"ALARM"} or not isinstance(alarm, str):
        raise Invalid()
    try:
        parse_alarm(alarm, recurring=not is_empty(ctx.current("Recurring_Activity")))
    except ValueError as problem:
        raise Invalid() from problem
    return {"ALARM": alarm}


def _check_multireminder(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> list[Any]:
    if not isinstance(value, list):
        raise Invalid(expected="jsonarray")
    reminders = []
    for position, item in enumerate(value):
        unit = item.get("unit") if isinstance(item, dict) else None
        if (
            not isinstance(item, dict)
            or set(item) != {"unit", "period"}
            or isinstance(unit, bool)
            or not isinstance(unit, int)
            or unit <= 0
            or item.get("period") not in REMINDER_PERIODS
        ):
            raise Invalid(path=f"[{position}]")
        reminders.append({"unit": unit, "period": item["period"]})
    return reminders


def _check_participants(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> list[Any]:
    if not isinstance(value, list):
        raise Invalid(expected="jsonarray")
    people = []
    for position, item in enumerate(value):
        where = f"[{position}]"
        if not isinstance(item, dict) or item.get("type") not in PARTICIPANT_TYPES:
            raise Invalid(path=where)
        who = item.get("participant")
        if isinstance(who, bool) or not isinstance(who, (str, int)) or not str(who).strip():
            raise Invalid(path=where)
        who = str(who).strip()
        kind = item["type"]
        email: str | None = None
        if kind == "user":
            try:
                user = _active_user(ctx, who)
            except Invalid as problem:
                raise Invalid(path=where) from problem
            name, email = str(user["full_name"]), str(user["email"])
        elif kind == "contact":
            found = ctx.resolver.record_name("Contacts", who)
            if found is None:
                raise Invalid(path=where)
            name = found
        else:
            if not valid_email(who):
                raise Invalid(path=where)
            name, email = who, who
        people.append({"type": kind, "participant": who, "name": name, "Email": email,
                       "invited": False, "status": "not_known"})
    return people


def _check_related_to(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> dict[str, str]:
    record_id = _id_of(value)
    given = ctx.raw.get("$se_module")
    if given is not None:
        module = given if isinstance(given, str) and given in RELATED_TO_MODULES else None
        if module is None:
            raise Invalid(api_name="$se_module")
        candidates: tuple[str, ...] = (module,)
    else:
        candidates = RELATED_TO_MODULES
    for module in candidates:
        name = ctx.resolver.record_name(module, record_id)
        if name is not None:
            ctx.values["$se_module"] = module
            return {"name": name, "id": record_id}
    raise Invalid()


def _check_subform(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> list[Any]:
    """Pipelines' Associated_Products: [{Product: {id}, List_Price, Quantity, Discount}]."""
    if not isinstance(value, list):
        raise Invalid(expected="jsonarray")
    lines = []
    for position, item in enumerate(value):
        where = f"[{position}]"
        if not isinstance(item, dict) or not set(item) <= {
            "Product", "List_Price", "Quantity", "Discount", "id"
        }:
            raise Invalid(path=where)
        try:
            product_id = _id_of(item.get("Product"))
        except Invalid as problem:
            raise Invalid(path=f"{where}.Product") from problem
        name = ctx.resolver.record_name("Products", product_id)
        if name is None:
            raise Invalid(path=f"{where}.Product")
        numbers: dict[str, int | float | None] = {}
        for key, minimum, exclusive, required in (
            ("List_Price", 0, False, False),
            ("Quantity", 0, True, True),
            ("Discount", 0, False, False),
        ):
            raw_number = item.get(key)
            if raw_number is None:
                if required:
                    raise Invalid(path=f"{where}.{key}")
                numbers[key] = 0 if key == "Discount" else None
                continue
            try:
                number = check_decimal(raw_number)
            except Invalid as problem:
                raise Invalid(expected=problem.expected, path=f"{where}.{key}") from problem
            if number < minimum or (exclusive and number == minimum):
                raise Invalid(path=f"{where}.{key}")
            numbers[key] = number
        price, quantity = numbers["List_Price"], numbers["Quantity"]
        total = (price or 0) * (quantity or 0)
        lines.append({
            "Product": {"name": name, "id": product_id},
            "List_Price": price,
            "Quantity": quantity,
            "Discount": numbers["Discount"],
            "Total": total,
            "Net_Total": total - (numbers["Discount"] or 0),
        })
    return lines


def _check_team_pipeline(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Invalid(expected="jsonobject")
    found = _find_team_pipeline(value)
    if found is None:
        raise Invalid()
    return {"name": found.name, "id": found.layout_id}


def _check_sub_pipeline(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> str:
    text = _string(meta, value)
    pipeline = ctx.team_pipeline or default_team_pipeline()
    if text not in {s.choice.actual for s in pipeline.sub_pipelines}:
        raise Invalid()
    return text


def _check_stage(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> str:
    text = _string(meta, value)
    pipeline = ctx.team_pipeline or default_team_pipeline()
    sub_name = ctx.current("Sub_Pipeline")
    subs = [s for s in pipeline.sub_pipelines if s.choice.actual == sub_name] or list(
        pipeline.sub_pipelines)
    if text not in {stage.actual for sub in subs for stage in sub.stages}:
        raise Invalid()
    return text


def _check_end(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> str:
    text = _check_datetime(meta, value, ctx)
    start = ctx.current("Start_DateTime")
    started = parse_datetime(start) if isinstance(start, str) else None
    ended = parse_datetime(text)
    if started is not None and ended is not None and ended <= started:
        raise Invalid()
    return text


def _check_call_duration(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> str:
    text = _string(meta, value)
    _max_length(meta, text)
    if not CALL_DURATION_RE.fullmatch(text.strip()):
        raise Invalid()
    return text.strip()


def _check_call_type(meta: Mapping[str, Any], value: Any, ctx: RecordContext) -> str:
    # The call type drives how Bigin treats the call, so no new values are ever taken.
    text = _string(meta, value)
    if text not in _actual_values(meta):
        raise Invalid()
    return text


BY_TYPE: dict[str, Callable[[Mapping[str, Any], Any, RecordContext], Any]] = {
    "text": _check_text,
    "textarea": _check_textarea,
    "email": _formatted(valid_email),
    "phone": _formatted(valid_phone),
    "website": _formatted(valid_website),
    "picklist": _check_picklist,
    "multiselectpicklist": _check_multiselect,
    "date": _check_date,
    "datetime": _check_datetime,
    "currency": _check_currency,
    "decimal": _check_currency,
    "double": _check_double,
    "percent": _check_percent,
    "integer": lambda meta, value, ctx: check_integer(value),
    "bigint": lambda meta, value, ctx: check_bigint(value),
    "boolean": _check_boolean,
    "lookup": _check_lookup,
    "ownerlookup": _check_owner,
    "multiselectlookup": _check_multilookup,
    "subform": _check_subform,
    "RRULE": _check_rrule,
    "ALARM": _check_alarm,
    "multireminder": _check_multireminder,
    "layout": _check_team_pipeline,
    "profileimage": _check_profileimage,
}
SPECIAL: dict[tuple[str, str], Callable[[Mapping[str, Any], Any, RecordContext], Any]] = {
    ("*", "Tag"): _check_tag,
    ("*", "Related_To"): _check_related_to,
    ("Events", "Participants"): _check_participants,
    ("Events", "End_DateTime"): _check_end,
    ("Pipelines", "Sub_Pipeline"): _check_sub_pipeline,
    ("Pipelines", "Stage"): _check_stage,
    ("Calls", "Call_Duration"): _check_call_duration,
    ("Calls", "Call_Type"): _check_call_type,
}
