"""Styled 403, 404 and 500 pages with navigation; the 500 page needs no request context."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import path
from django.views.defaults import server_error

from bigin_ui import urls as project_urls

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("broken on purpose")


urlpatterns = [path("boom/", boom), *project_urls.urlpatterns]
handler403 = project_urls.handler403


def styled_with_navigation(text: str) -> bool:
    return ("bootstrap.min.css" in text and 'data-testid="error-nav"' in text
            and 'href="/records/"' in text)


def test_404_is_styled_with_navigation(sales_client):
    response = sales_client.get("/no/such/page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert styled_with_navigation(text) and "Not found" in text
    assert 'aria-label="Main"' in text  # the app's own header, for a logged-in person


def test_403_for_a_sales_user_on_an_admin_page(sales_client, admin_user):
    response = sales_client.get("/review/")
    assert response.status_code == 403
    text = " ".join(response.content.decode().split())
    assert styled_with_navigation(text) and "Admins only." in text
    assert "admin@example.com" in text


def test_500_renders_without_a_request_context():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    text = response.content.decode()
    assert styled_with_navigation(text) and "Something went wrong" in text


def test_500_from_a_failing_view(settings, sales_user):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    client.force_login(sales_user)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert styled_with_navigation(response.content.decode())
    assert "script-src 'self'" in response["Content-Security-Policy"]
