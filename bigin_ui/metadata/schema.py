"""A module's entry schema, built from the stored metadata and cached per sync."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Subquery

from bigin_ui.metadata.fields import (
    FieldMeta,
    TeamPipeline,
    layout_required,
    parse_field,
    parse_team_pipelines,
)
from bigin_ui.metadata.models import ModuleMetadata

MODULES: tuple[str, ...] = (
    "Contacts", "Accounts", "Pipelines", "Products", "Tasks", "Events", "Calls",
)
# Searched for a Related To lookup while no related module is chosen: every module a task,
# event or call may relate to (validation.RELATED_MODULES).
ANY_RELATED = "any"
MODULE_LABELS: dict[str, str] = {
    "Contacts": "Contacts",
    "Accounts": "Companies",
    "Pipelines": "Pipelines",
    "Products": "Products",
    "Tasks": "Tasks",
    "Events": "Events",
    "Calls": "Calls",
}
SINGULAR_LABELS: dict[str, str] = {
    "Contacts": "Contact",
    "Accounts": "Company",
    "Pipelines": "Pipeline record",
    "Products": "Product",
    "Tasks": "Task",
    "Events": "Event",
    "Calls": "Call",
}
# The field whose value names a record in lists and lookups.
NAME_FIELDS: dict[str, str] = {
    "Contacts": "Last_Name",
    "Accounts": "Account_Name",
    "Pipelines": "Deal_Name",
    "Products": "Product_Name",
    "Tasks": "Subject",
    "Events": "Event_Title",
    "Calls": "Subject",
}


class UnknownModule(LookupError):
    pass


class MetadataMissing(LookupError):
    """The module exists but its metadata was never synced."""


@dataclass(frozen=True)
class ModuleSchema:
    module: str
    fields: tuple[FieldMeta, ...]
    team_pipelines: tuple[TeamPipeline, ...] = ()
    tags: tuple[str, ...] = ()
    synced_at: object = None
    by_name: dict[str, FieldMeta] = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> str:
        return MODULE_LABELS.get(self.module, self.module)

    @property
    def singular(self) -> str:
        return SINGULAR_LABELS.get(self.module, self.module)

    @property
    def entry_fields(self) -> tuple[FieldMeta, ...]:
        return tuple(f for f in self.fields if f.enterable)

    @property
    def unique_fields(self) -> tuple[FieldMeta, ...]:
        return tuple(f for f in self.fields if f.unique)

    def get(self, api_name: str) -> FieldMeta | None:
        return self.by_name.get(api_name)


def build_schema(row: ModuleMetadata) -> ModuleSchema:
    required = layout_required(row.layouts or [])
    fields = tuple(
        parse_field(raw, required=str(raw.get("api_name")) in required)
        for raw in row.fields or []
        if isinstance(raw, dict) and raw.get("api_name")
    )
    tags = tuple(
        str(t.get("name")) for t in row.tags or [] if isinstance(t, dict) and t.get("name")
    )
    return ModuleSchema(
        module=row.module,
        fields=fields,
        team_pipelines=parse_team_pipelines(row.layouts or []) if row.module == "Pipelines" else (),
        tags=tags,
        synced_at=row.synced_at,
        by_name={f.api_name: f for f in fields},
    )


_cache: dict[str, tuple[str, ModuleSchema]] = {}
_lock = threading.Lock()


def _cached(module: str, fingerprint: str) -> ModuleSchema | None:
    with _lock:
        cached = _cache.get(module)
        return cached[1] if cached and cached[0] == fingerprint else None


def _load(module: str) -> ModuleSchema:
    row = ModuleMetadata.objects.filter(module=module).first()
    if row is None:
        raise MetadataMissing(module)
    schema = build_schema(row)
    with _lock:
        _cache[module] = (row.fingerprint, schema)
    return schema


def remember(row: ModuleMetadata) -> None:
    """Keep the schema of metadata this process just stored: its next page needs no read.
    (Other processes notice the new fingerprint and read it once.) Harmless if the storing
    transaction rolls back: a fingerprint the database does not hold is never asked for."""
    schema = build_schema(row)
    with _lock:
        _cache[row.module] = (row.fingerprint, schema)


def get_schema(module: str) -> ModuleSchema:
    if module not in MODULES:
        raise UnknownModule(module)
    row = ModuleMetadata.objects.filter(module=module).only("fingerprint").first()
    if row is None:
        raise MetadataMissing(module)
    return _cached(module, row.fingerprint) or _load(module)


def schema_at(module: str, fingerprint: str | None) -> ModuleSchema | None:
    """The module's schema as of ``fingerprint``, which the caller read along with its own
    rows (a subquery in a statement it makes anyway), so that a page costs no statement of
    its own for the metadata: the process's copy serves while its fingerprint matches, and a
    sync in any process changes the fingerprint, so the next page reads the new metadata once.
    None when the module has no metadata."""
    if not fingerprint or module not in MODULES:
        return None
    try:
        return _cached(module, fingerprint) or _load(module)
    except MetadataMissing:
        return None


def metadata_version(module_ref: Any) -> Subquery:
    """The synced metadata's fingerprint for the module ``module_ref`` names (a name, or an
    OuterRef), as a subquery to annotate a statement with (see schema_at)."""
    return Subquery(ModuleMetadata.objects.filter(module=module_ref)
                    .values("fingerprint")[:1])
