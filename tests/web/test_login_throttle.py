"""Login throttling (django-axes): lockout per username and per address, and an admin unlock."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

LIMIT = 3


@pytest.fixture(autouse=True)
def limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def attempt(username: str, password: str, *, ip: str = "10.0.0.1") -> object:
    return Client(REMOTE_ADDR=ip).post("/accounts/login/",
                                       {"username": username, "password": password})


def logged_in(response) -> bool:
    # A login lands on "/", which sends each role on to its start page.
    return response.status_code == 302 and response["Location"] == "/"


def test_the_right_password_after_too_many_failures_is_refused(sales_user):
    for _ in range(LIMIT - 1):
        assert attempt("sam", "wrong").status_code == 200  # the form, saying it was wrong
    assert attempt("sam", "wrong").status_code == 429  # the failure that reaches the limit
    response = attempt("sam", "pw-sales-123")
    assert response.status_code == 429
    text = " ".join(response.content.decode().split())
    assert "Log-in locked" in text and "ask a bigin_ui admin" in text
    assert "minutes" in text  # how long it lasts


def test_a_locked_username_stays_locked_from_another_address(sales_user):
    for _ in range(LIMIT):
        attempt("sam", "wrong", ip="10.0.0.1")
    assert attempt("sam", "pw-sales-123", ip="10.0.0.99").status_code == 429


def test_failures_across_usernames_lock_the_address(sales_user, admin_user):
    for name in ("nobody", "ghost", "ada"):
        attempt(name, "wrong", ip="10.0.0.7")
    assert attempt("sam", "pw-sales-123", ip="10.0.0.7").status_code == 429
    assert logged_in(attempt("sam", "pw-sales-123", ip="10.0.0.8"))


def test_fewer_failures_than_the_limit_still_log_in(sales_user):
    for _ in range(LIMIT - 1):
        attempt("sam", "wrong")
    assert logged_in(attempt("sam", "pw-sales-123"))
    # A success clears the count: the limit applies to failures in a row.
    for _ in range(LIMIT - 1):
        attempt("sam", "wrong")
    assert logged_in(attempt("sam", "pw-sales-123"))


def test_an_admin_unlocks_in_djangos_admin(sales_user, admin_client, django_user_model):
    for _ in range(LIMIT):
        attempt("sam", "wrong")
    assert attempt("sam", "pw-sales-123").status_code == 429
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "pw-r00t!")
    admin = Client()
    admin.force_login(superuser)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "sam" in listing.content.decode()
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    response = admin.post("/admin/axes/accessattempt/", {
        "action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert logged_in(attempt("sam", "pw-sales-123"))


def test_behind_a_trusted_proxy_the_forwarded_address_counts(settings, sales_user):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(LIMIT):
        Client(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.5").post(
            "/accounts/login/", {"username": "intruder", "password": "x"})
    # Another person behind the same proxy is not locked out by that.
    response = Client(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.6").post(
        "/accounts/login/", {"username": "sam", "password": "pw-sales-123"})
    assert logged_in(response)
    # A client cannot dodge the count by claiming another address in front of the proxy's.
    response = Client(REMOTE_ADDR="192.0.2.1",
                      HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5").post(
        "/accounts/login/", {"username": "sam", "password": "pw-sales-123"})
    assert response.status_code == 429


def test_force_login_and_client_login_are_not_throttled(sales_user):
    for _ in range(LIMIT + 2):
        attempt("sam", "wrong")
    client = Client()
    client.force_login(sales_user)
    assert client.get("/records/").status_code == 200
    # Client.login authenticates without a request: server-side code, not a web attempt.
    assert Client().login(username="sam", password="pw-sales-123")


def test_limit_and_lockout_come_from_the_environment(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = ("from django.conf import settings as s; "
            "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()), "
            "s.TRUSTED_PROXY_COUNT)")
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "bigin_ui.settings",
           "SECRET_KEY": "x", "LOGIN_FAILURE_LIMIT": "7", "LOGIN_LOCKOUT_MINUTES": "2",
           "TRUSTED_PROXY_COUNT": "1", "BIGIN_UI_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"],
                         env=env, cwd=root, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["7", "120", "1"], out.stderr
