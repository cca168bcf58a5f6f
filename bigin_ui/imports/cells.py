"""One spreadsheet cell → the input the entry form expects for that field.

The rule throughout: a value this code cannot read with certainty is an error on its cell,
never a guess. The output is what a person would have typed or picked in the form (form
input names and text), so the form's own fields and Bigin's rules then judge it exactly as
they judge typed entries.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bigin_ui.imports.reading import Cell, Percent
from bigin_ui.metadata.fields import FieldMeta

TRUE_WORDS = frozenset({"true", "yes", "1"})
FALSE_WORDS = frozenset({"false", "no", "0"})
LIST_SEPARATOR = ";"
PERIODS = {"minute": "minutes", "minutes": "minutes", "min": "minutes", "mins": "minutes",
           "hour": "hours", "hours": "hours", "day": "days", "days": "days",
           "week": "weeks", "weeks": "weeks"}
ALARM_UNITS = {"day": "D", "days": "D", "week": "W", "weeks": "W"}
SE_MODULES = {"contacts": "Contacts", "contact": "Contacts", "accounts": "Accounts",
              "account": "Accounts", "companies": "Accounts", "company": "Accounts",
              "pipelines": "Pipelines", "pipeline": "Pipelines", "pipeline record": "Pipelines",
              "products": "Products", "product": "Products"}

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME_RE = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)"
    r"(?P<offset>Z|[+-]\d{2}:\d{2})?"
)
TIME_RE = re.compile(r"\d{1,2}:\d{2}")
DIGITS_RE = re.compile(r"\d+")


class CellError(ValueError):
    """This cell cannot be read with certainty; the message tells the person why."""


@dataclass(frozen=True)
class Options:
    time_zone: str  # IANA name; date/times without an offset are read in it
    decimal: str = "."  # "." or ","
    new_picklist_values: bool = False  # admins only: send unknown picklist values as new

    @property
    def zone(self) -> dt.tzinfo:
        return zoneinfo.ZoneInfo(self.time_zone)


# Resolves a unique value (a name, an e-mail) to "row:N" or a Bigin ID for a module.
Resolver = Callable[[str, str], str]


def no_resolver(module: str, value: str) -> str:
    raise CellError(f"{value!r} is neither a Bigin ID nor row:N.")


# --- plain values ------------------------------------------------------------------------


def text_of(cell: Cell) -> str:
    """A cell read as text. Native dates, booleans and percentages are not text: turning
    them into some text format would be a guess about what the person wanted."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        raise CellError("A TRUE/FALSE cell where text is expected; format the cell as text.")
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 2**53:
            return str(int(cell))
        return repr(cell)
    if isinstance(cell, Percent):
        raise CellError("A percentage cell where text is expected; format the cell as text.")
    raise CellError("A date cell where text is expected; format the cell as text.")


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def boolean(cell: Cell) -> bool:
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, (int, float)) and cell in (0, 1):
        return bool(cell)
    word = text_of(cell).casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"{text_of(cell)!r} is not a checkbox value: write true/false, yes/no or "
                    "1/0.")


def _grouped(whole: str, group: str) -> str:
    """Digits with optional thousands separators in groups of exactly three."""
    if group not in whole:
        return whole
    parts = whole.split(group)
    if not parts[0] or len(parts[0]) > 3 or any(len(p) != 3 for p in parts[1:]):
        raise ValueError(whole)
    return "".join(parts)


def decimal(cell: Cell, *, separator: str, percent: bool = False) -> Decimal:
    """A number. Text must use the chosen decimal separator; the other mark is accepted only
    as a thousands separator in groups of three (``2,500.00`` under ``.``)."""
    if isinstance(cell, bool):
        raise CellError("A TRUE/FALSE cell where a number is expected.")
    if isinstance(cell, Percent):
        if not percent:
            raise CellError("A percentage cell where a plain number is expected.")
        return Decimal(repr(cell.value)) * 100 if isinstance(cell.value, float) else Decimal(
            cell.value) * 100
    if isinstance(cell, int):
        return Decimal(cell)
    if isinstance(cell, float):
        # repr is the shortest text that reads back as the same double: what Excel showed.
        return Decimal(repr(cell))
    text = text_of(cell).replace("\u00a0", "").replace(" ", "")
    group = "," if separator == "." else "."
    match = re.fullmatch(r"([+-]?)([\d.,]+)", text)
    try:
        if not match:
            raise ValueError(text)
        sign, body = match.groups()
        whole, point, fraction = body.rpartition(separator) if separator in body else (
            body, "", "")
        if not point:
            whole, fraction = body, ""
        if separator in whole or not DIGITS_RE.fullmatch(fraction or "0"):
            raise ValueError(text)
        whole = _grouped(whole, group)
        if not DIGITS_RE.fullmatch(whole):
            raise ValueError(text)
        return Decimal(f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}")
    except (ValueError, InvalidOperation):
        name = "point" if separator == "." else "comma"
        raise CellError(f"{text!r} is not a number with a decimal {name} ({separator}); "
                        f"e.g. {'2500.00' if separator == '.' else '2500,00'}.") from None


