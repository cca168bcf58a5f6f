"""What the list pages print for each row, worked out in one pass over the page.

A list page shows 50 rows; done in the template, each row cost four includes, a ``{% url %}``,
a ``date`` filter and a dozen variable lookups, about half of the page's server CPU. Here each
row gets plain strings instead, computed as the templates used to compute them (never marked
safe: the templates escape them like any other text). The Bigin links stay with the bigin_id
tag, which builds the page's links once and only when a row has a Bigin ID.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.text import Truncator

from bigin_ui.queue.models import Row
from bigin_ui.web import wording

# The record's name field per module; Tasks, Calls and others show their Subject.
_NAME_FIELDS = {"Accounts": "Account_Name", "Pipelines": "Deal_Name",
                "Products": "Product_Name", "Events": "Event_Title"}


def _text(payload: dict[str, Any], field: str) -> str:
    """A payload value as ``{{ value }}`` prints it: nothing when missing, else localized."""
    if field not in payload:
        return ""
    return str(localize(payload[field]))


def record_name(module: str, payload: Any) -> str:
    """The row's name as Bigin would show it (what the list templates print)."""
    p = payload if isinstance(payload, dict) else {}
    if module == "Contacts":
        first = p.get("First_Name") or ""
        return f"{localize(first) if first else ''} {_text(p, 'Last_Name')}"
    if module in _NAME_FIELDS:
        return _text(p, _NAME_FIELDS[module])
    return Truncator(str(p.get("Subject") or "(no subject)")).chars(60)


_STATUS_TEXT = {value: str(label) for value, label in Row.Status.choices}
_HOLD_TEXT = {value: str(label) for value, label in Row.Hold.choices}


def prepare_rows(rows: Iterable[Any], *, links: Any = None) -> list[dict[str, Any]]:
    """Sets on each row: ``detail_url``, ``ref`` (its number), ``display_name``,
    ``status_text``, ``hold_text``, ``module_text``, ``kind_text``, ``entered`` (created, in
    the current time zone), ``problem_text`` and, given the page's Bigin ``links``
    (web.links.page_links), ``bigin_url`` and ``bigin_exact`` for a row with a Bigin ID (what
    the bigin_link tag gave the template, at a tenth of its cost); returns each row's cells
    as a dict, which is
    what the list templates loop over: the template engine reads ``row.x`` from a dict at
    once, while on a model instance it first tries ``row["x"]`` and handles the TypeError,
    for each of the 20 values a row prints (a quarter of a list page's rendering).
    """
    rows = list(rows)
    if not rows:
        return []
    # One reverse() for the page; each row's pk goes where the placeholder's digits were.
    marker = 987654321
    detail = reverse("row_detail", args=[marker]).split(str(marker))
    zone = timezone.get_current_timezone()
    for row in rows:
        ref = str(row.pk)
        row.ref = ref
        row.detail_url = ref.join(detail)
        row.display_name = record_name(row.module, row.payload)
        # As get_status_display() / get_hold_display() print them, from a dict made once
        # (Django's versions rebuild a hashable copy of the choices on every call).
        row.status_text = _STATUS_TEXT.get(row.status, row.status)
        row.hold_text = _HOLD_TEXT.get(row.hold, row.hold) if row.hold else ""
        row.module_text = wording.module_label(row.module)
        row.kind_text = wording.singular_label(row.module).lower()
        moment = timezone.localtime(row.created_at, zone) if timezone.is_aware(
            row.created_at) else row.created_at
        row.entered = f"{moment:%Y-%m-%d %H:%M}"
        problem = getattr(row, "problem", "")
        row.problem_text = wording.connection_problem(problem) if problem else ""
        link = links.link(row.module, row.bigin_id) if links is not None and row.bigin_id else None
        row.bigin_url = link.url if link is not None else ""
        row.bigin_exact = link is not None and link.exact
    return [_cells(row) for row in rows]


def _owner_name(row: Any) -> str:
    # Review annotates the name (a subquery); All rows prefetches the owner; My rows needs
    # neither, and shows no owner.
    name = getattr(row, "owner_name", None)
    if name is not None:
        return name
    cached = row._state.fields_cache.get("owner")
    return cached.get_username() if cached is not None else ""


def _cells(row: Any) -> dict[str, Any]:
    return {
        "ref": row.ref, "detail_url": row.detail_url, "display_name": row.display_name,
        "status": row.status, "status_text": row.status_text, "hold": row.hold,
        "hold_reason": row.hold_reason, "hold_text": row.hold_text, "bigin_id": row.bigin_id,
        "module": row.module, "module_text": row.module_text, "kind_text": row.kind_text,
        "error_code": row.error_code, "error_message": row.error_message,
        "error_field": row.error_field,
        "error_field_label": getattr(row, "error_field_label", ""),
        # Bigin's message, else its code; the field by its label, else its API name (as the
        # templates' default filters printed them).
        "error_text": row.error_message or row.error_code,
        "error_on": getattr(row, "error_field_label", "") or row.error_field,
        # Which code Bigin gave and on which field, as one text: printed as three values and
        # a condition it cost a list page's 30 failed rows 0.1 ms (the words around them
        # need no escaping, so the page is the same).
        "bigin_said": _bigin_said(row),
        "problem": getattr(row, "problem", ""), "problem_text": row.problem_text,
        "entered": row.entered, "owner_name": _owner_name(row),
        "bigin_url": row.bigin_url, "bigin_exact": row.bigin_exact,
    }


def _bigin_said(row: Any) -> str:
    """"(Bigin: CODE on Field)" beside a failed row's message; "" without a code."""
    if not row.error_code:
        return ""
    field = getattr(row, "error_field_label", "") or row.error_field
    return f"(Bigin: {row.error_code} on {field})" if row.error_field else (
        f"(Bigin: {row.error_code})")
