"""Rows as CSV: fixed columns, then one column per Bigin field API name."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from bigin_ui.csv_safety import neutralise_row
from bigin_ui.metadata.schema import MODULES, get_schema
from bigin_ui.queue.models import Row

FIXED_COLUMNS = ["id", "module", "status", "bigin_id", "error_code", "error_message",
                 "error_field"]


def field_columns(modules: list[str]) -> list[str]:
    columns: list[str] = []
    for module in modules:
        try:
            names = [f.api_name for f in get_schema(module).entry_fields]
        except LookupError:
            names = []
        for name in names:
            if name not in columns:
                columns.append(name)
    return columns


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def csv_lines(rows: QuerySet[Row]) -> Iterator[str]:
    """The CSV text, line by line, streaming the rows (constant memory)."""
    modules = sorted(set(rows.values_list("module", flat=True).distinct()),
                     key=lambda m: MODULES.index(m) if m in MODULES else 99)
    columns = field_columns(modules)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    known = set(columns)
    writer.writerow([*FIXED_COLUMNS, *columns, "other_fields"])
    yield flush()
    for row in rows.order_by("pk").iterator(chunk_size=1000):
        # Values for fields today's metadata no longer has are kept, not dropped.
        other = {k: v for k, v in row.payload.items() if k not in known}
        # Every cell as text, neutralised: a value (or Bigin's error message) starting with
        # = + - @ must not run as a formula in whoever opens the file.
        writer.writerow(neutralise_row(
            [str(row.pk), row.module, row.status, row.bigin_id, row.error_code,
             row.error_message, row.error_field]
            + [cell(row.payload.get(name)) for name in columns]
            + [cell(other) if other else ""]
        ))
        yield flush()
