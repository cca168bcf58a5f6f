"""One form field per Bigin field kind, and the conversions between form values and Bigin JSON.

Each kind knows three things: which Django form field to show, how to turn the cleaned form
value into the value Bigin expects in ``data[i]``, and how to turn a stored value back into the
form's initial value. The rules themselves live in validation.py and run after conversion.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms

from bigin_ui.metadata.fields import FieldMeta
from bigin_ui.metadata.schema import ANY_RELATED
from bigin_ui.metadata.validation import (
    INTEGER_MAX,
    INTEGER_MIN,
    PHONE_MAX,
    TEXT_MAX,
    TEXTAREA_LARGE_MAX,
    TEXTAREA_SMALL_MAX,
    FieldInvalid,
    as_decimal,
    picklist_value,
)
from bigin_ui.metadata.widgets import (
    PERIOD_CHOICES,
    AlarmField,
    Hit,
    LinesField,
    LookupWidget,
    ParticipantsField,
    ParticipantsWidget,
    RecurrenceField,
    plain_int,
)

log = logging.getLogger(__name__)


@dataclass
class FormContext:
    """What a form needs beyond the module's metadata."""

    users: Sequence[tuple[str, str]] = ()  # (Bigin user ID, name)
    tags: Sequence[str] = ()
    time_zone: dt.tzinfo = dt.UTC
    zone_label: str = "UTC (+00:00)"  # named beside every date/time input
    default_owner: str = ""
    # Resolves "row:<pk>" references to a label, None when the row is not usable.
    describe_row: Callable[[str], str | None] = field(default=lambda pk: None)
    lookup_url: Callable[[str], str] = field(default=lambda module: "")
    # The name of a Bigin record, by (module or "", ID), as last seen; None when not known.
    record_name: Callable[[str, str], str | None] = field(default=lambda module, pk: None)
    # The module of a Bigin record by ID when exactly one is known for it, else None.
    record_module: Callable[[str], str | None] = field(default=lambda pk: None)
    # Search by name for the no-JS "Find": (module, text) -> (hits, error).
    search: Callable[[str, str], tuple[list[Hit], str]] | None = None
    # The module of a queued row ("row:<pk>"), None when the row is not usable.
    row_module: Callable[[str], str | None] = field(default=lambda pk: None)
    # The person's number convention: "." (1,234.5) or "," (1.234,5). Never guessed per value.
    decimal_separator: str = "."


def zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def number_out(value: Decimal) -> int | float | str:
    """A JSON number when it survives float conversion exactly, else the exact digits as text."""
    if value == value.to_integral_value() and abs(value) < Decimal(2**53):
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return format(value, "f")


GROUPED = {".": re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?"),
           ",": re.compile(r"-?[0-9]{1,3}([. ][0-9]{3})+(,[0-9]+)?")}
PLAIN = {".": re.compile(r"-?[0-9]+(\.[0-9]+)?"), ",": re.compile(r"-?[0-9]+(,[0-9]+)?")}
CONVENTION_NAMES = {".": "1,234.56", ",": "1.234,56"}


def parse_typed_number(text: str, *, separator: str = ".") -> Decimal:
    """A number typed under the person's convention. Digit groups are taken only where they
    are unmistakable (groups of three); anything else is an error, never a guess: under "."
    "2.500,00" is refused, not read as 2.5."""
    value = str(text).strip()
    if PLAIN[separator].fullmatch(value):
        return Decimal(value.replace(",", "."))
    if GROUPED[separator].fullmatch(value):
        group = "," if separator == "." else r"[. ]"
        whole, _, fraction = value.partition(separator) if separator == "," else (
            value.partition("."))
        digits = re.sub(group, "", whole)
        return Decimal(f"{digits}.{fraction}" if fraction else digits)
    raise FieldInvalid(
        f"Cannot read {value!r} as a number written like {CONVENTION_NAMES[separator]} (your "
        "number format; change it on your profile page).", code="number_format")


def number_in(value: Any, ctx: FormContext) -> str:
    """A stored number as the person types it (their decimal separator, no groups)."""
    if value is None:
        return ""
    try:
        text = format(as_decimal(value), "f")
    except FieldInvalid:
        return str(value)
    return text.replace(".", ",") if ctx.decimal_separator == "," else text


class Kind:
    """Default behaviour: a single-line text input holding the value as a string."""

    input_type = "text"

    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return forms.CharField(
            max_length=self.max_length(meta),
            strip=True,
            widget=forms.TextInput(attrs={"type": self.input_type}),
        )

    def max_length(self, meta: FieldMeta) -> int | None:
        return min(meta.length or TEXT_MAX, TEXT_MAX)

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return value if value not in ("", None) else None

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return value


class TextKind(Kind):
    pass


