"""The list pages stay a few indexed statements whatever the number of rows.

Two oracles: a statement count per page (a statement per row shown would add 50), and the
database's own plan for each statement on the rows table (no full scan of it).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from bigin_ui.queue.models import Row, SubmissionRun
from bigin_ui.queue.review import cause_key

KINDS = (
    # (status, hold, error_code, error_field)
    ("created", "", "", ""), ("created", "", "", ""), ("pending", "", "", ""),
    ("failed", "", "INVALID_DATA", "Phone"), ("failed", "", "DUPLICATE_DATA", "Email"),
    ("pending", "duplicate", "", ""), ("needs_review", "", "", ""), ("unknown", "", "", ""),
    ("discarded", "", "", ""),
)
MODULES = ("Contacts", "Accounts", "Products")
ROWS_EACH = 180  # more than three pages of every list


@pytest.fixture
def rows(sales_user, admin_user):
    """Rows of every kind for two owners, spread over a year, some in one run."""
    run = SubmissionRun.objects.create(created_by=sales_user, status="finished")
    created_at = Row._meta.get_field("created_at")
    created_at.auto_now_add = False
    start = timezone.now() - dt.timedelta(days=365)
    batch = []
    try:
        for i in range(2 * ROWS_EACH):
            status, hold, code, field = KINDS[i % len(KINDS)]
            batch.append(Row(
                module=MODULES[i % len(MODULES)], owner=(sales_user, admin_user)[i % 2],
                status=status, hold=hold, error_code=code, error_field=field,
                error_message="invalid" if code else "", hold_reason="same" if hold else "",
                payload={"Last_Name": f"Person {i}", "Email": f"p{i}@example.com"},
                bigin_id=str(5550000000000 + i) if status == "created" else "",
                run=run if i % 3 == 0 else None,
                created_at=start + dt.timedelta(days=i)))
        Row.objects.bulk_create(batch)
    finally:
        created_at.auto_now_add = True
    return run


def sales_pages(run: SubmissionRun) -> dict[str, str]:
    return {
        "my rows": "/records/",
        "my rows, last page": "/records/?page=last",
        "my rows, failed": "/records/?status=failed",
        "my rows, held": "/records/?status=held",
        "my rows, module": "/records/?module=Accounts",
        "my rows, search": "/records/?q=Person+12",
        "my rows, run": f"/records/?run={run.pk}",
        "run page": f"/runs/{run.pk}/",
    }


def admin_pages() -> dict[str, str]:
    day = (timezone.localdate() - dt.timedelta(days=100)).isoformat()
    cause = cause_key({"status": "failed", "hold": "", "error_code": "INVALID_DATA",
                       "error_field": "Phone", "module": "Contacts"})
    return {
        "review": "/review/",
        "review, module": "/review/?module=Contacts",
        "review, error code": "/review/?error_code=INVALID_DATA",
        "review, field": "/review/?field=Phone",
        "review, owner": "/review/?owner=sam",
        "review, dates": f"/review/?date_from={day}",
        "review, search": "/review/?text=Person+12",
        "review, cause": f"/review/?cause={cause}",
        "review, last page": "/review/?page=last",
        "all rows": "/rows/",
        "all rows, status": "/rows/?status=needs_review",
        "all rows, held": "/rows/?status=held",
        "all rows, module": "/rows/?module=Products",
        "all rows, owner": "/rows/?owner=sam",
        "all rows, dates": f"/rows/?date_from={day}&date_to={timezone.localdate()}",
        "all rows, search": "/rows/?q=p12%40example",
        "all rows, last page": "/rows/?page=last",
    }


def listed(response) -> list[str]:
    return re.findall(r'data-row-id="(\d+)"', response.content.decode())


def older_link(response) -> str:
    match = re.search(r'href="(\?[^"]*after=[^"]+)"', response.content.decode())
    assert match, "no link to older rows"
    return match.group(1).replace("&amp;", "&")


# A page's statements: session, user, groups, navigation (failed count, credits, connection),
# the list, its counts and at most a few of its own. A statement per listed row adds 50.
MAX_STATEMENTS = 14


@pytest.mark.parametrize("who", ["sales", "admin"])
def test_every_list_page_is_a_few_statements(who, rows, sales_client, admin_client,
                                             django_assert_max_num_queries):
    client, pages = (sales_client, sales_pages(rows)) if who == "sales" else (
        admin_client, admin_pages())
    for name, url in pages.items():
        with django_assert_max_num_queries(MAX_STATEMENTS, info=name):
            response = client.get(url)
        assert response.status_code == 200, name
        if name != "run page":
            assert listed(response), name  # the oracle counts only if rows were shown


def test_an_older_page_costs_what_the_first_does(rows, sales_client,
                                                 django_assert_max_num_queries):
    first = sales_client.get("/records/")
    with django_assert_max_num_queries(MAX_STATEMENTS):
        second = sales_client.get("/records/" + older_link(first))
    assert listed(second) and not set(listed(second)) & set(listed(first))


def plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(str(line[-1]) for line in cursor.fetchall())


def full_scans(sql: str) -> list[str]:
    """Plan lines reading the whole rows table, or sorting every row it matched (SQLite)."""
    how = plan(sql)
    bad = re.findall(r"^SCAN queue_row(?! USING (?:COVERING )?INDEX).*$", how, re.M)
    return bad


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's EXPLAIN QUERY PLAN")
@pytest.mark.parametrize("who", ["sales", "admin"])
def test_no_list_page_scans_the_rows_table(who, rows, sales_client, admin_client):
    from django.test.utils import CaptureQueriesContext

    client, pages = (sales_client, sales_pages(rows)) if who == "sales" else (
        admin_client, admin_pages())
    for name, url in pages.items():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        on_rows = [q["sql"] for q in captured.captured_queries if '"queue_row"' in q["sql"]]
        assert on_rows, name
        for sql in on_rows:
            assert not full_scans(sql), (name, sql, plan(sql))


def reads_search_candidates(sql: str, how: str) -> bool:
    """The statement reads only the rows a search's index named, by id (queue.listing.
    searched): at most SEARCH_CANDIDATES of them, each checked by id against the rest."""
    from bigin_ui.queue.listing import SEARCH_CANDIDATES

    ids = re.match(r'SELECT .*? FROM "queue_row" WHERE \("queue_row"\."id" IN \(([\d, ]+)\)',
                   sql)
    lines = how.splitlines()
    # Beside the rows read by id: subqueries reading a row or a user by id, or the metadata
    # by its key (the review's labels); no scan and no index of the rows table.
    return bool(ids) and len(ids.group(1).split(",")) <= SEARCH_CANDIDATES and lines[0] == (
        "SEARCH queue_row USING INTEGER PRIMARY KEY (rowid=?)") and all(
        re.match(r"((CORRELATED )?SCALAR SUBQUERY|SEARCH U\d USING INTEGER PRIMARY KEY|"
                 r"SEARCH U\d USING INDEX sqlite_autoindex_metadata_|"
                 r"USE TEMP B-TREE FOR (ORDER|GROUP) BY)", line) for line in lines[1:])


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's EXPLAIN QUERY PLAN")
def test_every_search_page_reads_only_its_candidates(rows, sales_client, admin_client):
    """A search reads the rows its trigram index named, by id, not every row in scope."""
    from django.test.utils import CaptureQueriesContext

    pages = [(sales_client, u) for n, u in sales_pages(rows).items() if "search" in n] + [
        (admin_client, u) for n, u in admin_pages().items() if "search" in n]
    assert len(pages) == 3
    for client, url in pages:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert listed(response), url
        # The page's rows and Review's groups; a bounded count (LIMIT 10001) may still walk
        # a status's range of its index, as every count does.
        searching = [q["sql"] for q in captured.captured_queries
                     if 'FROM "queue_row"' in q["sql"] and " LIKE " in q["sql"]
                     and ('ORDER BY "queue_row"."created_at"' in q["sql"]
                          or "GROUP BY" in q["sql"])]
        assert searching, url
        for sql in searching:
            assert reads_search_candidates(sql, plan(sql)), (url, sql, plan(sql))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's EXPLAIN QUERY PLAN")
def test_the_page_query_reads_rows_in_index_order(rows, sales_client, admin_client):
    """No page sorts its matches: each reads newest first along an index and stops at 51."""
    from django.test.utils import CaptureQueriesContext

    pages = [(sales_client, url) for url in sales_pages(rows).values()] + [
        (admin_client, url) for url in admin_pages().values()]
    for client, url in pages:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        for sql in (q["sql"] for q in captured.captured_queries):
            if 'FROM "queue_row"' in sql and 'ORDER BY "queue_row"."created_at"' in sql:
                how = plan(sql)
                # The review's IN over four statuses reads each status's range in index
                # order and stops early; SQLite reports the merge as a (bounded) B-tree.
                if "TEMP B-TREE FOR ORDER BY" in how and reads_search_candidates(sql, how):
                    continue  # a search's few candidates, read by id and sorted
                if "TEMP B-TREE FOR ORDER BY" in how:
                    # Not behind a join either: joined, SQLite loses the early stop and sorts
                    # every match.
                    # A correlated scalar subquery in the select list (the review's owner
                    # name) is not a join: it reads one user by primary key per listed row.
                    lines = [line for line in how.splitlines()
                             if not line.startswith("CORRELATED SCALAR SUBQUERY")
                             and not re.match(r"SEARCH U\d USING INTEGER PRIMARY KEY", line)]
                    assert len(lines) == 2, (url, sql, how)
                    assert re.search(r"USING INDEX row_status_created \(status=\?", how), (
                        url, sql, how)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's EXPLAIN QUERY PLAN")
def test_held_rows_look_their_duplicates_up_by_unique_value(rows, admin_client):
    """The held rows' problem texts find the other rows through the (module, unique_key)
    index, not along a status index that holds nearly every row."""
    from django.test.utils import CaptureQueriesContext

    Row.objects.filter(hold="duplicate").update(unique_key="email:same@example.com")
    with CaptureQueriesContext(connection) as captured:
        admin_client.get("/review/?status=pending")
    lookups = [q["sql"] for q in captured.captured_queries
               if re.search(r'"unique_key" (= |IN \()', q["sql"])]
    assert lookups
    for sql in lookups:
        assert "USING INDEX queue_row_module_" in plan(sql), (sql, plan(sql))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's EXPLAIN QUERY PLAN")
def test_my_rows_statements_search_by_owner(rows, sales_client):
    """A statement about one person's rows reads that person's part of an owner index,
    never a status index holding everyone's rows."""
    from django.test.utils import CaptureQueriesContext

    for name, url in sales_pages(rows).items():
        if not url.startswith("/records/"):
            continue
        with CaptureQueriesContext(connection) as captured:
            sales_client.get(url)
        for sql in (q["sql"] for q in captured.captured_queries):
            if 'FROM "queue_row"' in sql and '"owner_id" = ' in sql:
                how = plan(sql)
                # A search reads its candidates by id and checks the owner of each.
                assert "owner_id=?" in how or reads_search_candidates(sql, how), (
                    name, sql, how)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's EXPLAIN QUERY PLAN")
