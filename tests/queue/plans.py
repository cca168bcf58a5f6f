"""The query plan of one statement, for tests that hold a claim to an index."""

from __future__ import annotations

from typing import Any

from django.db import connection


def index_plan(sql: str, params: Any, *, analyze: bool = False) -> str:
    """The plan as text. On PostgreSQL a tiny test table is cheaper read whole and sorted:
    with those plans priced out, a sort or a full read remains only if no index serves."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(line) for line in cursor.fetchall())
        if analyze:
            cursor.execute("ANALYZE queue_row")
        off = ("enable_seqscan", "enable_bitmapscan", "enable_sort")
        for name in off:
            cursor.execute(f"SET {name} = off")
        try:
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(str(line) for line in cursor.fetchall())
        finally:
            for name in off:
                cursor.execute(f"RESET {name}")
