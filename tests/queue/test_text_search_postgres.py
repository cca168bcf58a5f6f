"""PostgreSQL's searches read their candidates through the trigram index (migration 0011).

Oracles: the database's own plan for the candidates' statement (the trigram index, and
bigin_id's index for the exact match; never a scan of the rows), and the search table's
contents against the rows' own columns after every kind of write. On SQLite the migration
leaves nothing behind.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction

from bigin_ui.queue import listing
from bigin_ui.queue.models import Row

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

INDEX = "queue_row_text_trgm"
only_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="PostgreSQL's search table")


def _plan(sql: str, params) -> dict:
    with transaction.atomic(), connection.cursor() as cursor:
        # A test's few rows are cheaper to read whole: ruled out, the plan shows whether the
        # indexes can serve the statement at all, which is what rows by the 100,000 need.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        return cursor.fetchone()[0][0]["Plan"]


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _body(row: Row) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM queue_row_text WHERE id = %s", [row.pk])
        found = cursor.fetchone()
    return found[0] if found else None


@only_postgresql
@pytest.mark.parametrize("text", ["Bench 4242", "p12@example", "Müller", "100% pure_water"])
def test_the_candidates_come_from_the_trigram_index(staff, text):
    Row.objects.bulk_create(Row(module="Contacts", owner=staff,
                                payload={"Last_Name": f"Person {i}"}) for i in range(50))
    terms = {text, text.casefold(), *listing.json_spellings(text)}
    sql, params = listing._postgresql_candidates(terms, text, connection)
    plan = _plan(sql, params)
    nodes = list(_nodes(plan))
    used = {n.get("Index Name") for n in nodes if "Index Name" in n}
    assert used == {INDEX, "row_bigin_id"}, json.dumps(plan)
    assert not [n for n in nodes if n["Node Type"] == "Seq Scan"], json.dumps(plan)


@only_postgresql
def test_a_search_reads_its_candidates_by_id(staff):
    rows = [Row.objects.create(module="Contacts", owner=staff, payload={"Last_Name": name})
            for name in ("Anna Lee", "Bob Stone", "Anna-Lena Kim")]
    assert sorted(listing.text_candidates("anna")) == [rows[0].pk, rows[2].pk]
    assert listing.text_candidates("an") is None  # shorter than a trigram
    found = listing.searched(Row.objects.filter(owner=staff), "anna")
    assert '"queue_row"."id" IN (' in str(found.query)
    assert sorted(found.values_list("pk", flat=True)) == [rows[0].pk, rows[2].pk]


@only_postgresql
def test_the_search_table_follows_every_write(staff):
    row = Row.objects.create(module="Contacts", owner=staff, payload={"Last_Name": "Müller"},
                             unique_key="email:m@example.com")
    assert "MÜLLER" in _body(row) and "EMAIL:M@EXAMPLE.COM" in _body(row)
    Row.objects.filter(pk=row.pk).update(error_message="Bigin said no", hold_reason="Held")
    assert "BIGIN SAID NO" in _body(row) and "HELD" in _body(row)
    before = _body(row)
    Row.objects.filter(pk=row.pk).update(status=Row.Status.CREATED, bigin_id="555")
    assert _body(row) == before  # a status write does not touch it
    row.refresh_from_db()
    row.payload = {"Last_Name": "Schmidt"}
    row.save()
    assert "SCHMIDT" in _body(row) and "MÜLLER" not in _body(row)
    row.delete()
    assert _body(row) is None


@only_postgresql
def test_every_row_has_its_search_text(staff):
    Row.objects.bulk_create(Row(module="Contacts", owner=staff, payload={"Last_Name": str(i)})
                            for i in range(20))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM queue_row r LEFT JOIN queue_row_text t "
                       "ON t.id = r.id WHERE t.id IS NULL OR t.body IS DISTINCT FROM "
                       "UPPER(concat_ws(E'\\n', r.payload::text, r.error_message, "
                       "r.hold_reason, r.unique_key))")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT COUNT(*) FROM queue_row_text")
        assert cursor.fetchone()[0] == Row.objects.count() == 20


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's schema")
def test_on_sqlite_the_migration_leaves_nothing():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = %s", [INDEX])
        assert cursor.fetchall() == []


@only_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_migration_goes_back_and_forth_with_existing_rows(staff):
    from django.db.migrations.executor import MigrationExecutor

    def tables() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE tablename = 'queue_row_text'"
                           " UNION SELECT tgname FROM pg_trigger WHERE tgname LIKE "
                           "'queue_row_text_%%' UNION SELECT proname FROM pg_proc WHERE "
                           "proname LIKE 'queue_row_text_%%'")
            return {name for (name,) in cursor.fetchall()}

    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    row = Row.objects.create(module="Contacts", owner=staff, payload={"Last_Name": "Kept"})
    try:
        MigrationExecutor(connection).migrate([("queue", "0010_claim_index")])
        assert tables() == set()
        MigrationExecutor(connection).migrate([("queue", "0011_row_text_trigram")])
        assert "KEPT" in _body(row)  # rows from before the migration are searchable
        assert len(tables()) == 8  # the table, four triggers, three functions
    finally:
        MigrationExecutor(connection).migrate(leaves)


def test_a_search_with_a_nul_character_finds_rows_instead_of_failing(staff, client):
    """PostgreSQL refuses any string holding a NUL: a search box or a lookup typed (or sent)
    with one must still answer, on both databases."""
    Row.objects.create(module="Contacts", owner=staff, payload={"Last_Name": "Doe"})
    found = listing.RowFilters(text="Do\x00e").apply(Row.objects.all())
    assert [r.payload["Last_Name"] for r in found] == ["Doe"]
    client.force_login(staff)
    assert client.get("/records/", {"q": "Do\x00e"}).status_code == 200
    lookup = client.get("/lookup/Contacts/", {"q": "Do\x00e"})
    assert lookup.status_code == 200 and "Doe" in lookup.content.decode()
