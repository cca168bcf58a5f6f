"""The attempts' migrations on existing data: 0007 (who made each call) and 0009 (attempts
naming their rows), forwards and back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _at(target: str):
    executor = MigrationExecutor(connection)
    executor.migrate([("queue", target)])
    return MigrationExecutor(connection).loader.project_state([("queue", target)]).apps


def test_old_attempts_are_credited_to_no_worker_and_0009_goes_back_to_links(staff):
    """0007 gives attempts made before it an empty worker (its callable default credited
    every one of them to the migrating process's host:pid); 0009's reverse rebuilds the
    attempt-row links from row_ids in data[] order (it was a no-op: reversing lost them)."""
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        apps = _at("0006_rows_version")
        Row = apps.get_model("queue", "Row")
        Attempt = apps.get_model("queue", "Attempt")
        AttemptRow = apps.get_model("queue", "AttemptRow")
        first, second = (Row.objects.create(module="Contacts", owner_id=staff.pk,
                                            payload={"Last_Name": n}) for n in ("a", "b"))
        attempt = Attempt.objects.create(module="Contacts", kind="insert",
                                         started_at=timezone.now(), request_body={})
        AttemptRow.objects.create(attempt=attempt, row=second, index=0)
        AttemptRow.objects.create(attempt=attempt, row=first, index=1)

        apps = _at("0009_attempt_row_ids")
        migrated = apps.get_model("queue", "Attempt").objects.get(pk=attempt.pk)
        assert migrated.worker == ""
        assert migrated.row_ids == [second.pk, first.pk]

        apps = _at("0008_row_text_search")
        links = apps.get_model("queue", "AttemptRow").objects.filter(attempt_id=attempt.pk)
        assert sorted(links.values_list("index", "row_id")) == [(0, second.pk), (1, first.pk)]
    finally:
        MigrationExecutor(connection).migrate(leaves)
