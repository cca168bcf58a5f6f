"""Admins see rows in every state on /review/ and can settle unknown or stuck ones (issue 10:
"Admins can see and act on rows in every state from /review/")."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from bigin_ui.queue.models import Row


def stuck(owner, status, last_name):
    # As a worker killed mid-reconciliation leaves it: under a claim, lease run out.
    return Row.objects.create(module="Contacts", owner=owner, status=status, claim="dead" * 8,
                              lease_until=timezone.now() - timedelta(minutes=5), send_count=1,
                              payload={"Last_Name": last_name})


def test_reconciling_and_unknown_rows_are_listed_for_admins(admin_client, admin_user,
                                                            contacts_metadata):
    rows = [stuck(admin_user, Row.Status.RECONCILING, "Rec"),
            stuck(admin_user, Row.Status.UNKNOWN, "Unk")]
    page = admin_client.get(reverse("review")).content.decode()
    for row in rows:
        assert reverse("row_detail", args=[row.pk]) in page
    detail = admin_client.get(reverse("row_detail", args=[rows[0].pk])).content.decode()
    assert "Check Bigin again" in detail and "Mark as existing" in detail


def test_check_again_settles_a_stuck_reconciling_row_without_a_duplicate(
        synced, admin_client, admin_user, settings):
    settings.BIGIN_ENTRY_KEYS = {"Contacts": "Entry_Key"}
    settings.BIGIN_SEARCH_LAG_SECONDS = 0.2
    row = stuck(admin_user, Row.Status.RECONCILING, "Stuck Again")
    response = admin_client.post(reverse("row_reconcile", args=[row.pk]), follow=True)
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.status == Row.Status.CREATED, (row.status, row.last_problem)
    again = admin_client.post(reverse("row_reconcile", args=[row.pk]), follow=True)
    assert "Only rows whose outcome is unknown" in again.content.decode()
    names = [r for r in synced.records("Contacts") if r.get("Last_Name") == "Stuck Again"]
    assert len(names) == 1 and str(names[0]["id"]) == row.bigin_id


def test_a_stuck_reconciling_row_can_be_marked_as_existing(admin_client, admin_user,
                                                           contacts_metadata):
    row = stuck(admin_user, Row.Status.RECONCILING, "Marked")
    admin_client.post(reverse("row_link", args=[row.pk]),
                      {"bigin_id": "2034020000000712345"})
    row.refresh_from_db()
    assert (row.status, row.bigin_id) == (Row.Status.CREATED, "2034020000000712345")


def test_only_admins_may_ask_again(sales_client, sales_user, contacts_metadata):
    row = stuck(sales_user, Row.Status.UNKNOWN, "Mine")
    response = sales_client.post(reverse("row_reconcile", args=[row.pk]), follow=True)
    assert "Only an admin" in response.content.decode()
    row.refresh_from_db()
    assert row.status == Row.Status.UNKNOWN