class TextareaKind(Kind):
    def max_length(self, meta: FieldMeta) -> int | None:
        default = TEXTAREA_LARGE_MAX if meta.textarea_size == "large" else TEXTAREA_SMALL_MAX
        return min(meta.length or default, TEXTAREA_LARGE_MAX)

    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return forms.CharField(
            max_length=self.max_length(meta),
            strip=True,
            widget=forms.Textarea(attrs={"rows": 3}),
        )


class EmailKind(Kind):
    input_type = "email"

    def max_length(self, meta: FieldMeta) -> int | None:
        return meta.length or 100


class PhoneKind(Kind):
    input_type = "tel"

    def max_length(self, meta: FieldMeta) -> int | None:
        return meta.length or PHONE_MAX


class WebsiteKind(Kind):
    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        field_ = super().build(meta, ctx)
        field_.widget.attrs.update({"inputmode": "url", "placeholder": "www.example.com"})
        return field_


class MappedChoiceField(forms.ChoiceField):
    """Takes another case or the display value of a choice (an import, a typed value) as the
    actual value it means; see validation.picklist_value."""

    def __init__(self, *, meta: FieldMeta, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.meta = meta

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        try:
            return picklist_value(self.meta, text) if text else text
        except FieldInvalid as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None


class MappedMultipleChoiceField(forms.MultipleChoiceField):
    def __init__(self, *, meta: FieldMeta, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.meta = meta

    def to_python(self, value: Any) -> list[str]:
        try:
            return [picklist_value(self.meta, v) for v in super().to_python(value)]
        except FieldInvalid as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None


class PicklistKind(Kind):
    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        choices = [("", "---------")] + [(c.actual, c.display) for c in meta.choices]
        return MappedChoiceField(meta=meta, choices=choices)


class MultiPicklistKind(Kind):
    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return MappedMultipleChoiceField(
            meta=meta,
            choices=[(c.actual, c.display) for c in meta.choices],
            widget=forms.CheckboxSelectMultiple,
        )

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return list(value) or None

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return list(value or [])


class DateKind(Kind):
    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return value.isoformat() if value else None

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        try:
            return dt.date.fromisoformat(value) if value else None
        except ValueError:
            return value


class DateTimeKind(Kind):
    """Entered in the user's time zone; sent as ISO 8601 with that offset and no fractions."""

    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return forms.DateTimeField(
            help_text=f"Times in {ctx.zone_label}.",
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                           "%Y-%m-%d %H:%M:%S"],
        )

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        if not value:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=ctx.time_zone)
        return value.astimezone(ctx.time_zone).replace(microsecond=0).isoformat()

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        if not value:
            return None
        try:
            moment = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return value
        if moment.tzinfo is not None:
            moment = moment.astimezone(ctx.time_zone).replace(tzinfo=None)
        return moment


