"""Every URL × every role, and CSRF on every POST."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bigin_ui.queue.models import Row

# name -> (method, kwargs, {role: expected status})
ANON_LOGIN = 302
TABLE: dict[str, tuple[str, dict, dict[str, int]]] = {
    "healthz": ("get", {}, {"anon": 200, "sales": 200, "admin": 200}),
    "home": ("get", {}, {"anon": ANON_LOGIN, "sales": 302, "admin": 302}),
    "login": ("get", {}, {"anon": 200, "sales": 302, "admin": 302}),
    "logout": ("post", {}, {"anon": 302, "sales": 302, "admin": 302}),
    "my_rows": ("get", {}, {"anon": ANON_LOGIN, "sales": 200, "admin": 200}),
    "profile": ("get", {}, {"anon": ANON_LOGIN, "sales": 200, "admin": 200}),
    "submit": ("post", {}, {"anon": ANON_LOGIN, "sales": 302, "admin": 302}),
    "new_record": ("get", {"module": "Contacts"},
                   {"anon": ANON_LOGIN, "sales": 200, "admin": 200}),
    "row_detail": ("get", {"pk": "own"}, {"anon": ANON_LOGIN, "sales": 200, "admin": 200}),
    "row_discard": ("post", {"pk": "own"}, {"anon": ANON_LOGIN, "sales": 302, "admin": 302}),
    "row_retry": ("post", {"pk": "own"}, {"anon": ANON_LOGIN, "sales": 302, "admin": 302}),
    "row_link": ("post", {"pk": "own"}, {"anon": ANON_LOGIN, "sales": 302, "admin": 302}),
    "row_allow": ("post", {"pk": "own"}, {"anon": ANON_LOGIN, "sales": 302, "admin": 302}),
    # Admins only; others are told so on the row's page, as for the other row actions.
    "row_reconcile": ("post", {"pk": "own"},
                      {"anon": ANON_LOGIN, "sales": 302, "admin": 302}),
    "run_status": ("get", {"pk": "run"}, {"anon": ANON_LOGIN, "sales": 200, "admin": 200}),
    "lookup": ("get", {"module": "Contacts"}, {"anon": ANON_LOGIN, "sales": 200, "admin": 200}),
    "review": ("get", {}, {"anon": ANON_LOGIN, "sales": 403, "admin": 200}),
    "all_rows": ("get", {}, {"anon": ANON_LOGIN, "sales": 403, "admin": 200}),
    "review_action": ("post", {}, {"anon": ANON_LOGIN, "sales": 403, "admin": 302}),
    "review_export": ("get", {}, {"anon": ANON_LOGIN, "sales": 403, "admin": 200}),
    "connection": ("get", {}, {"anon": ANON_LOGIN, "sales": 403, "admin": 200}),
    "connection_test": ("post", {}, {"anon": ANON_LOGIN, "sales": 403, "admin": 302}),
    "connection_sync": ("post", {}, {"anon": ANON_LOGIN, "sales": 403, "admin": 302}),
    "import_new": ("get", {}, {"anon": ANON_LOGIN, "sales": 200, "admin": 200}),
    "import_detail": ("get", {"pk": "import"}, {"anon": ANON_LOGIN, "sales": 200, "admin": 200}),
    "import_map": ("get", {"pk": "import"}, {"anon": ANON_LOGIN, "sales": 200, "admin": 200}),
    "import_confirm": ("post", {"pk": "import"},
                       {"anon": ANON_LOGIN, "sales": 302, "admin": 302}),
    "import_discard": ("post", {"pk": "import"},
                       {"anon": ANON_LOGIN, "sales": 302, "admin": 302}),
    "import_rejected": ("get", {"pk": "import"},
                        {"anon": ANON_LOGIN, "sales": 200, "admin": 200}),
}

# Views that answer GET and POST: their POST is checked too (a form with nothing useful in it).
ALSO_POSTED: dict[str, tuple[str, dict, dict[str, int]]] = {
    "new_record": ("post", {"module": "Contacts"},
                   {"anon": ANON_LOGIN, "sales": 400, "admin": 400}),
    "row_detail": ("post", {"pk": "own"}, {"anon": ANON_LOGIN, "sales": 400, "admin": 400}),
    "connection": ("post", {}, {"anon": ANON_LOGIN, "sales": 403, "admin": 400}),
    "import_new": ("post", {}, {"anon": ANON_LOGIN, "sales": 400, "admin": 400}),
    "import_map": ("post", {"pk": "import"}, {"anon": ANON_LOGIN, "sales": 400, "admin": 400}),
}
CASES = list(TABLE.items()) + [
    (f"{name} (POST)", spec) for name, spec in ALSO_POSTED.items()]


def named_patterns(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in {"admin", "sandbox"} or str(pattern.pattern).startswith(
                    ("admin", "sandbox")):
                continue
            yield from named_patterns(pattern.url_patterns, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name


def test_every_named_url_is_in_the_access_table():
    assert set(named_patterns()) == set(TABLE)


@pytest.fixture
def world(sales_user, admin_user, contacts_metadata, settings):
    settings.BIGIN_SANDBOX_URL = "http://127.0.0.1:9/sandbox"  # nothing listens: no real calls
    row = Row.objects.create(module="Contacts", owner=sales_user, payload={"Last_Name": "Own"},
                             status=Row.Status.FAILED, error_code="INVALID_DATA")
    from bigin_ui.queue.models import SubmissionRun

    run = SubmissionRun.objects.create(created_by=sales_user, status="finished")
    from bigin_ui.imports.models import Import

    checked = Import.objects.create(created_by=sales_user, owner=sales_user, module="Contacts",
                                    file_name="people.csv", sha256="0" * 64, status="checked",
                                    headers=["Last_Name"], mapping={"0": "Last_Name"},
                                    options={"time_zone": "UTC", "decimal": "."})
    return {"own": row.pk, "run": run.pk, "import": checked.pk,
            "users": {"sales": sales_user, "admin": admin_user}}


@pytest.mark.parametrize("role", ["anon", "sales", "admin"])
@pytest.mark.parametrize(("case", "spec"), CASES, ids=[case for case, _ in CASES])
def test_role_access(client, world, case, spec, role):
    method, kwargs, expected = spec
    name = case.removesuffix(" (POST)")
    kwargs = {k: world.get(v, v) for k, v in kwargs.items()}
    if role != "anon":
        client.force_login(world["users"][role])
    url = reverse(name, kwargs=kwargs)
    data = {"reason": "test", "bigin_id": "123", "action": "retry", "rows": [world["own"]]}
    response = getattr(client, method)(url, data) if method == "post" else client.get(url)
    assert response.status_code == expected[role], (name, role, response.status_code)
    if role == "anon" and expected[role] == ANON_LOGIN and name not in {"logout"}:
        assert response["Location"].startswith("/accounts/login/")


def test_other_peoples_rows_are_hidden_from_sales_but_not_admins(client, world, django_user_model):
    other = django_user_model.objects.create_user("olga", "o@example.com", "pw-x-123456")
    row = Row.objects.create(module="Contacts", owner=other, payload={"Last_Name": "X"})
    client.force_login(world["users"]["sales"])
    assert client.get(reverse("row_detail", args=[row.pk])).status_code == 404
    client.force_login(world["users"]["admin"])
    assert client.get(reverse("row_detail", args=[row.pk])).status_code == 200


@pytest.mark.parametrize("name", sorted(
    [n for n, spec in TABLE.items() if spec[0] == "post"] + list(ALSO_POSTED)))
def test_every_post_needs_a_csrf_token(world, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["admin"])
    kwargs = {k: world.get(v, v) for k, v in {**TABLE, **ALSO_POSTED}[name][1].items()}
    response = client.post(reverse(name, kwargs=kwargs), {"reason": "x"})
    assert response.status_code == 403


def test_roles_are_the_groups_of_that_user_only(django_user_model,
                                                django_assert_num_queries):
    """bigin_ui.roles reads a user's groups with its own statement: the app's two groups the
    user is in, not another user's, not another group, once per user object."""
    from django.contrib.auth.models import Group

    from bigin_ui.roles import ADMIN_GROUP, SALES_GROUP, is_admin, is_member

    admins, sales = (Group.objects.get_or_create(name=n)[0] for n in (ADMIN_GROUP, SALES_GROUP))
    other = Group.objects.create(name="Bigin admins (old)")
    both = django_user_model.objects.create_user("both")
    both.groups.add(admins, sales, other)
    seller = django_user_model.objects.create_user("seller")
    seller.groups.add(sales, other)
    nobody = django_user_model.objects.create_user("nobody")
    nobody.groups.add(other)
    boss = django_user_model.objects.create_superuser("boss")
    expected = {"both": (True, True), "seller": (False, True), "nobody": (False, False),
                "boss": (True, True)}
    for user in (both, seller, nobody, boss):
        fresh = django_user_model.objects.get(pk=user.pk)
        with django_assert_num_queries(0 if fresh.is_superuser else 1):
            assert (is_admin(fresh), is_member(fresh)) == expected[user.username]
