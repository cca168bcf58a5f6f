"""Changing a module's fields at runtime, as an admin would in Bigin's settings.

Each change is stored as a FieldChange row holding its concrete result (ids included), so every
process that replays the rows builds the very same metadata.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from bigin_ui.sandbox import catalog
from bigin_ui.sandbox.models import FieldChange, State, UniqueValue
from bigin_ui.sandbox.schema import build_schema
from bigin_ui.sandbox.store import DB, allocate_ids

ADDABLE_TYPES = frozenset({
    "text", "textarea", "email", "phone", "website", "picklist", "multiselectpicklist", "date",
    "datetime", "integer", "bigint", "double", "decimal", "currency", "percent", "boolean",
})
UNIQUE_TYPES = frozenset({"text", "email", "phone", "website", "integer", "bigint"})
PICKLIST_TYPES = frozenset({"picklist", "multiselectpicklist"})
API_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}")
# Their values come from the Team Pipelines, not from a field edit.
PIPELINE_FIELDS = frozenset({"Sub_Pipeline", "Stage"})


class CustomizeError(ValueError):
    pass


def change_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Apply one add/update/remove and answer the field as settings/fields now shows it."""
    module = catalog.canonical_module(str(payload.get("module") or ""))
    if module is None:
        raise CustomizeError("module: not one of " + ", ".join(catalog.MODULES))
    operations = [op for op in ("add", "update", "remove") if op in payload]
    if len(operations) != 1:
        raise CustomizeError("give exactly one of add, update or remove")
    operation = operations[0]
    with transaction.atomic(using=DB):
        state, _ = State.objects.select_for_update().get_or_create(pk=1)
        history = [(c.op, c.api_name, c.payload)
                   for c in FieldChange.objects.filter(module=module).order_by("id")]
        schema = build_schema(module, history)
        if operation == "add":
            api_name, stored = _add(schema.by_name, payload["add"])
        elif operation == "update":
            api_name, stored = _update(schema.by_name, payload["update"], payload.get("changes"))
        else:
            api_name, stored = _remove(schema.by_name, payload["remove"])
            UniqueValue.objects.filter(module=module, field=api_name).delete()
        FieldChange.objects.create(module=module, op=operation, api_name=api_name,
                                   payload=stored)
        state.metadata_version = uuid.uuid4().hex
        state.save(update_fields=["metadata_version", "updated_at"])
    after = build_schema(module, [*history, (operation, api_name, stored)])
    if operation == "remove":
        return {"module": module, "removed": api_name}
    return {"module": module, "field": {**after.by_name[api_name],
                                        "required": after.is_mandatory(api_name)}}


def _choices(values: Any, existing: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    if not isinstance(values, list) or not values or not all(
            isinstance(v, str) and v.strip() for v in values):
        raise CustomizeError("pick_list_values: a non-empty list of strings")
    if len(set(values)) != len(values):
        raise CustomizeError("pick_list_values: repeated value")
    known = {item["actual_value"]: item for item in existing or []}
    new_ids = iter(allocate_ids(len(values)))
    items = []
    for sequence, value in enumerate(values, start=1):
        item = catalog.picklist_item(value, value, sequence)
        item["id"] = known[value]["id"] if value in known else next(new_ids)
        items.append(item)
    return items


def _length(data_type: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CustomizeError("length: a positive whole number")
    limit = {"text": 255, "textarea": 32000}.get(data_type)
    if limit is not None and value > limit:
        raise CustomizeError(f"length: at most {limit} for {data_type}")
    return value


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise CustomizeError(f"{name}: true or false")
    return value


def _add(fields: Mapping[str, dict[str, Any]], spec: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(spec, dict):
        raise CustomizeError("add: an object")
    api_name = spec.get("api_name")
    if not isinstance(api_name, str) or not API_NAME_RE.fullmatch(api_name):
        raise CustomizeError("api_name: letters, digits and _, starting with a letter")
    if api_name in fields:
        raise CustomizeError(f"api_name: {api_name} exists")
    label = spec.get("field_label") or api_name.replace("_", " ")
    data_type = spec.get("data_type")
    if data_type not in ADDABLE_TYPES:
        raise CustomizeError("data_type: one of " + ", ".join(sorted(ADDABLE_TYPES)))
    unknown = set(spec) - {"api_name", "field_label", "data_type", "length", "pick_list_values",
                           "required", "unique", "decimal_place", "tooltip"}
    if unknown:
        raise CustomizeError(f"unknown keys: {', '.join(sorted(unknown))}")
    options: dict[str, Any] = {"custom": True}
    if "length" in spec:
        options["length"] = _length(data_type, spec["length"])
    if data_type == "textarea":
        options["textarea"] = "large" if options.get("length", 2000) > 2000 else "small"
    unique = _flag("unique", spec.get("unique", False))
    if unique and data_type not in UNIQUE_TYPES:
        raise CustomizeError(f"unique: not for {data_type} fields")
    if "decimal_place" in spec:
        places = spec["decimal_place"]
        if data_type not in {"currency", "decimal", "double", "percent"} or isinstance(
                places, bool) or not isinstance(places, int) or not 0 <= places <= 9:
            raise CustomizeError("decimal_place: 0-9, number fields only")
        options["decimal_place"] = places
    if "tooltip" in spec:
        options["tooltip"] = {"name": "Info Icon", "value": str(spec["tooltip"])}
    field_id = allocate_ids(1)[0]
    built = catalog.field(api_name, str(label), data_type, field_id, unique=unique, **options)
    if data_type in PICKLIST_TYPES:
        built["pick_list_values"] = _choices(spec.get("pick_list_values"))
    elif "pick_list_values" in spec:
        raise CustomizeError("pick_list_values: picklist fields only")
    required = _flag("required", spec.get("required", False))
    return api_name, {"field": built, "required": required}


def _update(fields: Mapping[str, dict[str, Any]], api_name: Any,
            changes: Any) -> tuple[str, dict[str, Any]]:
    if api_name not in fields:
        raise CustomizeError(f"update: no field {api_name!r}")
    if not isinstance(changes, dict) or not changes:
        raise CustomizeError("changes: an object")
    unknown = set(changes) - {"length", "required", "pick_list_values", "field_label"}
    if unknown:
        raise CustomizeError(f"unknown changes: {', '.join(sorted(unknown))}")
    meta = fields[api_name]
    updates: dict[str, Any] = {}
    if "length" in changes:
        updates["length"] = _length(meta["data_type"], changes["length"])
        if meta["data_type"] == "textarea":
            updates["textarea"] = {"type": "large" if updates["length"] > 2000 else "small"}
    if "field_label" in changes:
        label = changes["field_label"]
        if not isinstance(label, str) or not label.strip():
            raise CustomizeError("field_label: a non-empty string")
        updates["field_label"] = updates["display_label"] = label.strip()
    if "pick_list_values" in changes:
        if meta["data_type"] not in PICKLIST_TYPES or api_name in PIPELINE_FIELDS:
            raise CustomizeError(f"pick_list_values: {api_name} takes no new values this way")
        updates["pick_list_values"] = _choices(changes["pick_list_values"],
                                               meta.get("pick_list_values"))
    required = None
    if "required" in changes:
        required = _flag("required", changes["required"])
    return str(api_name), {"set": updates, "required": required}


def _remove(fields: Mapping[str, dict[str, Any]], api_name: Any) -> tuple[str, dict[str, Any]]:
    if api_name not in fields:
        raise CustomizeError(f"remove: no field {api_name!r}")
    if not fields[api_name].get("custom_field"):
        raise CustomizeError(f"remove: {api_name} is a system field")
    return str(api_name), {}