def plain_number(value: Decimal) -> str:
    """The canonical text the form's number inputs read: digits and a decimal point."""
    return format(value, "f")


def whole_number(cell: Cell, *, separator: str) -> str:
    value = decimal(cell, separator=separator)
    if value != value.to_integral_value():
        raise CellError(f"{plain_number(value)} is not a whole number.")
    return str(int(value))


def date_value(cell: Cell) -> dt.date:
    if isinstance(cell, dt.datetime):
        if cell.time() != dt.time(0, 0):
            raise CellError(f"The cell holds a time ({cell:%H:%M}) where only a date is "
                            "expected.")
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    text = text_of(cell)
    if DATE_RE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise CellError(f"{text!r} is not a date; write YYYY-MM-DD (e.g. 2026-03-31) or use a "
                    "date cell.")


def local_moment(naive: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """A wall-clock time in ``zone``; one that does not exist or happens twice (daylight
    saving changes) cannot be read with certainty."""
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
        if back != naive:
            raise CellError(f"{naive:%Y-%m-%d %H:%M} does not exist in {zone} (the clocks "
                            "jump); give the time with its offset.")
        raise CellError(f"{naive:%Y-%m-%d %H:%M} happens twice in {zone} (the clocks go "
                        "back); give the time with its offset, e.g. +02:00.")
    return first


def datetime_value(cell: Cell, *, zone: dt.tzinfo) -> dt.datetime:
    """An aware moment. Without an offset, the time is read in ``zone``."""
    if isinstance(cell, dt.datetime):
        if cell.tzinfo is not None:
            return cell
        return local_moment(cell.replace(microsecond=0), zone)
    if isinstance(cell, dt.date):
        raise CellError("A date without a time where a date and time are expected.")
    text = text_of(cell)
    match = DATETIME_RE.fullmatch(text)
    if match:
        try:
            moment = dt.datetime.fromisoformat(
                f"{match['date']}T{match['time']}{match['offset'] or ''}".replace(
                    "Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None:
            return moment if moment.tzinfo else local_moment(moment, zone)
    raise CellError(f"{text!r} is not a date and time; write YYYY-MM-DD HH:MM, optionally "
                    "with an offset (2026-03-31 14:30+02:00), or use a date cell.")


def form_datetime(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """The form reads date/times in the import's zone: give it the wall clock there."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")


def split_list(cell: Cell) -> list[str]:
    return [p.strip() for p in text_of(cell).split(LIST_SEPARATOR) if p.strip()]


def choice(meta: FieldMeta, text: str, *, allow_new: bool) -> str:
    """A picklist value: its actual value, or its display value, exactly; then ignoring case
    when that leaves one candidate."""
    for c in meta.choices:
        if text == c.actual:
            return c.actual
    for c in meta.choices:
        if text == c.display:
            return c.actual
    folded = {c.actual for c in meta.choices
              if text.casefold() in {c.actual.casefold(), c.display.casefold()}}
    if len(folded) == 1:
        return folded.pop()
    if allow_new:
        return text
    names = [c.display for c in meta.choices]
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.5) or difflib.get_close_matches(
        text.casefold(), [n.casefold() for n in names], n=3, cutoff=0.5)
    hint = f" Closest: {', '.join(close)}." if close else ""
    raise CellError(f"{text!r} is not one of the values of {meta.label}.{hint}")


def reference(text: str, module: str, resolve: Resolver) -> str:
    """A record: a Bigin ID (digits), ``row:N``, or a unique value the resolver looks up."""
    if DIGITS_RE.fullmatch(text) and len(text) >= 10:
        return text
    if text.lower().startswith("row:"):
        number = text[4:].strip()
        if not DIGITS_RE.fullmatch(number) or len(number) > 18:
            raise CellError(f"{text!r}: row: is followed by a queued row's number.")
        return f"row:{int(number)}"
    return resolve(module, text)
