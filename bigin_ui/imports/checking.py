"""Checking one spreadsheet line: cells → form inputs → the module's entry form → payload.

The form is the one people type into (same fields, same validators, same lookups); what is
built once per import instead of once per line is only what does not depend on the line:
the schema, the form and validation contexts, the user list and looked-up values.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from bigin_ui.imports.cells import Cell, CellError, Options, is_blank
from bigin_ui.imports.convert import Converter
from bigin_ui.imports.lookups import ValueResolver
from bigin_ui.metadata.fields import FieldMeta
from bigin_ui.metadata.forms import RecordForm
from bigin_ui.metadata.schema import get_schema
from bigin_ui.queue.entry import active_users, entry_exclusions, form_context, validation_context

SE_MODULE = "$se_module"
LINE = ""  # the key for problems of the line as a whole


@dataclass
class Checked:
    payload: dict[str, Any] | None
    # Column header (or a field's label when no column holds it, or LINE) → messages.
    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.payload is not None


def mappable_fields(module: str) -> list[FieldMeta]:
    """The fields a column may fill: what the entry form shows, never the internal entry key."""
    schema = get_schema(module)
    excluded = entry_exclusions(module)
    fields = [f for f in schema.entry_fields if f.api_name not in excluded]
    if any(f.kind == "related_to" for f in fields):
        fields.append(FieldMeta(SE_MODULE, "Related module", "text", "string"))
    return fields


def user_index() -> dict[str, str | None]:
    """Active Bigin users by ID, e-mail and full name (folded); None marks a shared name."""
    index: dict[str, str | None] = {}
    for user in active_users():
        for key in {user.bigin_id, user.email, user.full_name}:
            if not key:
                continue
            folded = key.casefold()
            index[folded] = None if folded in index and index[folded] != user.bigin_id else (
                user.bigin_id)
    return index


def _once(lookup: Callable[..., Any] | None) -> Callable[..., Any] | None:
    """A lookup answered once per argument for the life of one import's checker."""
    return None if lookup is None else functools.cache(lookup)


class LineData(MultiValueDict):
    """A line's inputs. ``get`` answers as MultiValueDict's does, without raising and
    catching a KeyError for each of the many fields a line leaves empty."""

    def get(self, key: str, default: Any = None) -> Any:
        values = dict.get(self, key)
        if values is None:
            return default
        value = values[-1] if values else []
        return default if value == [] else value


_PLAIN_CLEAN = forms.Field._clean_bound_field


@functools.cache
def _hooks(form_class: type) -> frozenset[str]:
    """The ``clean_<field>`` methods a form class has (Django looks for one per field)."""
    return frozenset(name for name in dir(form_class) if name.startswith("clean_"))


class LineForm(RecordForm):
    """The entry form with the same fields, validators and clean(), as a line's check uses it.

    Django's ``_clean_fields`` builds a BoundField per field of every bound form (label,
    IDs, initial names: what rendering needs) only to read the field's value through it;
    for a form that is never rendered, that was a third of a line's cost. Here the value is
    read as ``BoundField.data`` reads it and cleaned by the same ``Field.clean``. A field
    that cleans from its BoundField (disabled, FileField, a custom ``_clean_bound_field``)
    still gets one, so nothing the entry form checks is skipped.
    """

    # True while the checker holds the import's zone active around all its lines: the form
    # need not switch to it and back for each line (timezone.override reads and writes a
    # context-local twice per line). Its own full_clean does so otherwise.
    zone_held = False

    def full_clean(self) -> None:
        if self.zone_held and timezone.get_current_timezone() is self.ctx.time_zone:
            forms.Form.full_clean(self)
        else:
            super().full_clean()

    def _clean_fields(self) -> None:
        hooks = _hooks(type(self))
        for name, form_field in self.fields.items():
            try:
                if form_field.disabled or type(form_field)._clean_bound_field is not _PLAIN_CLEAN:
                    value = form_field._clean_bound_field(self[name])
                else:
                    value = form_field.clean(
                        self._widget_data_value(form_field.widget, self.add_prefix(name)))
                self.cleaned_data[name] = value
                hook = f"clean_{name}"
                if hook in hooks or hook in self.__dict__:
                    self.cleaned_data[name] = getattr(self, hook)()
            except ValidationError as exc:
                self.add_error(name, exc)


