"""Finding records to refer to by name: Bigin's search plus the queued rows the person may
see, and the names of records already chosen."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q

from bigin_ui.bigin.errors import BiginError
from bigin_ui.connection.services import build_client
from bigin_ui.metadata.models import RecordName
from bigin_ui.metadata.schema import ANY_RELATED, NAME_FIELDS
from bigin_ui.metadata.validation import RELATED_MODULES
from bigin_ui.queue.entry import referable_rows, row_label
from bigin_ui.queue.models import Row

MIN_QUERY = 2
LIMIT = 10
# Per module when one search covers every module Related To may name (four Bigin searches,
# one list): enough to find a record by a few letters, short enough to read.
ANY_LIMIT = 5
# Queued rows worth offering: not yet in Bigin (created ones are found by Bigin's search).
OFFERED = [Row.Status.PENDING, Row.Status.FAILED, Row.Status.SENDING, Row.Status.UNKNOWN,
           Row.Status.RECONCILING, Row.Status.NEEDS_REVIEW]


@dataclass(frozen=True)
class LookupItem:
    value: str  # what the form field receives: a Bigin ID or "row:<pk>"
    label: str
    source: str  # "bigin" or "queue"
    module: str = ""


@dataclass
class LookupResult:
    items: list[LookupItem] = field(default_factory=list)
    error: str = ""


def record_label(module: str, record: dict) -> str:
    if module == "Contacts":
        name = record.get("Full_Name") or " ".join(
            filter(None, [record.get("First_Name"), record.get("Last_Name")])
        )
        email = record.get("Email")
        return f"{name} <{email}>" if email else str(name)
    return str(record.get(NAME_FIELDS.get(module, "")) or record.get("id"))


def remember_names(*, module: str, items: list[LookupItem]) -> None:
    """Keep the names Bigin's search just gave, for showing chosen records later."""
    found = [RecordName(module=module, bigin_id=i.value, name=i.label[:300])
             for i in items if i.source == "bigin" and i.value.isdigit()]
    if found:
        RecordName.objects.bulk_create(found, update_conflicts=True,
                                       unique_fields=["module", "bigin_id"],
                                       update_fields=["name", "seen_at"])


def record_name(*, bigin_id: str, module: str = "") -> str | None:
    """The name of a Bigin record as last seen, or of the app's own row that created it."""
    names = RecordName.objects.filter(bigin_id=bigin_id)
    if module:
        names = names.filter(module=module)
    known = names.order_by("-seen_at").values_list("name", flat=True).first()
    if known:
        return known
    rows = Row.objects.filter(bigin_id=bigin_id)
    if module:
        rows = rows.filter(module=module)
    row = rows.first()
    return row_label(row).split(" — ")[0] if row else None


def record_module(*, bigin_id: str) -> str | None:
    """The module of a Bigin record seen in a search, when only one module has that ID."""
    modules = list(RecordName.objects.filter(bigin_id=bigin_id).values_list(
        "module", flat=True)[:2])
    return modules[0] if len(modules) == 1 else None


def search_records(*, module: str, query: str, user: AbstractBaseUser) -> LookupResult:
    """Queued rows and Bigin records of ``module`` whose name contains ``query``; for
    ANY_RELATED, of every module a Related To may name, each hit carrying its module."""
    if module != ANY_RELATED:
        return _search_module(module=module, query=query, user=user)
    result = LookupResult()
    for each in RELATED_MODULES:
        found = _search_module(module=each, query=query, user=user, limit=ANY_LIMIT)
        result.items.extend(found.items)
        if found.error:
            # Bigin unreachable or refusing: the other modules would fail (and wait) alike.
            result.error = found.error
            break
    return result


def _search_module(*, module: str, query: str, user: AbstractBaseUser,
                   limit: int = LIMIT) -> LookupResult:
    result = LookupResult()
    # A NUL would make PostgreSQL refuse the statement; no stored name holds one.
    query = query.replace("\x00", "").strip()
    if len(query) < MIN_QUERY:
        return result
    name_field = NAME_FIELDS.get(module, "")
    # Only rows the person may refer to (see queue.entry.referable_rows), of this module.
    queued = referable_rows(user).filter(module=module, status__in=OFFERED)
    match = Q(**{f"payload__{name_field}__icontains": query})
    if module == "Contacts":
        match |= Q(payload__First_Name__icontains=query) | Q(payload__Email__icontains=query)
    for row in queued.filter(match).order_by("-pk")[:limit]:
        result.items.append(LookupItem(value=f"row:{row.pk}", label=row_label(row),
                                       source="queue", module=module))
    try:
        records = build_client().search(module, word=query, per_page=limit)
    except BiginError as exc:
        result.error = f"Bigin search failed: {exc}"
        return result
    found = [LookupItem(value=str(record.get("id")), label=record_label(module, record),
                        source="bigin", module=module) for record in records[:limit]]
    remember_names(module=module, items=found)
    result.items.extend(found)
    return result
