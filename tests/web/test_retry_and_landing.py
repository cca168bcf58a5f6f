"""Retrying a row that needs review, and where each role lands after logging in."""

from __future__ import annotations

import re
from html import unescape

from django.urls import reverse

from bigin_ui.queue.history import attempts_of
from bigin_ui.queue.models import Attempt, Row
from bigin_ui.queue.rows import create_row
from bigin_ui.queue.runs import start_run

PASSWORD = "landing-pass-123"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html))).strip(" >")


def lost_answer(row: Row) -> None:
    """As reconciliation leaves a row whose answer was lost and could not be settled."""
    Row.objects.filter(pk=row.pk).update(
        status=Row.Status.NEEDS_REVIEW, bigin_id="", send_count=4,
        last_problem="Bigin's answer was lost 4 times; check in Bigin whether the record "
                     "exists, then link or resend it.")


def test_retry_of_a_row_that_needs_review_upserts_on_its_entry_key(
        synced, admin_client, sales_user, settings):
    settings.BIGIN_ENTRY_KEYS = {"Contacts": "Entry_Key"}
    row = create_row(module="Contacts", owner=sales_user,
                     payload={"Last_Name": "Lost", "Email": "lost@example.com"})
    start_run(user=sales_user, owner=sales_user)
    row.refresh_from_db()
    created_id = row.bigin_id
    assert row.status == Row.Status.CREATED
    lost_answer(row)  # Bigin created it, but the app never heard

    page = text_of(admin_client.get(reverse("row_detail", args=[row.pk])).content.decode())
    assert "sends it as an upsert on its entry key (Entry_Key)" in page
    admin_client.post(reverse("row_retry", args=[row.pk]))

    row.refresh_from_db()
    assert (row.status, row.bigin_id, row.error_code) == (Row.Status.CREATED, created_id, "")
    last = attempts_of(row)[0]
    assert last.kind == Attempt.Kind.UPSERT
    assert last.request_body["duplicate_check_fields"] == ["Entry_Key"]
    assert [r["Email"] for r in synced.records("Contacts")].count("lost@example.com") == 1


def test_without_an_entry_key_the_page_says_why_an_admin_looks_first(
        admin_client, sales_user, contacts_metadata, settings):
    settings.BIGIN_ENTRY_KEYS = {}
    row = create_row(module="Contacts", owner=sales_user,
                     payload={"Last_Name": "Lost", "Email": "lost@example.com"})
    lost_answer(row)
    html = admin_client.get(reverse("row_detail", args=[row.pk])).content.decode()
    help_text = text_of(html.split('data-testid="retry-help"')[1].split("</div>")[0])
    assert "No entry key is configured for Contacts" in help_text
    assert "Look for it in Bigin first" in help_text
    assert 'aria-describedby="retry-help">Retry unchanged' in html


def test_admins_land_on_review_and_sales_staff_on_their_rows(client, admin_user, sales_user):
    for user, expected in ((admin_user, reverse("review")), (sales_user, reverse("my_rows"))):
        user.set_password(PASSWORD)
        user.save()
        response = client.post(reverse("login"), {"username": user.username,
                                                  "password": PASSWORD}, follow=True)
        assert response.redirect_chain[-1][0] == expected, user
        client.logout()


def test_a_login_with_a_next_page_still_goes_there(client, admin_user):
    admin_user.set_password(PASSWORD)
    admin_user.save()
    response = client.post(f"{reverse('login')}?next=/records/",
                           {"username": admin_user.username, "password": PASSWORD,
                            "next": "/records/"})
    assert response["Location"] == "/records/"
