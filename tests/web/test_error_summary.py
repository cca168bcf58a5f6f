"""After a failed save, a summary of what to fix heads the form and links to each field."""

from __future__ import annotations

import re
from html import unescape

from django.urls import reverse

from bigin_ui.queue.models import Row


def summary_of(html: str) -> str:
    return html.split('data-testid="error-summary"')[1].split("</div>")[0]


def test_a_failed_save_heads_the_form_with_a_focused_summary_linking_each_field(
        sales_client, contacts_metadata):
    response = sales_client.post(reverse("new_record", args=["Contacts"]),
                                 {"First_Name": "Sarah", "Email": "not-an-email"})
    assert response.status_code == 400
    html = response.content.decode()
    assert html.index('data-testid="error-summary"') < html.index('class="record-form"')
    tag = re.search(r'<div [^>]*data-testid="error-summary"[^>]*>', html).group(0)
    assert "autofocus" in tag and 'tabindex="-1"' in tag
    links = {href: unescape(re.sub(r"\s+", " ", text))
             for href, text in re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary_of(html))}
    assert links["id_Email"].startswith("Email: ")
    assert links["id_Last_Name"].startswith("Last Name: ")
    assert 'id="id_Email"' in html and 'id="id_Last_Name"' in html


def test_a_first_look_at_a_form_has_no_summary(sales_client, contacts_metadata):
    html = sales_client.get(reverse("new_record", args=["Contacts"])).content.decode()
    assert "error-summary" not in html


def test_a_failed_rows_page_shows_bigins_error_without_a_summary_taking_the_focus(
        sales_client, sales_user, contacts_metadata):
    row = Row.objects.create(module="Contacts", owner=sales_user, status=Row.Status.FAILED,
                             payload={"Last_Name": "X", "Email": "x@example.com"},
                             error_code="INVALID_DATA", error_field="Email",
                             error_message="invalid data")
    html = sales_client.get(reverse("row_detail", args=[row.pk])).content.decode()
    # Opening the row is not a failed save: Bigin's error heads the page and sits on its
    # field, and nothing moves the focus.
    assert "error-summary" not in html
    assert "autofocus" not in html
    assert 'data-testid="bigin-error"' in html
