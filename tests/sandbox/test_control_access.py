"""Who may drive the sandbox's control API and its knob form.

The attack of issue 11: any page a user opens can POST ``text/plain`` to
``/sandbox/_control/fields`` (a "simple" cross-site request: no preflight, no CSRF token) and
add a field whose tooltip carries script. Writes now need JSON plus the control token or an
admin's session with its CSRF token; against a real org, admins only.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from bigin_ui.connection.models import SavedConnection
from bigin_ui.sandbox import store
from tests.sandbox_control import TOKEN_HEADER

pytestmark = pytest.mark.django_db(databases="__all__")

FIELD = {"module": "Contacts", "add": {"api_name": "Planted", "data_type": "text",
                                       "tooltip": "<script>alert(1)</script>"}}


@pytest.fixture
def token(settings):
    settings.BIGIN_SANDBOX_CONTROL_TOKEN = "control-token-for-these-tests"
    store.reset()
    return settings.BIGIN_SANDBOX_CONTROL_TOKEN


def planted() -> bool:
    schema = store.schema_for("Contacts")
    return "Planted" in schema.by_name


def post_json(client: Client, path: str, body: dict, **headers) -> object:
    return client.post(f"/sandbox/_control/{path}", json.dumps(body),
                       content_type="application/json", headers=headers)


def csrf_client(user) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/sandbox/")
    return client, client.cookies["csrftoken"].value


def test_a_cross_site_text_plain_post_is_refused(token):
    # What a hostile page can send without a preflight: a text/plain body, no token, no CSRF.
    response = Client(enforce_csrf_checks=True).post(
        "/sandbox/_control/fields", json.dumps(FIELD), content_type="text/plain",
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 415
    assert response.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert not planted()


def test_text_plain_is_refused_even_with_the_token(token):
    response = Client().post("/sandbox/_control/knobs", json.dumps({"latency_ms": 7}),
                             content_type="text/plain", headers={TOKEN_HEADER: token})
    assert response.status_code == 415
    assert store.get_state().knobs.get("latency_ms") is None


def test_json_without_token_or_session_is_refused(token):
    response = post_json(Client(), "fields", FIELD)
    assert response.status_code == 403
    assert not planted()
    assert post_json(Client(), "reset", {}).status_code == 403


def test_a_wrong_token_is_refused(token):
    assert post_json(Client(), "fields", FIELD, **{TOKEN_HEADER: "guess"}).status_code == 403
    assert not planted()


def test_json_with_the_token_is_accepted(token):
    assert post_json(Client(), "fields", FIELD, **{TOKEN_HEADER: token}).status_code == 200
    assert planted()


def test_an_admin_session_needs_the_csrf_token(token, admin_user):
    client, csrf = csrf_client(admin_user)
    assert post_json(client, "knobs", {"latency_ms": 3}).status_code == 403
    assert post_json(client, "knobs", {"latency_ms": 3}, **{"X-CSRFToken": csrf}
                     ).status_code == 200
    assert store.get_state().knobs["latency_ms"] == 3


def test_a_sales_session_with_csrf_is_not_enough(token, sales_user):
    client, csrf = csrf_client(sales_user)
    response = post_json(client, "fields", FIELD, **{"X-CSRFToken": csrf})
    assert response.status_code == 403
    assert not planted()


def test_reads_stay_open_in_sandbox_mode(token):
    assert Client().get("/sandbox/_control/stats").status_code == 200


# -- against a real org: admins only ------------------------------------------------------------


@pytest.fixture
def real_org(token):
    SavedConnection.objects.update_or_create(pk=1, defaults={"mode": SavedConnection.Mode.LIVE})


def test_real_org_refuses_the_token_alone(real_org, token):
    assert post_json(Client(), "fields", FIELD, **{TOKEN_HEADER: token}).status_code == 403
    assert Client().get("/sandbox/_control/stats").status_code == 403
    assert not planted()


def test_real_org_lets_an_admin_through(real_org, token, admin_user):
    client = Client()
    client.force_login(admin_user)
    assert post_json(client, "fields", FIELD, **{TOKEN_HEADER: token}).status_code == 200
    assert client.get("/sandbox/_control/stats").status_code == 200


def test_real_org_page_is_for_admins(real_org, sales_user, admin_user):
    assert Client().get("/sandbox/").status_code == 403
    sales = Client()
    sales.force_login(sales_user)
    assert sales.get("/sandbox/").status_code == 403
    admin = Client()
    admin.force_login(admin_user)
    assert admin.get("/sandbox/").status_code == 200


def test_environment_credentials_count_as_a_real_org(token, settings):
    settings.BIGIN_CLIENT_ID, settings.BIGIN_REFRESH_TOKEN = "1000.X", "1000.r"
    assert post_json(Client(), "knobs", {"latency_ms": 1}, **{TOKEN_HEADER: token}
                     ).status_code == 403


# -- the page's knob form ---------------------------------------------------------------------


def test_admins_see_the_knobs_as_a_form(token, admin_user, sales_user):
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get("/sandbox/").content.decode()
    assert 'action="/sandbox/knobs"' in page and 'name="latency_ms"' in page
    sales = Client()
    sales.force_login(sales_user)
    page = sales.get("/sandbox/").content.decode()
    assert 'action="/sandbox/knobs"' not in page and "latency_ms" in page


def test_the_knob_form_changes_knobs(token, admin_user):
    client, csrf = csrf_client(admin_user)
    response = client.post("/sandbox/knobs", {
        "csrfmiddlewaretoken": csrf, "latency_ms": "25", "rate_500": "0.5",
        "drop_mode": "before_headers", "multi_status": "207", "token_throttle": "1",
        "token_ttl_seconds": "3600", "token_throttle_limit": "10", "seed": "7",
        "max_concurrency": "0", "rate_429": "0", "rate_drop": "0",
        "search_lag_seconds": "0"})
    assert response.status_code == 302
    knobs = store.get_state().knobs
    assert (knobs["latency_ms"], knobs["rate_500"], knobs["drop_mode"], knobs["multi_status"],
            knobs["seed"], knobs["strict_picklists"]) == (25, 0.5, "before_headers", 207, 7,
                                                          False)


def test_a_bad_knob_value_is_shown_on_the_form(token, admin_user):
    client, csrf = csrf_client(admin_user)
    response = client.post("/sandbox/knobs", {"csrfmiddlewaretoken": csrf, "rate_500": "2",
                                              "latency_ms": "<b>x</b>"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "must be" in text and "<b>x</b>" not in text
    assert store.get_state().knobs.get("rate_500") is None


def test_the_knob_form_is_for_admins_with_csrf(token, admin_user, sales_user):
    sales, csrf = csrf_client(sales_user)
    assert sales.post("/sandbox/knobs", {"csrfmiddlewaretoken": csrf,
                                         "latency_ms": "9"}).status_code == 403
    admin, _csrf = csrf_client(admin_user)
    assert admin.post("/sandbox/knobs", {"latency_ms": "9"}).status_code == 403
    assert store.get_state().knobs.get("latency_ms") is None
