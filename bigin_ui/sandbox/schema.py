"""A module's effective metadata: the catalog with the runtime field changes replayed over it.

Field changes made through the control API are stored as rows; every process rebuilds a
module's schema when the state's ``metadata_version`` moves, so a change made in one process is
seen by all of them on their next request.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bigin_ui.sandbox import catalog
from bigin_ui.sandbox.catalog import TEAM_PIPELINES, TeamPipelineSpec

LAYOUT_TIME = "2026-01-05T10:00:00+03:00"


@dataclass(frozen=True)
class ModuleSchema:
    module: str
    fields: tuple[dict[str, Any], ...]
    by_name: Mapping[str, dict[str, Any]]
    # User-defined mandatory fields (the layouts' "required"), beside system_mandatory ones.
    required: frozenset[str]
    layouts: tuple[dict[str, Any], ...] = field(repr=False)

    # Worked out once per schema, not per record: a 100-record insert asked for the unique
    # fields four times a record and walked every field twice per record for these.
    @functools.cached_property
    def unique_fields(self) -> tuple[str, ...]:
        return tuple(f["api_name"] for f in self.fields if f.get("unique"))

    @functools.cached_property
    def writable_fields(self) -> tuple[dict[str, Any], ...]:
        """The fields a write takes a value for, in the metadata's order."""
        return tuple(f for f in self.fields if writable(f))

    @functools.cached_property
    def mandatory_writable(self) -> tuple[dict[str, Any], ...]:
        return tuple(f for f in self.writable_fields if self.is_mandatory(f["api_name"]))

    def is_mandatory(self, api_name: str) -> bool:
        meta = self.by_name.get(api_name)
        return bool(meta and (meta.get("system_mandatory") or api_name in self.required))


def writable(meta: Mapping[str, Any]) -> bool:
    """Whether a value for this field is taken on create; other fields are silently ignored."""
    if meta.get("read_only"):
        return False
    if meta["api_name"] == "Tag":
        # Tag says create: false in the metadata, yet Bigin takes tags on insert.
        return True
    return bool((meta.get("view_type") or {}).get("create", True))


# -- team pipelines --------------------------------------------------------------------------


def team_pipeline(layout_id: str | None = None, name: str | None = None) -> TeamPipelineSpec | None:
    for pipeline in TEAM_PIPELINES:
        if layout_id is not None and pipeline.layout_id == str(layout_id):
            return pipeline
        if layout_id is None and name is not None and pipeline.name.casefold() == name.casefold():
            return pipeline
    return None


def default_team_pipeline() -> TeamPipelineSpec:
    return TEAM_PIPELINES[0]


# -- building -------------------------------------------------------------------------------


def apply_changes(
    module: str, changes: list[tuple[str, str, dict[str, Any]]]
) -> tuple[list[dict[str, Any]], set[str]]:
    """The catalog fields with (op, api_name, payload) changes applied in order."""
    fields = catalog.base_fields(module)
    required: set[str] = set()
    for op, api_name, payload in changes:
        index = next((i for i, f in enumerate(fields) if f["api_name"] == api_name), None)
        if op == "add" and index is None:
            fields.append(copy.deepcopy(payload["field"]))
        elif op == "update" and index is not None:
            fields[index].update(copy.deepcopy(payload.get("set") or {}))
        elif op == "remove" and index is not None:
            del fields[index]
            required.discard(api_name)
            continue
        if payload.get("required") is True:
            required.add(api_name)
        elif payload.get("required") is False:
            required.discard(api_name)
    return fields, required


def build_schema(module: str, changes: list[tuple[str, str, dict[str, Any]]]) -> ModuleSchema:
    fields, required = apply_changes(module, changes)
    by_name = {f["api_name"]: f for f in fields}
    layouts = tuple(
        _layout(module, spec, fields, required) for spec in catalog.layout_specs(module)
    )
    return ModuleSchema(
        module=module,
        fields=tuple(fields),
        by_name=by_name,
        required=frozenset(required),
        layouts=layouts,
    )


