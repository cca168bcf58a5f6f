from __future__ import annotations

import json
from typing import Any

from django import template

from bigin_ui.web import wording

register = template.Library()


@register.filter
def pretty_json(value: Any) -> str:
    """Request and response bodies as the JSON they were on the wire (escaped by the
    template like any other text)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


@register.simple_tag(takes_context=True)
def bigin_link(context: template.Context, module: str, record_id: str) -> Any:
    """Where a Bigin ID leads: the record's page, or (``exact`` false) the org's Bigin where
    the record's own address is not known (see web.links)."""
    from bigin_ui.web.links import record_links

    links = context.get("bigin_links")
    if links is None:
        links = record_links()
    return links.link(module, record_id)


# Module API names are for form inputs and exports; people read Bigin's UI names.
register.filter("module_label", wording.module_label)
register.filter("singular_label", wording.singular_label)
register.filter("status_label", wording.status_label)
register.filter("connection_problem", wording.connection_problem)


@register.filter
def event_kind(kind: str) -> str:
    return wording.EVENT_KINDS.get(kind, kind.replace("_", " ").capitalize())


@register.filter
def call_outcome(outcome: str) -> str:
    return wording.CALL_OUTCOMES.get(outcome, outcome.replace("_", " "))


@register.filter
def call_kind(kind: str) -> str:
    return wording.CALL_KINDS.get(kind, kind)


@register.filter
def sent_times(payload: Any) -> list[tuple[str, str, str]]:
    """The row's date/times as (field, time in the viewer's zone, value as sent): the JSON
    shows the sender's offset, the person reads their own."""
    import datetime as dt

    from django.utils import timezone

    from bigin_ui.metadata.validation import DATETIME_RE
    from bigin_ui.people.services import zone_label

    if not isinstance(payload, dict):
        return []
    zone = timezone.get_current_timezone()
    found = []
    for name, value in payload.items():
        if not isinstance(value, str) or not DATETIME_RE.fullmatch(value):
            continue
        try:
            moment = dt.datetime.fromisoformat(value).astimezone(zone)
        except ValueError:
            continue
        found.append((name, f"{moment:%Y-%m-%d %H:%M} {zone_label(zone, at=moment)}", value))
    return found


@register.filter
def metadata_change(kind: str) -> str:
    return wording.METADATA_CHANGES.get(kind, kind.replace("_", " "))
