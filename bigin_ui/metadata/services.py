"""Fetching metadata from Bigin and storing it: fields, layouts and tags per module, users."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from bigin_ui.bigin.client import BiginClient
from bigin_ui.bigin.errors import BiginError, MalformedAnswer
from bigin_ui.metadata.fields import layout_required, parse_field
from bigin_ui.metadata.models import BiginOrg, BiginUser, MetadataChange, ModuleMetadata
from bigin_ui.metadata.schema import MODULES
from bigin_ui.metadata.schema import remember as remember_schema

log = logging.getLogger(__name__)

# Bounds on what one module's metadata may be. Bigin allows a few hundred fields per module;
# an answer far beyond these is broken or hostile, and storing it would bloat every form.
MAX_FIELDS = 1000
MAX_LAYOUTS = 50
MAX_CHOICES = 5000
MAX_MODULE_CHARS = 5_000_000
API_NAME = re.compile(r"[A-Za-z$_][A-Za-z0-9_$]{0,99}")


def check_module(
    module: str, fields: list[dict[str, Any]], layouts: list[dict[str, Any]]
) -> None:
    """Refuse a module's metadata that is not a well-formed field list; MalformedAnswer says
    why. Nothing is stored for a module that fails, so a bogus answer changes nothing."""

    def bad(reason: str) -> MalformedAnswer:
        return MalformedAnswer(f"{module}: {reason}; nothing was changed.",
                               code="MALFORMED_ANSWER")

    if not fields:
        raise bad("Bigin returned no fields (a module always has some)")
    if len(fields) > MAX_FIELDS:
        raise bad(f"Bigin returned {len(fields):,} fields, more than the {MAX_FIELDS:,} "
                  "a module can have")
    if len(layouts) > MAX_LAYOUTS:
        raise bad(f"Bigin returned {len(layouts):,} layouts (at most {MAX_LAYOUTS})")
    names = set()
    for position, raw in enumerate(fields):
        name = raw.get("api_name")
        if not isinstance(name, str) or not API_NAME.fullmatch(name):
            raise bad(f"field {position + 1} has no usable api_name ({str(name)[:40]!r})")
        if name in names:
            raise bad(f"the field {name} is listed twice")
        names.add(name)
        for key in ("data_type", "field_label", "json_type"):
            if key in raw and raw[key] is not None and not isinstance(raw[key], str):
                raise bad(f"the field {name} has a {key} that is not text")
        choices = raw.get("pick_list_values")
        if choices is not None and (not isinstance(choices, list)
                                    or len(choices) > MAX_CHOICES):
            raise bad(f"the field {name} has a malformed or oversized picklist")
        try:
            parse_field(raw)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise bad(f"the field {name} cannot be read ({type(exc).__name__})") from exc
    try:
        layout_required(layouts)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise bad(f"the layouts cannot be read ({type(exc).__name__})") from exc
    size = len(json.dumps([fields, layouts], default=str))
    if size > MAX_MODULE_CHARS:
        raise bad(f"the metadata is {size:,} characters, more than {MAX_MODULE_CHARS:,}")


@dataclass
class ModuleSync:
    module: str
    ok: bool
    field_count: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


@dataclass
class SyncReport:
    modules: list[ModuleSync] = field(default_factory=list)
    users: int = 0
    users_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.users_error and all(m.ok for m in self.modules)

    @property
    def changed_modules(self) -> list[str]:
        return [m.module for m in self.modules if m.ok and m.changes]


def _fingerprint(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def diff_fields(
    old_fields: Sequence[dict[str, Any]],
    old_layouts: Sequence[dict[str, Any]],
    new_fields: Sequence[dict[str, Any]],
    new_layouts: Sequence[dict[str, Any]],
) -> list[dict[str, Any]]:
    """What a person needs to know about a metadata change, field by field."""
    old_req, new_req = layout_required(old_layouts), layout_required(new_layouts)
    old = {
        str(f["api_name"]): parse_field(f, required=f["api_name"] in old_req) for f in old_fields
    }
    new = {
        str(f["api_name"]): parse_field(f, required=f["api_name"] in new_req) for f in new_fields
    }
    changes: list[dict[str, Any]] = []
    for name in new.keys() - old.keys():
        changes.append({"kind": "field_added", "api_name": name,
                        "detail": f"{new[name].label} ({new[name].data_type})"})
    for name in old.keys() - new.keys():
        changes.append({"kind": "field_removed", "api_name": name, "detail": old[name].label})
    for name in sorted(old.keys() & new.keys()):
        before, after = old[name], new[name]
        if before.data_type != after.data_type:
            changes.append({"kind": "type_changed", "api_name": name,
                            "detail": f"{before.data_type} → {after.data_type}"})
        if before.length != after.length:
            changes.append({"kind": "length_changed", "api_name": name,
                            "detail": f"{before.length} → {after.length}"})
        if before.required != after.required:
            changes.append({"kind": "required_changed", "api_name": name,
                            "detail": "now mandatory" if after.required else "now optional"})
        old_values = {c.actual for c in before.choices}
        new_values = {c.actual for c in after.choices}
        if old_values != new_values:
            added, removed = sorted(new_values - old_values), sorted(old_values - new_values)
            bits = []
            if added:
                bits.append("added " + ", ".join(added))
            if removed:
                bits.append("removed " + ", ".join(removed))
            changes.append({"kind": "picklist_changed", "api_name": name,
                            "detail": "; ".join(bits)})
        if before.enterable != after.enterable:
            changes.append({"kind": "editability_changed", "api_name": name,
                            "detail": "now editable" if after.enterable else "now read-only"})
    return changes


@transaction.atomic
def store_module(
    *,
    module: str,
    fields: list[dict[str, Any]],
    layouts: list[dict[str, Any]],
    tags: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    row, created = ModuleMetadata.objects.select_for_update().get_or_create(module=module)
    fingerprint = _fingerprint(fields, layouts, tags)
    changes = [] if created or not row.fields else diff_fields(
        row.fields, row.layouts, fields, layouts
    )
    row.fields, row.layouts, row.tags = fields, layouts, tags
    row.synced_at = timezone.now()
    row.fingerprint = fingerprint
    row.save()
    remember_schema(row)
    if changes:
        MetadataChange.objects.create(module=module, changes=changes)
    return changes


@transaction.atomic
def store_users(*, users: Iterable[dict[str, Any]]) -> int:
    seen = []
    for raw in users:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), (str, int)) or \
                not raw.get("id"):
            continue
        if len(str(raw["id"])) > 40:
            continue
        seen.append(str(raw["id"]))
        # Cut to the columns' sizes: PostgreSQL refuses longer values (a 500 on "Sync now").
        BiginUser.objects.update_or_create(
            bigin_id=str(raw["id"]),
            defaults={
                "full_name": str(raw.get("full_name") or raw.get("email") or raw["id"])[:200],
                "email": str(raw.get("email") or "")[:254],
                "status": str(raw.get("status") or "")[:30],
                "profile": str((raw.get("profile") or {}).get("name") or "")[:100]
                if isinstance(raw.get("profile") or {}, dict) else "",
                "time_zone": str(raw.get("time_zone") or "")[:64],
            },
        )
    BiginUser.objects.exclude(bigin_id__in=seen).update(status="deleted")
    return len(seen)


def sync_metadata(*, client: BiginClient, modules: Sequence[str] = MODULES) -> SyncReport:
    """Fetch and store metadata for each module; one module failing does not stop the rest."""
    report = SyncReport()
    for module in modules:
        try:
            fields = client.get_fields(module)
            layouts = client.get_layouts(module)
            check_module(module, fields, layouts)
            try:
                tags = client.get_tags(module)
                if not all(isinstance(t, dict) for t in tags) or len(tags) > MAX_CHOICES:
                    raise MalformedAnswer(f"{module}: malformed tag list.")
            except BiginError as exc:
                # Tags need their own scope; entry still works without suggestions.
                log.warning("Could not read %s tags: %s", module, exc)
                tags = []
            changes = store_module(module=module, fields=fields, layouts=layouts, tags=tags)
            report.modules.append(
                ModuleSync(module=module, ok=True, field_count=len(fields), changes=changes)
            )
        except BiginError as exc:
            log.warning("Metadata sync failed for %s: %s", module, exc)
            report.modules.append(ModuleSync(module=module, ok=False, error=str(exc)))
    try:
        report.users = store_users(users=client.get_users("AllUsers"))
    except BiginError as exc:
        report.users_error = str(exc)
    try:
        store_org(org=client.get_org())
    except (BiginError, TypeError, ValueError, AttributeError) as exc:
        # Only links into Bigin's web UI need it; entry works without.
        log.warning("Could not read the org: %s", exc)
    return report


def store_org(*, org: dict[str, Any]) -> None:
    if not org:
        return
    BiginOrg.objects.update_or_create(pk=1, defaults={
        "zgid": str(org.get("zgid") or "")[:40],
        "org_id": str(org.get("id") or "")[:40],
        "company_name": str(org.get("company_name") or "")[:200],
        "time_zone": str(org.get("time_zone") or "")[:64],
    })
