"""Counts remembered until the rows change (queue/counts_cache.py).

Oracles: the version the counts are remembered at changes with every change a list can count
and with nothing else; a page asked twice counts once; and a page asked after a change shows
the rows as they are, in the navigation, the status filter and Review.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bigin_ui.queue.counts_cache import TRIGGERS, remembered, rows_version
from bigin_ui.queue.models import Row

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite",
                                 reason="SQLite's version is kept by triggers")


def make_row(owner, **fields) -> Row:
    return Row.objects.create(module="Contacts", owner=owner,
                              payload={"Last_Name": "Counted"}, **fields)


def counting(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries
            if "COUNT(" in q["sql"] and "queue_rowsversion" not in q["sql"]]


@sqlite_only
@pytest.mark.django_db
def test_the_migration_leaves_every_trigger_in_place():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {name for (name,) in cursor.fetchall()}
    assert set(TRIGGERS) <= names
    assert rows_version() is not None


@sqlite_only
def test_the_version_changes_with_what_lists_count_and_only_that(sales_user):
    before = rows_version()
    row = make_row(sales_user)
    created = rows_version()
    assert created != before
    # The engine's own bookkeeping changes no count.
    Row.objects.filter(pk=row.pk).update(claim="abc", send_count=2)
    assert rows_version() == created
    for change in ({"status": "failed"}, {"hold": "invalid"}, {"error_code": "INVALID_DATA"},
                   {"payload": {"Last_Name": "Other"}}, {"module": "Accounts"}):
        was = rows_version()
        Row.objects.filter(pk=row.pk).update(**change)
        assert rows_version() != was, change
    was = rows_version()
    sales_user.username = "renamed"
    sales_user.save()  # the owner filter matches names
    assert rows_version() != was
    was = rows_version()
    row.delete()
    assert rows_version() != was


@sqlite_only
def test_without_its_triggers_nothing_is_remembered(sales_user):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER queue_rowsversion_update")
    assert rows_version() is None
    calls = []
    for _ in range(2):
        remembered(("test", 1), lambda: calls.append(1))
    assert len(calls) == 2


@sqlite_only
def test_a_page_counts_once_and_shows_every_change(sales_client, sales_user):
    for _ in range(3):
        make_row(sales_user, status="failed")
    first = sales_client.get("/records/").content.decode()
    assert "3 failed" in first and "Failed (3)" in first
    with CaptureQueriesContext(connection) as captured:
        again = sales_client.get("/records/").content.decode()
    assert "3 failed" in again and "Failed (3)" in again
    assert counting(captured) == []  # every count remembered
    make_row(sales_user, status="failed")
    Row.objects.filter(status="failed").first().delete()
    make_row(sales_user, status="failed")
    shown = sales_client.get("/records/").content.decode()
    assert "4 failed" in shown and "Failed (4)" in shown and "Pending" in shown


@sqlite_only
def test_review_shows_a_fix_at_once(admin_client, sales_user):
    rows = [make_row(sales_user, status="failed", error_code="INVALID_DATA",
                     error_field="Email") for _ in range(2)]
    page = admin_client.get("/review/").content.decode()
    assert "2 rows</strong>: INVALID_DATA on Email" in page
    Row.objects.filter(pk=rows[0].pk).update(status="created", error_code="",
                                             error_field="")
    page = admin_client.get("/review/").content.decode()
    assert "1 row</strong>: INVALID_DATA on Email" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's snapshot")
def test_postgres_snapshot_moves_with_each_commit_and_not_inside_a_transaction(sales_user):
    from django.db import transaction

    before = rows_version()
    assert before is not None
    make_row(sales_user)
    assert rows_version() != before
    with transaction.atomic():
        # Its own uncommitted writes would not show in the snapshot: nothing remembered.
        assert rows_version() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's snapshot")
def test_postgres_reads_the_snapshot_once_a_page_and_counts_once(sales_client, sales_user):
    for _ in range(2):
        make_row(sales_user, status="failed")
    sales_client.get("/records/")
    with CaptureQueriesContext(connection) as captured:
        page = sales_client.get("/records/").content.decode()
    assert "2 failed" in page
    snapshots = [q for q in captured.captured_queries if "txid_current_snapshot" in q["sql"]]
    # (Whether its counts were remembered depends on every database of the cluster: any
    # writing transaction anywhere moves the snapshot.)
    assert len(snapshots) == 1
    make_row(sales_user, status="failed")
    assert "3 failed" in sales_client.get("/records/").content.decode()
