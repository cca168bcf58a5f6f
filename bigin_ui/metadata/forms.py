"""The entry form for one Bigin module, generated from its stored field metadata."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from bigin_ui.metadata.fields import FieldMeta
from bigin_ui.metadata.formfields import FormContext, alarm_text, kind_for
from bigin_ui.metadata.schema import ModuleSchema
from bigin_ui.metadata.validation import Context, FieldInvalid, call_duration, validate_record

RELATED_MODULES = ("Contacts", "Accounts", "Pipelines", "Products")
RELATED_MODULE_LABELS = {"Contacts": "Contact", "Accounts": "Company",
                         "Pipelines": "Pipeline record", "Products": "Product"}

# The order fields appear in when metadata gives none worth keeping: the seed doc's order.
LEAD_FIELDS = (
    "Owner", "Pipeline", "Sub_Pipeline", "Stage", "Deal_Name", "Account_Name", "Contact_Name",
    "First_Name", "Last_Name", "Product_Name", "Subject", "Event_Title", "Call_Type",
)


def same_moment(new: Any, old: Any) -> bool:
    """Two ISO date/times naming the same instant (the viewer's zone may differ from the
    offset the row was sent with)."""
    if not isinstance(new, str) or not isinstance(old, str) or new == old:
        return False
    try:
        a, b = dt.datetime.fromisoformat(new), dt.datetime.fromisoformat(old)
    except ValueError:
        return False
    return a.tzinfo is not None and b.tzinfo is not None and a == b


def same_alarm(new: Any, old: Any) -> bool:
    """Two task reminders alike but for the offset their DATE-TIME is written with."""
    if not isinstance(new, dict) or not isinstance(old, dict):
        return False
    a, b = str(new.get("ALARM", "")), str(old.get("ALARM", ""))
    head_a, _, at_a = a.partition("TRIGGER=DATE-TIME:")
    head_b, _, at_b = b.partition("TRIGGER=DATE-TIME:")
    return bool(at_a) and head_a == head_b and same_moment(at_a, at_b)


class RecordForm(forms.Form):
    """Inputs are named by Bigin field API name, so the POST body reads like Bigin's JSON."""

    def __init__(
        self,
        *args: Any,
        schema: ModuleSchema,
        ctx: FormContext,
        validation: Context | None = None,
        exclude: frozenset[str] = frozenset(),
        stored: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.schema = schema
        # The row's payload when a stored row is reopened: unchanged moments keep the exact
        # text (and offset) they were sent with.
        self.stored = stored or {}
        self.ctx = ctx
        self.validation = validation or Context()
        self.metas: dict[str, FieldMeta] = {}
        for meta in self.ordered(schema.entry_fields):
            if meta.api_name in exclude:
                continue
            field = kind_for(meta).build(meta, ctx)
            field.required = meta.required
            field.label = meta.label
            if meta.tooltip and not field.help_text:
                field.help_text = meta.tooltip
            self.fields[meta.api_name] = field
            self.metas[meta.api_name] = meta
        self.payload: dict[str, Any] = {}
        if self.is_bound and self.data.get("_lookup"):
            self._mark_finding(str(self.data["_lookup"]))
        if any(m.kind == "related_to" for m in self.metas.values()):
            self._add_se_module()
        if schema.team_pipelines and "Pipeline" in self.fields:
            self._fill_pipeline_choices()
        for name, meta in self.metas.items():
            if meta.kind == "rrule" and name in self.fields:
                self.fields[name].widget.start = self._recurrence_start()
            sent = self.stored.get(name)
            if meta.kind == "datetime" and isinstance(sent, str) and name in self.fields:
                self.fields[name].help_text += f" Sent as {sent}."

    def _mark_finding(self, target: str) -> None:
        """The person pressed "Find" beside one lookup (no scripts): that one shows hits.

        ``target`` is the name of the lookup's input: a field, a part of one (participants'
        contacts) or a cell of a lines field ("Associated_Products-0-Product")."""
        from bigin_ui.metadata.widgets import LinesWidget, LookupWidget

        for name, field in self.fields.items():
            widget = field.widget
            parts = getattr(widget, "widgets_names", None)
            if isinstance(widget, LookupWidget) and name == target:
                widget.finding = target
            elif isinstance(widget, LinesWidget) and target.startswith(f"{name}-"):
                for part in widget.lookups():
                    part.finding = target
            elif parts is not None:
                for suffix, part in zip(parts, widget.widgets, strict=False):
                    if isinstance(part, LookupWidget) and f"{name}{suffix}" == target:
                        part.finding = target

    def _recurrence_start(self) -> Any:
        """The first occurrence for the preview: the event's start or the task's due date."""
        for name in ("Start_DateTime", "Due_Date"):
            raw = self._selected(name)
            if raw:
                try:
                    return dt.datetime.fromisoformat(raw.replace(" ", "T"))
                except ValueError:
                    continue
        return None

    # -- module-specific pieces ----------------------------------------------------------

    def _add_se_module(self) -> None:
        field = forms.ChoiceField(
            label="Related module", required=False,
            choices=[("", "---------")] + [(m, RELATED_MODULE_LABELS[m])
                                          for m in RELATED_MODULES],
            help_text="The module of the record in Related To. Left empty, the search covers "
                      "contacts, companies, pipeline records and products, and picking a record "
                      "sets it.",
        )
        self.fields["$se_module"] = field
        # Keep it beside Related_To in the rendered order.
        names = list(self.fields)
        names.remove("$se_module")
        names.insert(names.index(next(n for n, m in self.metas.items()
                                      if m.kind == "related_to")), "$se_module")
        self.fields = {name: self.fields[name] for name in names}

    def _selected(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(name) or "")
        value = self.initial.get(name)
        return str(value or "")

    def _fill_pipeline_choices(self) -> None:
        pipelines = self.schema.team_pipelines
        pipeline_field = self.fields["Pipeline"]
        # Optional as the doc marks it ("Pipeline stringOptional"): left out, Bigin files the
        # record under its first Team Pipeline, whose sub-pipelines are offered meanwhile.
        pipeline_field.choices = [("", f"{pipelines[0].name} (default)")] + [
            (p.id, p.name) for p in pipelines]
        pipeline_field.required = self.metas["Pipeline"].required
        chosen = next((p for p in pipelines if p.id == self._selected("Pipeline")), pipelines[0])
        subs = chosen.sub_pipelines
        if "Sub_Pipeline" in self.fields:
            self.fields["Sub_Pipeline"] = forms.ChoiceField(
                label=self.fields["Sub_Pipeline"].label, required=True,
                choices=[(s.choice.actual, s.choice.display) for s in subs],
            )
        sub = next((s for s in subs if s.choice.actual == self._selected("Sub_Pipeline")),
                   subs[0] if subs else None)
        if "Stage" in self.fields:
            self.fields["Stage"] = forms.ChoiceField(
                label=self.fields["Stage"].label, required=True,
                choices=[(c.actual, c.display) for c in (sub.stages if sub else ())],
            )
        for name in ("Pipeline", "Sub_Pipeline"):
            if name in self.fields:
                self.fields[name].widget.attrs.update({
                    "hx-get": "", "hx-include": "closest form", "hx-target": "#pipeline-fields",
                    "hx-select": "#pipeline-fields", "hx-swap": "outerHTML",
                    "hx-vals": '{"_partial": "pipeline"}',
                })

    def sections(self) -> list[tuple[str, list[Any]]]:
        """Fields grouped for display: the Team Pipeline choice first, then the rest."""
        pipeline = [self[n] for n in ("Pipeline", "Sub_Pipeline", "Stage") if n in self.fields
                    and self.schema.team_pipelines]
        rest = [bf for bf in self if bf.name not in {b.name for b in pipeline}]
        return [("pipeline", pipeline), ("fields", rest)] if pipeline else [("fields", rest)]

    def suppress_errors(self) -> None:
        """Re-show what was typed (choices refreshed, lines added) without complaining."""
        from django.forms.utils import ErrorDict

        self._errors = ErrorDict()

    @staticmethod
    def ordered(fields: tuple[FieldMeta, ...]) -> list[FieldMeta]:
        rank = {name: i for i, name in enumerate(LEAD_FIELDS)}
        return sorted(fields, key=lambda m: (rank.get(m.api_name, len(rank)),))

    @classmethod
    def initial_from_payload(
        cls, schema: ModuleSchema, ctx: FormContext, payload: dict[str, Any]
    ) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        if payload.get("$se_module"):
            initial["$se_module"] = payload["$se_module"]
        for meta in schema.entry_fields:
            if meta.api_name in payload:
                initial[meta.api_name] = kind_for(meta).to_initial(
                    meta, payload[meta.api_name], ctx
                )
        return initial

    def full_clean(self) -> None:
        # Dates and times typed without an offset mean the user's time zone, not the server's.
        with timezone.override(self.ctx.time_zone):
            super().full_clean()

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show errors found elsewhere (Bigin's answer) on an unbound form's fields."""
        from django.forms.utils import ErrorDict, ErrorList

        found = ErrorDict()
        for name, message in errors.items():
            key = name if name in self.fields else "__all__"
            found.setdefault(key, ErrorList()).append(message)
        self._errors = found

    def build_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        for name, meta in self.metas.items():
            if name not in self.cleaned_data:
                continue
            value = kind_for(meta).to_payload(meta, self.cleaned_data[name], self.ctx)
            if value is not None:
                payload[name] = value
        for name, meta in self.metas.items():
            if meta.kind == "datetime" and same_moment(payload.get(name), self.stored.get(name)):
                payload[name] = self.stored[name]
        pipeline = payload.get("Pipeline")
        if isinstance(pipeline, dict):
            match = next((p for p in self.schema.team_pipelines if p.id == pipeline["id"]), None)
            if match:
                payload["Pipeline"] = {"name": match.name, "id": match.id}
        for name, meta in self.metas.items():
            if meta.kind == "alarm" and isinstance(payload.get(name), dict) and "action" in (
                payload[name]
            ):
                payload[name] = {"ALARM": alarm_text(
                    payload[name], recurring=bool(payload.get("Recurring_Activity")),
                    ctx=self.ctx)}
                if same_alarm(payload[name], self.stored.get(name)):
                    payload[name] = self.stored[name]
        related = next((payload[name] for name, m in self.metas.items()
                        if m.kind == "related_to" and name in payload), None)
        if related is not None:
            se_module = self.cleaned_data.get("$se_module")
            if isinstance(related, dict) and "$row" in related:
                # A queued row's module is known for certain, whatever the select says.
                se_module = self.ctx.row_module(str(related["$row"])) or se_module
            elif isinstance(related, dict) and not se_module:
                # A record picked from a search: its module was seen then (one only).
                se_module = self.ctx.record_module(str(related.get("id", "")))
            if se_module:
                payload["$se_module"] = se_module
        return payload

    def _shape_call_duration(self, payload: dict[str, Any]) -> None:
        meta = self.metas.get("Call_Duration")
        typed = payload.get("Call_Duration")
        if self.schema.module != "Calls" or meta is None or not isinstance(typed, str):
            return
        try:
            payload["Call_Duration"] = call_duration(meta, typed)
        except FieldInvalid as exc:
            self.add_error("Call_Duration", exc.message)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        payload = self.build_payload()
        self._shape_call_duration(payload)
        self.validation.record = payload
        errors = validate_record(
            tuple(self.metas.values()),
            payload,
            self.validation,
            module=self.schema.module,
            team_pipelines=self.schema.team_pipelines,
        )
        for name, message in errors.items():
            target = None if name == "__all__" or name not in self.fields else name
            if target and target in self._errors:
                continue  # the form field already said what is wrong
            self.add_error(target, message)
        self.payload = payload
        return cleaned