class LineChecker:
    """Checks lines of one import. Build one per import, then call ``check`` per line."""

    def __init__(self, *, module: str, owner: AbstractBaseUser, headers: list[str],
                 mapping: Mapping[int, str], options: Options,
                 resolver: ValueResolver | None = None) -> None:
        self.module = module
        self.schema = get_schema(module)
        self.headers = headers
        self.mapping = dict(mapping)
        self.options = options
        self.exclude = entry_exclusions(module)
        # The person's own context, with date/times read in the zone the import states, and
        # numbers in the canonical "1234.5" the cells were turned into (not the person's own
        # convention, which may be the decimal comma).
        ctx = form_context(owner)
        # What a reference names (a queued row, a Bigin record) is asked once per import, as
        # the lookup cells are (ValueResolver): without it every line naming the same
        # company costs queries. Queueing checks again that the rows are still there.
        self.ctx = dataclasses.replace(
            ctx, time_zone=options.zone, decimal_separator=".",
            row_module=_once(ctx.row_module), describe_row=_once(ctx.describe_row),
            record_name=_once(ctx.record_name), record_module=_once(ctx.record_module))
        self.validation = validation_context(owner)  # row:N only among rows they may see
        self.validation.pending_row_ids = _once(self.validation.pending_row_ids)
        self.validation.row_module = _once(self.validation.row_module)
        self.metas = {f.api_name: f for f in mappable_fields(module)}
        self.column_of = {api: index for index, api in self.mapping.items()}
        self.resolver = resolver or ValueResolver(owner=owner)
        self.converter = Converter(options=options, resolve=self.resolver,
                                   users=user_index(), team_pipelines=self.schema.team_pipelines)
        self._template: LineForm | None = None
        self._zone_held = False

    @contextmanager
    def zone(self) -> Iterator[None]:
        """The import's zone active for every line checked inside, switched to once."""
        with timezone.override(self.ctx.time_zone):
            self._zone_held = True
            try:
                yield
            finally:
                self._zone_held = False

    def header(self, index: int) -> str:
        return self.headers[index] if index < len(self.headers) else f"column {index + 1}"

    def where(self, api_name: str) -> str:
        """Where a field's problem is shown: its column, else the field itself."""
        if api_name in self.column_of:
            return self.header(self.column_of[api_name])
        meta = self.metas.get(api_name)
        return meta.label if meta else LINE

    def inputs(self, cells: list[Cell]) -> tuple[LineData, dict[str, list[str]]]:
        data: dict[str, list[str]] = {}
        problems: dict[str, list[str]] = {}
        if self.ctx.default_owner and "Owner" in self.metas:
            # The form preselects the person as owner; a line says otherwise only in a column.
            data["Owner"] = [self.ctx.default_owner]
        se_index = self.column_of.get(SE_MODULE)
        se_cell = cells[se_index] if se_index is not None and se_index < len(cells) else None
        for index, api in self.mapping.items():
            cell = cells[index] if index < len(cells) else None
            if is_blank(cell):
                continue
            meta = self.metas[api]
            try:
                if api == SE_MODULE:
                    data[SE_MODULE] = [self.converter.se_module(cell)]
                elif meta.kind == "related_to":
                    data.update(self.converter.related_to(meta, cell, se_cell))
                elif api in {"Sub_Pipeline", "Stage"} and self.schema.team_pipelines:
                    data.update(self.converter.stage_like(meta, cell))
                else:
                    data.update(self.converter.inputs(meta, cell))
            except CellError as exc:
                problems.setdefault(self.header(index), []).append(str(exc))
        return LineData(data), problems

    def form(self, data: MultiValueDict) -> LineForm:
        """The module's entry form bound to ``data``.

        Building the form's fields is most of the cost of a line, and they do not depend on
        the line: a bound copy of one form built per import shares them (cleaning reads
        fields, it does not change them). Where the fields do depend on the values (a Team
        Pipeline's stages, picklists widened for new values) each line gets its own form.
        """
        if self.schema.team_pipelines or self.options.new_picklist_values:
            form = LineForm(data, schema=self.schema, ctx=self.ctx,
                              validation=self.validation, exclude=self.exclude)
            if self.options.new_picklist_values:
                allow_new_choices(form, data)
            form.zone_held = self._zone_held
            return form
        if self._template is None:
            # auto_id=False: element IDs are for rendering, and a checked line is not shown.
            self._template = LineForm(schema=self.schema, ctx=self.ctx,
                                        validation=self.validation, exclude=self.exclude,
                                        auto_id=False)
        form = copy.copy(self._template)
        form.data = data
        form.is_bound = True
        form._errors = None
        form._bound_fields_cache = {}
        form.payload = {}
        form.zone_held = self._zone_held
        return form

    def check(self, cells: list[Cell]) -> Checked:
        data, problems = self.inputs(cells)
        form = self.form(data)
        valid = form.is_valid()
        failed_columns = set(problems)
        for name, messages in form.errors.items():
            where = LINE if name == "__all__" else self.where(name)
            if where in failed_columns:
                continue  # the cell's own problem already says it; the form saw no value
            problems.setdefault(where, []).extend(str(m) for m in messages)
        if problems or not valid:
            if not problems:
                problems[LINE] = ["The form refused this line."]
            return Checked(payload=None, problems=problems)
        return Checked(payload=form.payload)


def allow_new_choices(form: RecordForm, data: MultiValueDict) -> None:
    """An admin chose to send unknown picklist values as new ones (Bigin adds them): the
    form offers the values the file holds, and the picklist rule accepts them."""
    for name, meta in list(form.metas.items()):
        if meta.kind not in {"picklist", "multiselectpicklist"} or name not in data:
            continue
        known = {c.actual for c in meta.choices}
        extra = [v for v in data.getlist(name) if v not in known]
        if not extra:
            continue
        from bigin_ui.metadata.fields import Choice

        choices = meta.choices + tuple(Choice(v, v) for v in extra)
        widened = dataclasses.replace(meta, choices=choices)
        form.metas[name] = widened
        form.fields[name].choices = list(form.fields[name].choices) + [(v, v) for v in extra]
