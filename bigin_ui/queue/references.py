"""Finding and resolving references from one queued row to another (``{"$row": pk}``)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any


def iter_row_refs(value: Any) -> Iterator[int]:
    """Every queued-row primary key referenced anywhere inside a payload value."""
    if isinstance(value, dict):
        if "$row" in value:
            with contextlib.suppress(TypeError, ValueError):
                yield int(value["$row"])
            return
        for item in value.values():
            yield from iter_row_refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from iter_row_refs(item)


def resolve_refs(value: Any, bigin_id_of: Callable[[int], str | None]) -> Any:
    """A copy of ``value`` with each ``{"$row": pk}`` replaced by ``{"id": <Bigin ID>}``.

    Raises KeyError(pk) when a referenced row has no Bigin ID yet.
    """
    if isinstance(value, dict):
        if "$row" in value:
            pk = int(value["$row"])
            bigin_id = bigin_id_of(pk)
            if not bigin_id:
                raise KeyError(pk)
            extra = {k: v for k, v in value.items() if k not in {"$row", "id"}}
            return {**extra, "id": bigin_id}
        return {k: resolve_refs(v, bigin_id_of) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_refs(v, bigin_id_of) for v in value]
    return value
