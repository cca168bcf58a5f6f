"""Finding records to refer to: Bigin's search plus the user's own queued rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q

from bigin_ui.bigin.errors import BiginError
from bigin_ui.connection.services import build_client
from bigin_ui.metadata.schema import NAME_FIELDS
from bigin_ui.queue.entry import row_label
from bigin_ui.queue.models import Row

MIN_QUERY = 2
LIMIT = 10


@dataclass(frozen=True)
class LookupItem:
    value: str  # what the form field receives: a Bigin ID or "row:<pk>"
    label: str
    source: str  # "bigin" or "queue"


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


def search_records(*, module: str, query: str, user: AbstractBaseUser) -> LookupResult:
    result = LookupResult()
    if len(query) < MIN_QUERY:
        return result
    name_field = NAME_FIELDS.get(module, "")
    queued = Row.objects.filter(
        owner=user, module=module,
        status__in=[Row.Status.PENDING, Row.Status.FAILED, Row.Status.SENDING],
    )
    match = Q(**{f"payload__{name_field}__icontains": query})
    if module == "Contacts":
        match |= Q(payload__First_Name__icontains=query) | Q(payload__Email__icontains=query)
    for row in queued.filter(match).order_by("-pk")[:LIMIT]:
        result.items.append(LookupItem(value=f"row:{row.pk}", label=row_label(row),
                                       source="queue"))
    try:
        records = build_client().search(module, word=query, per_page=LIMIT)
    except BiginError as exc:
        result.error = f"Bigin search failed: {exc}"
        return result
    for record in records[:LIMIT]:
        result.items.append(LookupItem(value=str(record.get("id")),
                                       label=record_label(module, record), source="bigin"))
    return result
