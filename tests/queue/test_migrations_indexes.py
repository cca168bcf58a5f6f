"""0012 drops three indexes of the rows table that other indexes' prefixes serve, and its
reverse brings them back; the table keeps its triggers (0006, 0008, 0011) either way."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DROPPED = {"queue_row_run_id_041ba20f", "queue_row_owner_id_b90c9c69",
           "queue_row_status_1ac820_idx"}


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "queue_row")
    return {name for name, info in found.items() if info["index"]}


def _triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                           "AND tbl_name = 'queue_row'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'queue_row'::regclass "
                           "AND NOT tgisinternal")
        return {name for (name,) in cursor.fetchall()}


def test_0012_drops_the_redundant_indexes_and_its_reverse_restores_them():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    now, triggers = _indexes(), _triggers()
    assert triggers  # the search's (and on SQLite the counts')
    assert not now & DROPPED
    # Every claim and list still has its index: the composites the dropped ones were
    # prefixes of.
    assert {"row_run_status_module", "row_owner_created", "row_status_created"} <= now
    try:
        MigrationExecutor(connection).migrate([("queue", "0011_row_text_trigram")])
        assert _indexes() == now | DROPPED
        assert _triggers() == triggers
    finally:
        MigrationExecutor(connection).migrate(leaves)
    assert _indexes() == now
    assert _triggers() == triggers