class TypedNumberField(forms.CharField):
    """A number as typed under the person's convention; the text is kept, read once more by
    NumberKind.to_payload."""

    def __init__(self, *, separator: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.separator = separator

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value not in self.empty_values:
            try:
                parse_typed_number(value, separator=self.separator)
            except FieldInvalid as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from None


class NumberKind(Kind):
    """Currency, decimal, double and percent: typed as text so our digit rules speak first."""

    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return TypedNumberField(
            separator=ctx.decimal_separator, strip=True,
            help_text=f"Numbers are written like {CONVENTION_NAMES[ctx.decimal_separator]}.",
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        )

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        if value in ("", None):
            return None
        try:
            return number_out(parse_typed_number(value, separator=ctx.decimal_separator))
        except FieldInvalid:
            return value  # left as typed; the field has already said why

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return number_in(value, ctx)


class TypedIntegerField(forms.IntegerField):
    """A whole number under the person's convention (digit groups as in parse_typed_number).
    Django's own reading also took "1_000" and "7.0"; neither is a stated convention."""

    def __init__(self, *, separator: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.separator = separator

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            number = parse_typed_number(str(value), separator=self.separator)
        except FieldInvalid as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        if number != number.to_integral_value():
            raise forms.ValidationError("Enter a whole number.", code="invalid")
        return int(number)


class IntegerKind(Kind):
    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return TypedIntegerField(separator=ctx.decimal_separator, min_value=INTEGER_MIN,
                                 max_value=INTEGER_MAX,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric"}))


class BigintKind(Kind):
    """Long Integer: up to 18 digits, sent as a string because JSON numbers lose precision."""

    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return forms.RegexField(
            regex=r"^-?\d+$",
            error_messages={"invalid": "Enter a whole number."},
            widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        )

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return str(value) if value not in ("", None) else None

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return "" if value is None else str(value)


class BooleanKind(Kind):
    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return forms.BooleanField()

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return bool(value)


class OwnerKind(Kind):
    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return forms.ChoiceField(choices=[("", "(the connected Bigin user)"), *ctx.users])

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return {"id": value} if value else None

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return value.get("id") if isinstance(value, dict) else value


def parse_reference(text: str) -> dict[str, Any] | None:
    """A record reference typed or picked in a form: a Bigin ID, or ``row:<pk>`` for a row
    still waiting in this app's queue (resolved to its Bigin ID at submit time)."""
    text = (text or "").strip()
    if not text:
        return None
    pk = plain_int(text[4:]) if text.lower().startswith("row:") else None
    if pk is not None:
        return {"$row": pk}
    return {"id": text}


def format_reference(value: Any) -> str:
    if isinstance(value, dict):
        if "$row" in value:
            return f"row:{value['$row']}"
        return str(value.get("id") or "")
    return "" if value is None else str(value)


NOUNS = {"Contacts": "contact", "Accounts": "company", "Pipelines": "pipeline record",
         "Products": "product"}


def lookup_widget(module: str, ctx: FormContext, *, multiple: bool = False,
                  module_from: str = "") -> LookupWidget:
    noun = "record" if module_from else NOUNS.get(module, "record")
    return LookupWidget(module=module, search_url=ctx.lookup_url(module),
                        describe=ctx.describe_row, multiple=multiple, module_from=module_from,
                        name_of=ctx.record_name, search=ctx.search, noun=noun,
                        attrs={"placeholder": f"Type a {noun}'s name"})


class LookupKind(Kind):
    module_from = ""

    def target_module(self, meta: FieldMeta) -> str:
        return meta.lookup_module or "Contacts"

    def widget(self, meta: FieldMeta, ctx: FormContext, *, multiple: bool = False) -> LookupWidget:
        return lookup_widget(self.target_module(meta), ctx, multiple=multiple,
                             module_from=self.module_from)

    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return forms.CharField(strip=True, widget=self.widget(meta, ctx))

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return parse_reference(value)

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return format_reference(value)


class RelatedToKind(LookupKind):
    """Tasks, Events and Calls relate to a record of a module named in ``$se_module``."""

    module_from = "$se_module"

    def target_module(self, meta: FieldMeta) -> str:
        # While "$se_module" is empty, the search covers every module it may name.
        return ANY_RELATED


class MultiLookupKind(LookupKind):
    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return forms.CharField(strip=True, widget=self.widget(meta, ctx, multiple=True),
                               help_text="Pick as many as you need, one after the other.")

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        refs = [parse_reference(part) for part in (value or "").split(",")]
        return [r for r in refs if r] or None

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return ", ".join(format_reference(v) for v in value or [])


class TeamPipelineKind(Kind):
    """The Team Pipeline (a Pipelines layout); choices are filled in by the form."""

    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return forms.ChoiceField(choices=[])

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return {"id": value} if value else None

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return value.get("id") if isinstance(value, dict) else value


class RecurrenceKind(Kind):
    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return RecurrenceField()

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return {"RRULE": value} if value else None

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return value.get("RRULE", "") if isinstance(value, dict) else ""


class AlarmKind(Kind):
    """Bigin's task reminder. The ALARM text depends on whether the task repeats, so the form
    finishes it (see RecordForm.build_payload)."""

    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return AlarmField(help_text=f"Times in {ctx.zone_label}.")

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return value or None

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        if not isinstance(value, dict) or not isinstance(value.get("ALARM"), str):
            return None
        parts = dict(
            chunk.split("=", 1) for chunk in value["ALARM"].split(";") if "=" in chunk
        )
        trigger = parts.get("TRIGGER", "")
        initial: dict[str, Any] = {"action": parts.get("ACTION", "")}
        if trigger.startswith("DATE-TIME:"):
            initial["at"] = DateTimeKind().to_initial(meta, trigger[10:], ctx)
        else:
            amount = trigger.lstrip("-P")
            initial["before"] = amount[:-1]
            initial["unit"] = amount[-1:] or "D"
            initial["time"] = parts.get("TRIGGER_TIME")
        return initial


def alarm_text(value: dict[str, Any], *, recurring: bool, ctx: FormContext) -> str:
    """Bigin's ALARM for a reminder chosen in the form."""
    if recurring and value.get("before"):
        time = value.get("time")
        time_text = time.strftime("%H:%M") if hasattr(time, "strftime") else str(time or "")
        return (f"ACTION={value['action']};TRIGGER=-P{value.get('before') or ''}"
                f"{value.get('unit') or 'D'};TRIGGER_TIME={time_text}")
    at = DateTimeKind().to_payload(FieldMeta("Remind_At", "", "ALARM", "jsonobject"),
                                   value.get("at"), ctx)
    return f"FREQ=NONE;ACTION={value['action']};TRIGGER=DATE-TIME:{at or ''}"


class RemindersKind(Kind):
    """Events' Remind_At: several reminders, each a number and a unit before the start."""

    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return LinesField(columns=[
            ("unit", "How many", forms.NumberInput(attrs={"min": 1})),
            ("period", "Unit", forms.Select(choices=PERIOD_CHOICES)),
        ])

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        lines = []
        for line in value or []:
            unit = line.get("unit", "")
            number = plain_int(unit)
            # Anything else stays as typed; validation says what is wrong with it.
            lines.append({"unit": unit if number is None else number,
                          "period": line.get("period") or "minutes"})
        return lines or None

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return [{"unit": str(v.get("unit", "")), "period": v.get("period", "")}
                for v in value or [] if isinstance(v, dict)]


class ParticipantsKind(Kind):
    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        contacts = LookupKind().widget(
            FieldMeta("Participants", "", "lookup", "jsonobject", lookup_module="Contacts"),
            ctx, multiple=True,
        )
        return ParticipantsField(users=ctx.users, contacts=contacts)

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return value or None

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        # The widget's three parts (users, contacts, e-mails). Handing it the stored list
        # itself made MultiWidget take that list as the parts: the first participant went to
        # the user boxes, the second (a dict) into the contacts box, the third to e-mails.
        return ParticipantsWidget.split(value)


class ProductLinesKind(Kind):
    """Pipelines' Associated_Products: product, list price, quantity, discount per line."""

    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        product = lookup_widget("Products", ctx)
        return LinesField(columns=[
            ("Product", "Product", product),
            ("List_Price", "List price", forms.TextInput(attrs={"inputmode": "decimal"})),
            ("Quantity", "Quantity", forms.TextInput(attrs={"inputmode": "decimal"})),
            ("Discount", "Discount", forms.TextInput(attrs={"inputmode": "decimal"})),
        ])

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        lines = []
        for line in value or []:
            item: dict[str, Any] = {"Product": parse_reference(line.get("Product", ""))}
            for key in ("List_Price", "Quantity", "Discount"):
                text = line.get(key, "")
                if text:
                    try:
                        item[key] = number_out(parse_typed_number(
                            text, separator=ctx.decimal_separator))
                    except FieldInvalid:
                        item[key] = text  # validation names the line and the column
            lines.append(item)
        return lines or None

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        return [
            {"Product": format_reference(v.get("Product")),
             **{k: number_in(v.get(k), ctx) for k in ("List_Price", "Quantity", "Discount")}}
            for v in value or [] if isinstance(v, dict)
        ]


class TagKind(Kind):
    def build(self, meta: FieldMeta, ctx: FormContext) -> forms.Field:
        return forms.CharField(
            strip=True,
            help_text="Separate tags with commas; new tags are created in Bigin.",
            widget=forms.TextInput(attrs={"data-tags": "1", "autocomplete": "off"}),
        )

    def to_payload(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        names: list[str] = []
        for part in (value or "").split(","):
            name = part.strip()
            if name and name.lower() not in {n.lower() for n in names}:
                names.append(name)
        return [{"name": name} for name in names] or None

    def to_initial(self, meta: FieldMeta, value: Any, ctx: FormContext) -> Any:
        if isinstance(value, list):
            return ", ".join(str(t.get("name", "")) for t in value if isinstance(t, dict))
        return value


KINDS: dict[str, Kind] = {
    "text": TextKind(),
    "textarea": TextareaKind(),
    "email": EmailKind(),
    "phone": PhoneKind(),
    "website": WebsiteKind(),
    "picklist": PicklistKind(),
    "multiselectpicklist": MultiPicklistKind(),
    "date": DateKind(),
    "datetime": DateTimeKind(),
    "currency": NumberKind(),
    "decimal": NumberKind(),
    "percent": NumberKind(),
    "integer": IntegerKind(),
    "bigint": BigintKind(),
    "boolean": BooleanKind(),
    "ownerlookup": OwnerKind(),
    "lookup": LookupKind(),
    "multiselectlookup": MultiLookupKind(),
    "related_to": RelatedToKind(),
    "team_pipeline": TeamPipelineKind(),
    "tag": TagKind(),
    "rrule": RecurrenceKind(),
    "alarm": AlarmKind(),
    "multireminder": RemindersKind(),
    "participants": ParticipantsKind(),
    "associated_products": ProductLinesKind(),
}

_warned: set[tuple[str, str]] = set()


def kind_for(meta: FieldMeta) -> Kind:
    kind = KINDS.get(meta.kind)
    if kind is None:
        key = (meta.api_name, meta.data_type)
        if key not in _warned:
            _warned.add(key)
            log.warning(
                "Field %s has data type %r, which this app does not know; showing it as text.",
                meta.api_name, meta.data_type,
            )
        return KINDS["text"]
    return kind
