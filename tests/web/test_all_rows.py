"""The admins' "All rows" page and the search on "My rows": filters, search, permissions and
pages that work without JavaScript."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from bigin_ui.queue.models import Row

pytestmark = pytest.mark.django_db


def listed(response) -> set[int]:
    assert response.status_code == 200
    return {int(pk) for pk in re.findall(r'data-row-id="(\d+)"', response.content.decode())}


def row(owner, *, days_ago: int = 0, **fields) -> Row:
    created = Row.objects.create(owner=owner, **{"module": "Contacts", "payload": {
        "Last_Name": "Someone"}, **fields})
    if days_ago:
        Row.objects.filter(pk=created.pk).update(
            created_at=timezone.now() - dt.timedelta(days=days_ago))
    return created


@pytest.fixture
def mixed(sales_user, admin_user):
    return {
        "ann": row(sales_user, payload={"Last_Name": "Ann Müller", "Email": "ann@zylker.com"}),
        "failed": row(sales_user, status=Row.Status.FAILED, error_code="INVALID_DATA",
                      error_field="Phone", error_message="invalid phone"),
        "company": row(admin_user, module="Accounts", payload={"Account_Name": "Zylker"},
                       days_ago=40),
        "created": row(admin_user, status=Row.Status.CREATED, bigin_id="5550000000000777",
                       days_ago=400),
        "held": row(sales_user, hold=Row.Hold.DUPLICATE, hold_reason="Same Email as row 1"),
    }


def test_all_rows_is_for_admins_only(sales_client, admin_client):
    assert Client().get("/rows/").status_code == 302
    assert sales_client.get("/rows/").status_code == 403
    assert admin_client.get("/rows/").status_code == 200


def test_all_rows_lists_everyones_rows(admin_client, mixed):
    assert listed(admin_client.get("/rows/")) == {r.pk for r in mixed.values()}


@pytest.mark.parametrize(("query", "expected"), [
    ({"status": "failed"}, {"failed"}),
    ({"status": "held"}, {"held"}),
    ({"status": "created"}, {"created"}),
    ({"module": "Accounts"}, {"company"}),
    ({"owner": "ada"}, {"company", "created"}),
    ({"owner": "sam", "status": "pending"}, {"ann", "held"}),
    ({"q": "müller"}, {"ann"}),
    ({"q": "ZYLKER"}, {"ann", "company"}),
    ({"q": "5550000000000777"}, {"created"}),
    ({"q": "invalid phone"}, {"failed"}),
])
def test_all_rows_filters(admin_client, mixed, query, expected):
    assert listed(admin_client.get("/rows/", query)) == {mixed[k].pk for k in expected}


def test_all_rows_date_range(admin_client, mixed):
    today = timezone.localdate()
    recent = {"date_from": str(today - dt.timedelta(days=100))}
    assert listed(admin_client.get("/rows/", recent)) == {
        mixed[k].pk for k in ("ann", "failed", "company", "held")}
    window = {"date_from": str(today - dt.timedelta(days=100)),
              "date_to": str(today - dt.timedelta(days=10))}
    assert listed(admin_client.get("/rows/", window)) == {mixed["company"].pk}


def test_a_bad_filter_value_drops_only_that_filter(admin_client, mixed):
    response = admin_client.get("/rows/", {"date_from": "yesterday", "module": "Accounts"})
    assert listed(response) == {mixed["company"].pk}
    assert 'data-testid="filter-error"' in response.content.decode()


def test_my_rows_search_finds_only_my_own_rows(sales_client, mixed):
    assert listed(sales_client.get("/records/", {"q": "zylker"})) == {mixed["ann"].pk}
    assert listed(sales_client.get("/records/", {"q": "Ann Müller"})) == {mixed["ann"].pk}
    assert listed(sales_client.get("/records/", {"q": "no such name"})) == set()
    page = sales_client.get("/records/", {"q": "zylker"}).content.decode()
    assert 'value="zylker"' in page  # the box keeps what was typed


def test_my_rows_search_combines_with_the_status_filter(sales_client, mixed):
    assert listed(sales_client.get("/records/", {"q": "invalid", "status": "failed"})) == {
        mixed["failed"].pk}
    assert listed(sales_client.get("/records/", {"q": "invalid", "status": "created"})) == set()


def test_pages_are_plain_links_that_keep_the_filters(admin_client, admin_user):
    for i in range(120):
        row(admin_user, payload={"Last_Name": f"Zed {i}"})
    row(admin_user, module="Accounts", payload={"Account_Name": "Other"})
    seen: list[int] = []
    url = "/rows/?module=Contacts&q=zed"
    while url:
        response = admin_client.get(url)
        page = listed(response)
        assert page and not page & set(seen)
        seen.extend(page)
        match = re.search(r'href="(\?[^"]*after=[^"]*)"', response.content.decode())
        url = "/rows/" + match.group(1).replace("&amp;", "&") if match else ""
        if match:
            assert "module=Contacts" in url and "q=zed" in url
    assert len(seen) == 120
    oldest = admin_client.get("/rows/?module=Contacts&q=zed&page=last")
    assert len(listed(oldest)) == 50
    assert 'data-testid="page-newer"' in oldest.content.decode()