def _layout(
    module: str, spec: catalog.LayoutSpec, fields: list[dict[str, Any]], required: set[str]
) -> dict[str, Any]:
    sections_spec = catalog.SECTIONS[module]
    placed: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in sections_spec}
    home = {api: name for name, members in sections_spec for api in members}
    pipeline = team_pipeline(spec.layout_id) if module == "Pipelines" else None
    for meta in fields:
        entry = copy.deepcopy(meta)
        entry["required"] = bool(meta.get("system_mandatory")) or meta["api_name"] in required
        if pipeline is not None and meta["api_name"] in {"Sub_Pipeline", "Stage"}:
            entry["pick_list_values"] = _pipeline_values(pipeline, meta)
        placed[home.get(meta["api_name"], sections_spec[0][0])].append(entry)
    sections = [
        {
            "api_name": name,
            "display_label": name,
            "name": name,
            "sequence_number": sequence,
            "column_count": 1 if name.startswith("Description") else 2,
            "tab_traversal": 1,
            "isSubformSection": name == "Associated Products",
            "type": "used",
            "generated_type": "default",
            "fields": placed[name],
        }
        for sequence, (name, _) in enumerate(sections_spec, start=1)
    ]
    admin = {"name": "Zylker Travels", "id": "2034020000000457001"}
    return {
        "id": spec.layout_id,
        "name": spec.name,
        "display_label": spec.name,
        "api_name": spec.api_name,
        "status": "active",
        "visible": True,
        "source": "bigin",
        "mode": None,
        "generated_type": "default",
        "created_time": LAYOUT_TIME,
        "modified_time": LAYOUT_TIME,
        "created_by": admin,
        "modified_by": admin,
        "profiles": [
            {"id": catalog.ADMIN_PROFILE_ID, "name": "Administrator", "default": True},
            {"id": catalog.STANDARD_PROFILE_ID, "name": "Standard", "default": True},
        ],
        "show_business_card": False,
        "has_more_profiles": False,
        "convert_mapping": {},
        "actions_allowed": {
            "edit": True,
            "rename": True,
            "clone": True,
            "downgrade": False,
            "delete": module == "Pipelines",
            "deactivate": module == "Pipelines",
            "set_layout_permissions": True,
        },
        "sections": sections,
    }


def _pipeline_values(pipeline: TeamPipelineSpec, meta: Mapping[str, Any]) -> list[dict[str, Any]]:
    """This Team Pipeline's Sub_Pipeline (with a map to its stages) or Stage values.

    Items keep the ids of the union field, so an id means the same value in every layout.
    """
    by_actual = {item["actual_value"]: item for item in meta.get("pick_list_values") or []}

    def item(choice: catalog.Choice, sequence: int) -> dict[str, Any]:
        base = by_actual.get(choice.actual) or catalog.picklist_item(
            choice.display, choice.actual, sequence)
        return {**copy.deepcopy(base), "display_value": choice.display,
                "reference_value": choice.display, "sequence_number": sequence}

    if meta["api_name"] == "Stage":
        seen: dict[str, catalog.Choice] = {}
        for sub in pipeline.sub_pipelines:
            for stage in sub.stages:
                seen.setdefault(stage.actual, stage)
        return [item(choice, n) for n, choice in enumerate(seen.values(), start=1)]
    values = []
    for n, sub in enumerate(pipeline.sub_pipelines, start=1):
        entry = item(sub.choice, n)
        entry["maps"] = [{"api_name": "Stage", "pick_list_values": _stage_items(sub)}]
        values.append(entry)
    return values


def _stage_items(sub: catalog.SubPipelineSpec) -> list[dict[str, Any]]:
    return [
        {**copy.deepcopy(_STAGE_ITEMS[stage.actual]), "display_value": stage.display,
         "reference_value": stage.display, "sequence_number": n}
        for n, stage in enumerate(sub.stages, start=1)
    ]


_STAGE_ITEMS: dict[str, dict[str, Any]] = {
    item["actual_value"]: item
    for f in catalog.base_fields("Pipelines") if f["api_name"] == "Stage"
    for item in f["pick_list_values"]
}


# -- per-process cache ------------------------------------------------------------------------

_cache: dict[str, tuple[str, ModuleSchema]] = {}
_cache_lock = threading.Lock()


@functools.cache
def plain_schema(module: str) -> ModuleSchema:
    """The catalog as it stands, built once per process (callers never modify schemas)."""
    return build_schema(module, [])


def load_schema(module: str, version: str) -> ModuleSchema:
    """The module's schema at this metadata version (one query when the version moved)."""
    with _cache_lock:
        cached = _cache.get(module)
    if cached is not None and cached[0] == version:
        return cached[1]
    from bigin_ui.sandbox.models import FieldChange

    changes = [
        (c.op, c.api_name, c.payload)
        for c in FieldChange.objects.filter(module=module).order_by("id")
    ]
    schema = build_schema(module, changes) if changes else plain_schema(module)
    with _cache_lock:
        _cache[module] = (version, schema)
    return schema
