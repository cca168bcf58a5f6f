"""Typed views of Bigin's field and layout metadata.

Forms and validators never index raw metadata JSON; they read these objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

# Data types that cannot be typed into a form (uploads, computed values).
NOT_ENTERABLE = frozenset(
    {"profileimage", "imageupload", "fileupload", "formula", "autonumber", "rollup_summary"}
)


@dataclass(frozen=True)
class Choice:
    display: str
    actual: str


@dataclass(frozen=True)
class FieldMeta:
    api_name: str
    label: str
    data_type: str
    json_type: str
    length: int | None = None
    decimal_place: int | None = None
    system_mandatory: bool = False
    required: bool = False  # system or user-defined (layout) mandatory
    read_only: bool = False
    creatable: bool = True
    visible: bool = True
    unique: bool = False
    custom: bool = False
    textarea_size: str | None = None
    lookup_module: str | None = None
    choices: tuple[Choice, ...] = ()
    tooltip: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    # Cached: forms and validators ask it for every field of every entry (about 90 times per
    # imported line), and the answer depends only on the frozen fields above.
    @cached_property
    def kind(self) -> str:
        """The key of the field type that handles this field (see types.py)."""
        name, dt, jt = self.api_name, self.data_type.lower(), self.json_type.lower()
        if name == "Tag" and jt == "jsonarray":
            return "tag"
        if name == "Participants" and jt == "jsonarray":
            return "participants"
        if dt == "rrule":
            return "rrule"
        if dt == "alarm":
            return "alarm"
        if dt in {"multireminder", "event_reminder"}:
            return "multireminder"
        if dt == "subform" or (name == "Associated_Products" and jt == "jsonarray"):
            return "associated_products"
        if name == "Pipeline" and jt == "jsonobject":
            return "team_pipeline"
        if dt == "lookup" and (self.lookup_module in {None, "", "se_module"}):
            return "related_to"
        if dt in {"double", "decimal"}:
            return "decimal"
        if dt in {"long"}:
            return "bigint"
        if dt == "userlookup":
            return "ownerlookup"
        return dt

    @cached_property
    def enterable(self) -> bool:
        """Shown in entry forms: writable on create and not computed or uploaded."""
        if self.read_only or not self.visible or self.data_type in NOT_ENTERABLE:
            return False
        # Bigin marks Tag as not creatable in field metadata, yet accepts it on insert.
        return self.creatable or self.kind == "tag"

    def display_for(self, actual: str) -> str:
        for choice in self.choices:
            if choice.actual == actual:
                return choice.display
        return actual


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def parse_field(raw: Mapping[str, Any], *, required: bool = False) -> FieldMeta:
    view_type = raw.get("view_type") or {}
    lookup = raw.get("lookup") or {}
    lookup_module = None
    if isinstance(lookup, Mapping) and isinstance(lookup.get("module"), Mapping):
        lookup_module = lookup["module"].get("api_name")
    multi = raw.get("multiselectlookup") or {}
    if not lookup_module and isinstance(multi, Mapping):
        connected = multi.get("connected_module") or multi.get("module")
        if isinstance(connected, Mapping):
            lookup_module = connected.get("api_name")
    textarea = raw.get("textarea") or {}
    choices = tuple(
        Choice(
            display=str(item.get("display_value") or item.get("actual_value") or ""),
            actual=str(item.get("actual_value") or item.get("display_value") or ""),
        )
        for item in raw.get("pick_list_values") or []
        if isinstance(item, Mapping) and item.get("type", "used") != "unused"
    )
    system_mandatory = bool(raw.get("system_mandatory"))
    return FieldMeta(
        api_name=str(raw["api_name"]),
        # Bigin shows field_label ("Company Name"); display_label keeps CRM wording.
        label=str(raw.get("field_label") or raw.get("display_label") or raw["api_name"]),
        data_type=str(raw.get("data_type") or "text"),
        json_type=str(raw.get("json_type") or "string"),
        length=_int_or_none(raw.get("length")),
        decimal_place=_int_or_none(raw.get("decimal_place")),
        system_mandatory=system_mandatory,
        required=system_mandatory or required or bool(raw.get("required")),
        read_only=bool(raw.get("read_only")),
        creatable=bool(view_type.get("create", True)) if isinstance(view_type, Mapping) else True,
        visible=bool(raw.get("visible", True)),
        unique=bool(raw.get("unique")),
        custom=bool(raw.get("custom_field")),
        textarea_size=(textarea.get("type") if isinstance(textarea, Mapping) else None),
        lookup_module=lookup_module,
        choices=choices,
        tooltip=str((raw.get("tooltip") or {}).get("value", "") if isinstance(
            raw.get("tooltip"), Mapping) else (raw.get("tooltip") or "")),
        raw=raw,
    )


@dataclass(frozen=True)
class SubPipeline:
    choice: Choice
    stages: tuple[Choice, ...]


@dataclass(frozen=True)
class TeamPipeline:
    """A Pipelines layout: its Sub_Pipeline values, each with its own Stage values."""

    id: str
    name: str
    sub_pipelines: tuple[SubPipeline, ...]

    def sub_pipeline(self, actual: str) -> SubPipeline | None:
        return next((s for s in self.sub_pipelines if s.choice.actual == actual), None)


def _layout_field(layout: Mapping[str, Any], api_name: str) -> Mapping[str, Any] | None:
    for section in layout.get("sections") or []:
        for raw in section.get("fields") or []:
            if raw.get("api_name") == api_name:
                return raw
    return None


def parse_team_pipelines(layouts: Sequence[Mapping[str, Any]]) -> tuple[TeamPipeline, ...]:
    pipelines = []
    for layout in layouts:
        if layout.get("status", "active") != "active":
            continue
        sub_raw = _layout_field(layout, "Sub_Pipeline")
        stage_raw = _layout_field(layout, "Stage")
        if sub_raw is None:
            continue
        all_stages = parse_field(stage_raw).choices if stage_raw else ()
        subs = []
        for item in sub_raw.get("pick_list_values") or []:
            choice = Choice(
                str(item.get("display_value") or item.get("actual_value")),
                str(item.get("actual_value") or item.get("display_value")),
            )
            stages: tuple[Choice, ...] = all_stages
            for mapping in item.get("maps") or []:
                if mapping.get("api_name") == "Stage":
                    stages = tuple(
                        Choice(
                            str(s.get("display_value") or s.get("actual_value")),
                            str(s.get("actual_value") or s.get("display_value")),
                        )
                        for s in mapping.get("pick_list_values") or []
                    )
            subs.append(SubPipeline(choice=choice, stages=stages))
        pipelines.append(
            TeamPipeline(
                id=str(layout.get("id")),
                name=str(layout.get("display_label") or layout.get("name")),
                sub_pipelines=tuple(subs),
            )
        )
    return tuple(pipelines)


def layout_required(layouts: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """API names a layout marks required (user-defined mandatory fields)."""
    names = set()
    for layout in layouts:
        for section in layout.get("sections") or []:
            for raw in section.get("fields") or []:
                if raw.get("required"):
                    names.add(str(raw.get("api_name")))
    return frozenset(names)
