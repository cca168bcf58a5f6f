"""Keyset pages, bounded counts and the row filters behind the list pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from bigin_ui.queue.listing import (
    HELD,
    Cursor,
    RowFilters,
    bounded_count,
    keyset_page,
    status_counts,
)
from bigin_ui.queue.models import Row

pytestmark = pytest.mark.django_db


def stamped_rows(owner, count: int, *, same_instant_every: int = 1, **fields) -> list[Row]:
    """Rows with the created_at we give; several may share one instant (ties)."""
    created_at = Row._meta.get_field("created_at")
    created_at.auto_now_add = False
    try:
        start = timezone.now() - dt.timedelta(days=10)
        fields = {"module": "Contacts", **fields}
        rows = [Row(owner=owner, payload={"Last_Name": f"P{i}"},
                    created_at=start + dt.timedelta(seconds=i // same_instant_every), **fields)
                for i in range(count)]
        return Row.objects.bulk_create(rows)
    finally:
        created_at.auto_now_add = True


def walk_older(rows, size: int) -> list[list[int]]:
    pages, page = [], keyset_page(rows, size=size)
    pages.append([r.pk for r in page.object_list])
    while not page.is_last:
        page = keyset_page(rows, after=page.older, size=size)
        pages.append([r.pk for r in page.object_list])
    return pages


def newest_first(rows) -> list[int]:
    return list(rows.order_by("-created_at", "-pk").values_list("pk", flat=True))


def test_older_pages_visit_every_row_once_in_order_even_when_timestamps_tie(staff):
    stamped_rows(staff, 23, same_instant_every=4)
    rows = Row.objects.all()
    pages = walk_older(rows, size=5)
    assert [pk for page in pages for pk in page] == newest_first(rows)
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]


def test_newer_page_is_the_page_before(staff):
    stamped_rows(staff, 12, same_instant_every=3)
    rows = Row.objects.all()
    first = keyset_page(rows, size=5)
    second = keyset_page(rows, after=first.older, size=5)
    back = keyset_page(rows, before=second.newer, size=5)
    assert [r.pk for r in back.object_list] == [r.pk for r in first.object_list]
    assert back.is_first and not back.is_last
    assert not second.is_first


def test_last_page_holds_the_oldest_rows_newest_first(staff):
    stamped_rows(staff, 12)
    rows = Row.objects.all()
    last = keyset_page(rows, last=True, size=5)
    assert [r.pk for r in last.object_list] == newest_first(rows)[-5:]
    assert last.is_last and not last.is_first
    assert last.older == ""
    assert [r.pk for r in keyset_page(rows, before=last.newer, size=5).object_list] == (
        newest_first(rows)[-10:-5])


def test_one_page_of_rows_has_no_other_pages(staff):
    stamped_rows(staff, 3)
    page = keyset_page(Row.objects.all(), size=5)
    assert not page.has_other_pages
    assert (page.newer, page.older) == ("", "")


def test_a_garbled_cursor_shows_the_first_page(staff):
    stamped_rows(staff, 7)
    page = keyset_page(Row.objects.all(), after="not-a-cursor", size=5)
    assert [r.pk for r in page.object_list] == newest_first(Row.objects.all())[:5]


def test_cursor_round_trips_to_the_microsecond():
    at = dt.datetime(2026, 11, 29, 18, 1, 2, 345678, tzinfo=dt.UTC)
    assert Cursor.decode(Cursor(at, 42).encode()) == Cursor(at, 42)


def test_bounded_count_stops_at_the_cap_and_says_so(staff):
    stamped_rows(staff, 7)
    exact, capped = bounded_count(Row.objects.all(), cap=10), bounded_count(
        Row.objects.all(), cap=5)
    assert (exact, str(exact), exact.capped) == (7, "7", False)
    assert (capped, str(capped), capped.capped) == (5, "5+", True)


def test_status_counts_match_a_group_by_below_the_cap(staff, django_user_model):
    other = django_user_model.objects.create_user("olga")
    stamped_rows(staff, 6, status=Row.Status.FAILED)
    stamped_rows(staff, 4, status=Row.Status.CREATED)
    stamped_rows(other, 5, status=Row.Status.PENDING)
    mine = Row.objects.filter(owner=staff)
    expected = dict(mine.values_list("status").annotate(n=Count("pk")))
    assert status_counts(mine) == expected
    capped = status_counts(mine, cap=5)
    assert capped == {"failed": 5, "created": 4}
    assert str(capped["failed"]) == "5+"


def test_filters_each_narrow_the_rows(staff, django_user_model):
    other = django_user_model.objects.create_user("olga")
    held = stamped_rows(staff, 1, hold=Row.Hold.DUPLICATE)[0]
    failed = stamped_rows(staff, 1, status=Row.Status.FAILED, module="Accounts")[0]
    theirs = Row.objects.create(module="Contacts", owner=other,
                                payload={"Last_Name": "Müller", "Email": "m@example.com"})
    everything = Row.objects.all()
    assert list(RowFilters(status=HELD).apply(everything)) == [held]
    assert list(RowFilters(status="failed").apply(everything)) == [failed]
    assert list(RowFilters(module="Accounts").apply(everything)) == [failed]
    assert list(RowFilters(owner="olga").apply(everything)) == [theirs]
    assert list(RowFilters(text="müller").apply(everything)) == [theirs]
    assert list(RowFilters(text="M@EXAMPLE").apply(everything)) == [theirs]
    today = timezone.localdate()
    assert list(RowFilters(date_from=today).apply(everything)) == [theirs]
    assert set(RowFilters(date_to=today - dt.timedelta(days=1)).apply(everything)) == {
        held, failed}


# --- search through the trigram index ------------------------------------------------------

SEARCHED_PAYLOADS = [
    {"Last_Name": "Müller", "First_Name": "Zoë"}, {"Last_Name": "Muller"},
    {"Last_Name": 'O"Brien \\ Sons'}, {"Last_Name": "MACDONALD", "Email": "mac@example.com"},
    {"Account_Name": "100% Pure_Water"}, {"Subject": "Call Anna"}, {"Last_Name": "Anna-Lena"},
]
SEARCHES = ["müller", "MÜLLER", "Muller", "zoë müller", 'o"brien \\ sons', "macdonald",
            "MAC@EXAMPLE", "100% pure", "pure_water", "anna", "ann", "an", "a", "Lena",
            "duplicate of", "INVALID", "email:mac@", "5550001", "nothing like this", " anna "]


@pytest.fixture
def searchable(staff):
    rows = [Row.objects.create(module="Contacts", owner=staff, payload=payload)
            for payload in SEARCHED_PAYLOADS]
    Row.objects.filter(pk=rows[0].pk).update(status="failed", error_code="INVALID_DATA",
                                             error_message="Invalid e-mail for Müller")
    Row.objects.filter(pk=rows[1].pk).update(hold="duplicate",
                                             hold_reason="Duplicate of row 1 (Anna)")
    Row.objects.filter(pk=rows[3].pk).update(unique_key="email:mac@example.com",
                                             bigin_id="5550001")
    return rows


@pytest.mark.postgres
def test_a_search_finds_through_the_index_exactly_what_it_finds_row_by_row(searchable, staff):
    """The oracle: the text query applied to every row, which is what searches did before
    the index (and still do where it cannot tell)."""
    from bigin_ui.queue.listing import searched, text_query

    scope = Row.objects.filter(owner=staff)
    for text in SEARCHES:
        expected = sorted(scope.filter(text_query(text)).values_list("pk", flat=True))
        assert sorted(searched(scope, text).values_list("pk", flat=True)) == expected, text
    # The oracle has something to say: most searches find a row, some find none.
    assert sum(bool(scope.filter(text_query(t)).exists()) for t in SEARCHES) >= 12


@pytest.mark.postgres
def test_the_index_follows_every_change_of_a_searched_column(searchable, staff):
    from bigin_ui.queue.listing import searched

    scope = Row.objects.filter(owner=staff)
    row = searchable[5]
    assert list(searched(scope, "Call Anna")) == [row]
    row.payload = {"Subject": "Call Bertha"}
    row.save()
    assert list(searched(scope, "Call Anna")) == []
    assert list(searched(scope, "bertha")) == [row]
    Row.objects.filter(pk=row.pk).update(error_message="Bigin said no to Bertha")
    assert list(searched(scope, "said no")) == [row]
    row.delete()
    assert list(searched(scope, "bertha")) == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's trigram index")
def test_the_index_names_the_candidates_or_says_it_cannot(searchable, staff, monkeypatch):
    from bigin_ui.queue import listing

    assert set(listing.text_candidates("anna")) >= {searchable[5].pk, searchable[6].pk}
    assert listing.text_candidates("an") is None  # shorter than a trigram
    assert listing.text_candidates("5550001") == [searchable[3].pk]  # by Bigin ID
    monkeypatch.setattr(listing, "SEARCH_CANDIDATES", 1)
    assert listing.text_candidates("anna") is None  # too common: the rows' own order
    monkeypatch.undo()
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER queue_row_text_update")
    assert listing.text_candidates("anna") is None  # the index may be stale: not used
