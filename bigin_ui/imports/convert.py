"""A field's cell → the entry form's inputs for that field, per Bigin field kind.

The column conventions here are the ones the import page and the README document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bigin_ui.imports.cells import (
    ALARM_UNITS,
    DATETIME_RE,
    DIGITS_RE,
    LIST_SEPARATOR,
    PERIODS,
    SE_MODULES,
    TIME_RE,
    Cell,
    CellError,
    Options,
    Resolver,
    boolean,
    choice,
    date_value,
    datetime_value,
    decimal,
    form_datetime,
    no_resolver,
    plain_number,
    reference,
    split_list,
    text_of,
    whole_number,
)
from bigin_ui.metadata.fields import FieldMeta, TeamPipeline

FormInputs = dict[str, list[str]]

RRULE_FORM_KEYS = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYSETPOS")
ALARM_AT_RE = re.compile(r"(?i)(email|popup)\s+(?:at\s+)?(.+)")
ALARM_BEFORE_RE = re.compile(
    r"(?i)(email|popup)\s+(\d{1,2})\s+(days?|weeks?)\s+before\s+at\s+(\d{1,2}:\d{2})")
REMINDER_RE = re.compile(r"(\d{1,4})\s*([A-Za-z]+)")
EMAIL_RE = re.compile(r"[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+")


@dataclass
class Converter:
    """Everything a conversion needs, built once per import."""

    options: Options
    resolve: Resolver = no_resolver
    # Bigin users by ID, e-mail and full name (folded), each → ID; None marks an ambiguous name.
    users: Mapping[str, str | None] = field(default_factory=dict)
    team_pipelines: tuple[TeamPipeline, ...] = ()

    def __post_init__(self) -> None:
        self.zone = self.options.zone

    def inputs(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        """The form inputs for one non-blank cell; raises CellError."""
        name, kind = meta.api_name, meta.kind
        method = getattr(self, f"_{kind}", None)
        if method is not None:
            return method(meta, cell)
        return {name: [text_of(cell)]}

    # -- simple kinds ------------------------------------------------------------------

    def _boolean(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        return {meta.api_name: ["on"]} if boolean(cell) else {}

    def _number(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        value = decimal(cell, separator=self.options.decimal, percent=meta.kind == "percent")
        return {meta.api_name: [plain_number(value)]}

    _currency = _decimal = _percent = _number

    def _integer(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        return {meta.api_name: [whole_number(cell, separator=self.options.decimal)]}

    _bigint = _integer

    def _date(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        return {meta.api_name: [date_value(cell).isoformat()]}

    def _datetime(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        return {meta.api_name: [form_datetime(datetime_value(cell, zone=self.zone), self.zone)]}

    def _picklist(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        allow = self.options.new_picklist_values
        return {meta.api_name: [choice(meta, text_of(cell), allow_new=allow)]}

    def _multiselectpicklist(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        allow = self.options.new_picklist_values
        return {meta.api_name: [choice(meta, part, allow_new=allow)
                                for part in split_list(cell)]}

    def _tag(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        names = split_list(cell)
        if any("," in n for n in names):
            raise CellError("A tag name cannot contain a comma; separate tags with ;.")
        return {meta.api_name: [", ".join(names)]}

    def _ownerlookup(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        return {meta.api_name: [self.user_id(text_of(cell))]}

    def user_id(self, text: str) -> str:
        key = text.casefold()
        if key not in self.users:
            raise CellError(f"{text!r} is not an active Bigin user (give the user's ID, "
                            "e-mail or full name).")
        found = self.users[key]
        if found is None:
            raise CellError(f"Several Bigin users are called {text!r}; give the e-mail or ID.")
        return found

    # -- references --------------------------------------------------------------------

    def _lookup(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        module = meta.lookup_module or "Contacts"
        return {meta.api_name: [reference(text_of(cell), module, self.resolve)]}

    def _multiselectlookup(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        module = meta.lookup_module or "Contacts"
        refs = [reference(part, module, self.resolve) for part in split_list(cell)]
        return {meta.api_name: [", ".join(refs)]}

    def related_to(self, meta: FieldMeta, cell: Cell, se_module: Cell) -> FormInputs:
        module_text = text_of(se_module)
        module = SE_MODULES.get(module_text.casefold())
        if module is None and not module_text:
            text = text_of(cell)
            if text.lower().startswith("row:") or (DIGITS_RE.fullmatch(text) and len(text) >= 10):
                # As typed in the form: the form knows a queued row's module, and says when
                # a Bigin ID needs one.
                return {meta.api_name: [reference(text, "Contacts", self.resolve)]}
        if module is None:
            raise CellError(f"{meta.label} needs the related module in the $se_module column "
                            "(Contacts, Accounts, Pipelines or Products) to look up "
                            f"{text_of(cell)!r}.")
        return {meta.api_name: [reference(text_of(cell), module, self.resolve)],
                "$se_module": [module]}

    def se_module(self, cell: Cell) -> str:
        module = SE_MODULES.get(text_of(cell).casefold())
        if module is None:
            raise CellError(f"{text_of(cell)!r} is not Contacts, Accounts, Pipelines or "
                            "Products.")
        return module

    # -- Team Pipelines ----------------------------------------------------------------

    def _team_pipeline(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        text = text_of(cell)
        found = [p for p in self.team_pipelines if text in {p.id, p.name}] or [
            p for p in self.team_pipelines if p.name.casefold() == text.casefold()]
        if len(found) != 1:
            names = ", ".join(p.name for p in self.team_pipelines)
            raise CellError(f"{text!r} is not a Team Pipeline here ({names}).")
        return {meta.api_name: [found[0].id]}

    def stage_like(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        """Sub_Pipeline and Stage: their values depend on the Team Pipeline; the form checks
        the pairing, here only the name is turned into Bigin's actual value."""
        text = text_of(cell)
        choices = []
        for pipeline in self.team_pipelines:
            for sub in pipeline.sub_pipelines:
                if meta.api_name == "Sub_Pipeline":
                    choices.append(sub.choice)
                else:
                    choices.extend(sub.stages)
        tests = (lambda c: text == c.actual, lambda c: text == c.display,
                 lambda c: text.casefold() in {c.actual.casefold(), c.display.casefold()})
        for test in tests:
            hits = {c.actual for c in choices if test(c)}
            if len(hits) == 1:
                return {meta.api_name: [hits.pop()]}
            if hits:
                break
        raise CellError(f"{text!r} is not a {meta.label} of the Team Pipelines here.")

    # -- structured fields -------------------------------------------------------------

    def _rrule(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        """RRULE text, e.g. ``FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE;COUNT=5``."""
        from bigin_ui.metadata.validation import FieldInvalid, parse_rrule_parts

        try:
            parts = parse_rrule_parts(text_of(cell))
        except FieldInvalid as exc:
            raise CellError(exc.message) from None
        other = [k for k in parts if k not in RRULE_FORM_KEYS]
        if other:
            raise CellError(f"{other[0]} is not supported here; use FREQ, INTERVAL, COUNT or "
                            "UNTIL, BYDAY, BYMONTHDAY, BYSETPOS.")
        until = parts.get("UNTIL", "")
        if re.fullmatch(r"\d{8}", until):
            until = f"{until[:4]}-{until[4:6]}-{until[6:]}"
        name = meta.api_name
        return {
            f"{name}_freq": [parts.get("FREQ", "")],
            f"{name}_interval": [parts.get("INTERVAL", "")],
            f"{name}_count": [parts.get("COUNT", "")],
            f"{name}_until": [until],
            f"{name}_byday": [d for d in parts.get("BYDAY", "").split(",") if d],
            f"{name}_bymonthday": [parts.get("BYMONTHDAY", "")],
            f"{name}_bysetpos": [parts.get("BYSETPOS", "")],
        }

    def _alarm(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        """The task reminder: ``POPUP at 2026-04-01 09:00`` or ``EMAIL 1 day before at 09:00``
        (the second only for repeating tasks, as in Bigin)."""
        text = " ".join(text_of(cell).split())
        name = meta.api_name
        before = ALARM_BEFORE_RE.fullmatch(text)
        if before:
            action, amount, unit, time = before.groups()
            if not TIME_RE.fullmatch(time) or int(time.split(":")[0]) > 23:
                raise CellError(f"{time!r} is not a time of day (HH:MM).")
            return {f"{name}_action": [action.upper()], f"{name}_before": [amount],
                    f"{name}_unit": [ALARM_UNITS[unit.lower()]], f"{name}_time": [time],
                    f"{name}_at": [""]}
        at = ALARM_AT_RE.fullmatch(text)
        if at and DATETIME_RE.fullmatch(at.group(2)):
            moment = datetime_value(at.group(2), zone=self.zone)
            return {f"{name}_action": [at.group(1).upper()],
                    f"{name}_at": [form_datetime(moment, self.zone)[:16]],
                    f"{name}_before": [""], f"{name}_unit": ["D"], f"{name}_time": [""]}
        raise CellError(f"{text!r} is not a reminder; write e.g. 'POPUP at 2026-04-01 09:00' "
                        "or 'EMAIL 1 day before at 09:00'.")

    def _multireminder(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        """Event reminders before the start, e.g. ``15 minutes;1 day``."""
        inputs: FormInputs = {}
        for index, part in enumerate(split_list(cell)):
            match = REMINDER_RE.fullmatch(part)
            period = PERIODS.get(match.group(2).lower()) if match else None
            if not match or period is None:
                raise CellError(f"{part!r} is not a reminder; write e.g. '15 minutes;1 day' "
                                "(minutes, hours, days or weeks).")
            inputs[f"{meta.api_name}-{index}-unit"] = [match.group(1)]
            inputs[f"{meta.api_name}-{index}-period"] = [period]
        return inputs

    def _participants(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        """``user:<ID, e-mail or name>``, ``contact:<ID, row:N or unique value>`` or a bare
        e-mail address, separated by ``;``."""
        users: list[str] = []
        contacts: list[str] = []
        emails: list[str] = []
        for part in split_list(cell):
            kind, sep, value = part.partition(":")
            kind = kind.strip().lower()
            if sep and kind == "user":
                users.append(self.user_id(value.strip()))
            elif sep and kind == "contact":
                contacts.append(reference(value.strip(), "Contacts", self.resolve))
            elif EMAIL_RE.fullmatch(part):
                emails.append(part)
            else:
                raise CellError(f"{part!r}: write user:<name or e-mail>, contact:<ID, row:N or "
                                "name> or an e-mail address.")
        name = meta.api_name
        return {f"{name}_users": users, f"{name}_contacts": [", ".join(contacts)],
                f"{name}_emails": [", ".join(emails)]}

    def _associated_products(self, meta: FieldMeta, cell: Cell) -> FormInputs:
        """Lines separated by ``;``, each ``product | list price | quantity | discount``
        (the numbers optional); the product as ID, ``row:N`` or a unique name."""
        inputs: FormInputs = {}
        for index, part in enumerate(split_list(cell)):
            pieces = [p.strip() for p in part.split("|")]
            if len(pieces) > 4 or not pieces[0]:
                raise CellError(f"{part!r}: write product | list price | quantity | discount.")
            prefix = f"{meta.api_name}-{index}-"
            inputs[prefix + "Product"] = [reference(pieces[0], "Products", self.resolve)]
            for key, text in zip(("List_Price", "Quantity", "Discount"), pieces[1:],
                                 strict=False):
                inputs[prefix + key] = [plain_number(
                    decimal(text, separator=self.options.decimal))] if text else [""]
        return inputs


def describe_convention(meta: FieldMeta) -> str:
    """The column convention for a field, as shown on the import page."""
    return CONVENTIONS.get(meta.kind, "text")


CONVENTIONS = {
    "boolean": "true/false, yes/no or 1/0",
    "currency": "number with the chosen decimal separator",
    "decimal": "number with the chosen decimal separator",
    "percent": "number (15 or a 15 % cell)",
    "integer": "whole number",
    "bigint": "whole number",
    "date": "YYYY-MM-DD or a date cell",
    "datetime": "YYYY-MM-DD HH:MM[+offset] or a date/time cell",
    "picklist": "one of the values",
    "multiselectpicklist": f"values separated by {LIST_SEPARATOR}",
    "tag": f"tags separated by {LIST_SEPARATOR}",
    "ownerlookup": "user ID, e-mail or full name",
    "lookup": "Bigin ID, row:N or a unique name/e-mail",
    "multiselectlookup": f"Bigin IDs, row:N or unique names separated by {LIST_SEPARATOR}",
    "related_to": "Bigin ID, row:N or unique name, with $se_module",
    "team_pipeline": "Team Pipeline name or ID",
    "rrule": "RRULE, e.g. FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=5",
    "alarm": "POPUP at 2026-04-01 09:00, or EMAIL 1 day before at 09:00",
    "multireminder": "e.g. 15 minutes;1 day",
    "participants": "user:<name>; contact:<ID/row:N/name>; e-mail addresses",
    "associated_products": "product | list price | quantity | discount; next line …",
}
