"""Looking a row up in Bigin by its module's unique field (before sending, or to reconcile)."""

from __future__ import annotations

import time
from typing import Any

from bigin_ui.bigin.errors import BiginError
from bigin_ui.metadata.schema import get_schema
from bigin_ui.queue.attempts import begin_attempt, finish_attempt
from bigin_ui.queue.context import RunContext
from bigin_ui.queue.models import Row


def escape_criteria(value: str) -> str:
    return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace(
        ",", "\\,"
    )


def unique_value(module: str, row: Row) -> tuple[str, str] | None:
    try:
        schema = get_schema(module)
    except LookupError:
        return None
    for meta in schema.unique_fields:
        value = row.payload.get(meta.api_name)
        if isinstance(value, str) and value.strip() and meta.enterable:
            return meta.api_name, value.strip()
    return None


def search_unique(
    ctx: RunContext, module: str, row: Row, field: str, value: str, *, claim: str
) -> list[dict[str, Any]]:
    criteria = f"({field}:equals:{escape_criteria(value)})"
    attempt = begin_attempt(run=ctx.run, module=module, kind="search", rows=[row],
                            request_body={"criteria": criteria}, started_by=ctx.started_by,
                            claim=claim)
    began = time.perf_counter()
    try:
        with ctx.slots.slot():
            found = ctx.client.search(module, criteria=criteria)
    except BiginError as exc:
        finish_attempt(attempt, duration=exc.duration, status=exc.status,
                       response_body=exc.body, error=str(exc), outcome="search_failed",
                       credits=1, tally=ctx.tally)
        raise
    finish_attempt(attempt, duration=time.perf_counter() - began,
                   status=200 if found else 204,
                   response_body={"count": len(found),
                                  "ids": [str(r.get("id")) for r in found][:10]},
                   outcome="search", credits=1, tally=ctx.tally)
    return [r for r in found if str(r.get(field, "")).strip().casefold() == value.casefold()]