def test_review_groups_along_the_cause_index(rows, admin_client):
    """Unfiltered, the cause groups come out of the cause index in its order: nothing in the
    grouping (such as a subquery per group) makes SQLite sort every row needing attention
    first. (Filtered, SQLite reads the filter's index and sorts what it found.)"""
    from django.test.utils import CaptureQueriesContext

    for url in ("/review/",):
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(url).status_code == 200
        grouping = [q["sql"] for q in captured.captured_queries
                    if 'FROM "queue_row"' in q["sql"] and "GROUP BY" in q["sql"]]
        assert grouping, url
        for sql in grouping:
            assert "TEMP B-TREE FOR GROUP BY" not in plan(sql), (url, sql, plan(sql))


def test_reviews_pages_list_every_row_needing_attention_once(rows, admin_client,
                                                              django_assert_max_num_queries):
    """Review reads its page as plain values (listing.ListedRow): its Older and Newer links
    still walk every row needing attention once, newest first, at a page's statements."""
    from bigin_ui.queue.review import attention_rows

    expected = [str(pk) for pk in attention_rows().order_by("-created_at", "-pk")
                .values_list("pk", flat=True)]
    seen, url, pages = [], "/review/", []
    while True:
        with django_assert_max_num_queries(MAX_STATEMENTS, info=url):
            response = admin_client.get(url)
        pages.append(listed(response))
        seen += pages[-1]
        if 'data-testid="page-older"' not in response.content.decode():
            break
        url = "/review/" + older_link(response)
    assert len(pages) > 2 and seen == expected
    newer = re.search(r'href="(\?[^"]*before=[^"]+)"', response.content.decode())
    assert newer, "no link to newer rows"
    back = admin_client.get("/review/" + newer.group(1).replace("&amp;", "&"))
    assert listed(back) == pages[-2]
