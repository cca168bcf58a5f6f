"""The Content-Security-Policy header on every HTML page, and pages that need no inline code.

The pages come from the URL conf, fetched anonymously, as a sales user and as an admin, so a
new view is covered without being listed here.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from bigin_ui.queue.models import Row, SubmissionRun
from bigin_ui.queue.rows import create_row
from tests.urlconf import concrete_urls

pytestmark = pytest.mark.django_db(databases="__all__")

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
# An attribute starting with "on" (onclick=, onerror=), htmx's hx-on, or a style attribute.
INLINE_ATTRIBUTE = re.compile(r"""<[a-z][^>]*?\s(on[a-z]+|hx-on[:\-\w]*|style)\s*=""", re.I)
INLINE_STYLE_ELEMENT = re.compile(r"<style\b", re.I)


@pytest.fixture
def pages(contacts_metadata, sales_user, admin_user):
    row = create_row(module="Contacts", owner=sales_user, payload={"Last_Name": "Csp"})
    Row.objects.filter(pk=row.pk).update(status=Row.Status.FAILED, error_code="INVALID_DATA",
                                         error_message="invalid data", error_field="Email")
    run = SubmissionRun.objects.create(created_by=sales_user, rows_total=2, rows_sent=1,
                                       status=SubmissionRun.Status.RUNNING)
    clients = {"anon": Client()}
    for role, user in (("sales", sales_user), ("admin", admin_user)):
        clients[role] = Client()
        clients[role].force_login(user)
    urls = concrete_urls({"row": str(row.pk), "run": str(run.pk), "module": "Contacts"})
    return clients, urls


def html_responses(clients, urls):
    seen = 0
    for _name, url in urls:
        for role, client in clients.items():
            response = client.get(url, {"q": "Cs"})
            if response.get("Content-Type", "").startswith("text/html"):
                seen += 1
                yield role, url, response
    assert seen >= 20  # the oracle must have had pages to judge


def test_every_html_response_carries_the_policy(pages):
    for role, url, response in html_responses(*pages):
        policy = response.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy, (role, url, response.status_code)
        assert "style-src 'self'" in policy, (role, url)
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (role, url)
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_error_pages_carry_the_policy_too(pages):
    clients, _urls = pages
    response = clients["sales"].get("/review/")
    assert response.status_code == 403
    assert "script-src 'self'" in response["Content-Security-Policy"]
    response = clients["sales"].get("/no-such-page/")
    assert response.status_code == 404
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_no_page_has_inline_script_handlers_or_styles(pages):
    for role, url, response in html_responses(*pages):
        text = b"".join(response).decode() if response.streaming else response.content.decode()
        assert not INLINE_SCRIPT.search(text), (role, url, INLINE_SCRIPT.search(text))
        assert not INLINE_ATTRIBUTE.search(text), (role, url, INLINE_ATTRIBUTE.search(text))
        assert not INLINE_STYLE_ELEMENT.search(text), (role, url)


def test_the_inline_detector_sees_what_it_must():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/app.js"></script>')
    assert INLINE_ATTRIBUTE.search('<img src=x onerror="alert(1)">')
    assert INLINE_ATTRIBUTE.search('<div hx-on:click="x()">')
    assert INLINE_ATTRIBUTE.search('<span style="width:5rem">')
    assert not INLINE_ATTRIBUTE.search('<a data-onion="1" class="btn">')
