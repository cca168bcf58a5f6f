"""A row's calls to Bigin, cut down to that row's own record.

One call carries up to 100 rows, often of several people. The row page shows every call its
row was in, but only the row's own entry of ``data`` in the request and in the response, so
nobody reads colleagues' records through the history of their own row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bigin_ui.queue.models import Attempt, Row


@dataclass(frozen=True)
class RowCall:
    attempt: Attempt
    index: int  # the row's position in the call's data[]
    total: int  # how many records the call carried
    request: Any
    response: Any


def own_entry(body: Any, index: int) -> Any:
    """``body`` with its ``data`` list reduced to the entry at ``index``.

    A body without a per-record ``data`` list (a request-level error) is about the whole
    call and is returned as it is.
    """
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return body
    data = body["data"]
    return {**body, "data": [data[index]] if 0 <= index < len(data) else []}


def attempts_of(row: Row, *, limit: int | None = None) -> list[Attempt]:
    """The calls made for ``row``, newest first: the attempts under the claims it was taken
    under (``Row.claims``) whose ``row_ids`` name it.

    One claim can carry calls for other rows too (each row's own search before sending), so
    the attempts are picked by their row lists first and only those read whole.
    """
    claims = {*(row.claims or "").split(), *([row.claim] if row.claim else [])}
    if not claims:
        return []
    mine = [
        pk for pk, row_ids in Attempt.objects.filter(claim__in=claims)
        .order_by("-started_at", "-pk").values_list("pk", "row_ids")
        if isinstance(row_ids, list) and row.pk in row_ids
    ][:limit]
    found = Attempt.objects.in_bulk(mine)
    return [found[pk] for pk in mine]


def row_calls(row: Row, *, limit: int = 50) -> list[RowCall]:
    calls = []
    for attempt in attempts_of(row, limit=limit):
        index = attempt.row_ids.index(row.pk)
        body = attempt.request_body
        if isinstance(body, dict) and isinstance(body.get("data"), list):
            # An insert or upsert: data[i] of the request and of the answer are this row's.
            calls.append(RowCall(
                attempt=attempt, index=index, total=len(body["data"]),
                request=own_entry(body, index),
                response=own_entry(attempt.response_body, index),
            ))
        else:
            # A search for this row's own value: the whole exchange is about this row.
            calls.append(RowCall(attempt=attempt, index=0, total=1, request=body,
                                 response=attempt.response_body))
    return calls
