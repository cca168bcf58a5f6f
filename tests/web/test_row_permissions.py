"""One permission rule for every row action: every role x state x action, through the pages.

The expected table below is the specification (issue 11): needs-review and unknown rows are
an admin's decision, a duplicate hold is lifted by its owner or an admin, a person without a
role does nothing, another sales person does not even find the row.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from bigin_ui.queue.models import Row, RowEvent
from bigin_ui.roles import SALES_GROUP
from tests.factories import store_contacts_metadata
from tests.urlconf import concrete_urls

pytestmark = pytest.mark.django_db

A, OWN = "admin", "owner"
AO = {A, OWN}
HELD = ["held_invalid", "held_duplicate", "held_waiting", "held_exists"]
STATES = ["pending", *HELD, "sending", "created", "failed", "unknown", "reconciling",
          "needs_review", "discarded"]
EXPECTED: dict[str, dict[str, set[str]]] = {
    "edit": {"pending": AO, **dict.fromkeys(HELD, AO), "failed": AO, "needs_review": {A}},
    "retry": {"failed": AO, "held_invalid": AO, "held_waiting": AO, "held_duplicate": {A},
              "held_exists": {A}, "needs_review": {A}},
    "discard": {"pending": AO, **dict.fromkeys(HELD, AO), "failed": AO, "unknown": {A},
                "needs_review": {A}},
    "link": {"failed": AO, "held_exists": AO, "held_duplicate": AO, "pending": {A},
             "held_invalid": {A}, "held_waiting": {A}, "unknown": {A}, "needs_review": {A},
             # Issue 10: "Admins can see and act on rows in every state"; a row whose
             # reconciling worker died may be marked as the record an admin found in Bigin.
             "reconciling": {A}},
    "allow": {"held_duplicate": AO},
}
ROLES = ["admin", "owner", "stranger", "no_role"]
BIGIN_ID = "5550000000000009999"


@pytest.fixture
def people(sales_user, admin_user, django_user_model, settings):
    # Resubmitting only queues a run here; no worker sends it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    store_contacts_metadata()
    stranger = django_user_model.objects.create_user("stan", "stan@example.com", "pw-stan-123")
    stranger.groups.add(Group.objects.get(name=SALES_GROUP))
    nobody = django_user_model.objects.create_user("nora", "nora@example.com", "pw-nora-123")
    return {"admin": admin_user, "owner": sales_user, "stranger": stranger, "no_role": nobody}


def make_row(owner, state: str) -> Row:
    status, hold = ("pending", state.removeprefix("held_")) if state in HELD else (state, "")
    return Row.objects.create(module="Contacts", owner=owner, status=status, hold=hold,
                              payload={"Last_Name": "Original"}, error_code="X"
                              if status == "failed" else "")


def act(client: Client, action: str, row: Row):
    if action == "edit":
        return client.post(f"/rows/{row.pk}/", {"Last_Name": "Edited", "save": "1"})
    data = {"discard": {"reason": "test"}, "link": {"bigin_id": BIGIN_ID}}.get(action, {})
    return client.post(f"/rows/{row.pk}/{action}/", data)


def happened(action: str, row: Row) -> bool:
    row.refresh_from_db()
    return {
        "edit": row.payload.get("Last_Name") == "Edited",
        "retry": RowEvent.objects.filter(row=row, kind="retry").exists(),
        "discard": RowEvent.objects.filter(row=row, kind="discarded").exists(),
        "link": row.bigin_id == BIGIN_ID,
        "allow": row.duplicate_ok,
    }[action]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(EXPECTED))
def test_every_role_state_and_action(people, action, state):
    for role in ROLES:
        owner = people["no_role"] if role == "no_role" else people["owner"]
        row = make_row(owner, state)
        was = row.status
        client = Client()
        client.force_login(people[role])
        response = act(client, action, row)
        allowed = role in EXPECTED[action].get(state, set())
        where = f"{role} {action} {state}"
        if role == "stranger":
            assert response.status_code == 404, where
        elif role == "no_role":
            assert response.status_code == 403, where
        else:
            assert response.status_code in {302, 400}, (where, response.status_code)
        assert happened(action, row) == allowed, where
        if not allowed:
            assert row.status == was, where


def test_a_sales_user_cannot_close_their_own_needs_review_row_by_linking(people):
    row = make_row(people["owner"], "needs_review")
    client = Client()
    client.force_login(people["owner"])
    response = client.post(f"/rows/{row.pk}/link/", {"bigin_id": BIGIN_ID}, follow=True)
    row.refresh_from_db()
    assert row.status == Row.Status.NEEDS_REVIEW and not row.bigin_id
    assert "An admin decides" in response.content.decode()


def test_the_row_page_offers_exactly_the_allowed_actions(people):
    for state in ("failed", "needs_review", "held_duplicate"):
        for role in ("owner", "admin"):
            row = make_row(people["owner"], state)
            client = Client()
            client.force_login(people[role])
            text = client.get(f"/rows/{row.pk}/").content.decode()
            for action in ("retry", "discard", "allow"):
                offered = f'action="/rows/{row.pk}/{action}/"' in text
                assert offered == (role in EXPECTED[action].get(state, set())), (
                    role, state, action)


# -- a person without a role -------------------------------------------------------------------


def test_no_role_gets_a_403_page_saying_whom_to_ask(people):
    client = Client()
    client.force_login(people["no_role"])
    response = client.get("/records/")
    assert response.status_code == 403
    text = " ".join(response.content.decode().split())
    assert "has no role in bigin_ui yet" in text and "Sales staff" in text
    assert "admin@example.com" in text  # the admins, by name and address
    assert 'href="/records/"' in text and "bootstrap" in text  # styled, with navigation


def test_no_role_can_neither_enter_nor_submit(people):
    client = Client()
    client.force_login(people["no_role"])
    assert client.post("/records/Contacts/new/", {"Last_Name": "Sneak"}).status_code == 403
    Row.objects.create(module="Contacts", owner=people["no_role"], payload={"Last_Name": "x"})
    assert client.post("/records/submit/").status_code == 403
    assert not Row.objects.filter(payload__Last_Name="Sneak").exists()
    assert Row.objects.get(owner=people["no_role"]).status == Row.Status.PENDING


# Home only redirects onwards; a person's own profile (time zone) enters and submits nothing.
# A new page must be added here on purpose, or refuse people without a role.
OPEN_TO_ALL = {"", "home", "healthz", "login", "logout", "profile"}


def test_every_page_of_the_app_refuses_a_person_without_a_role(people):
    row = make_row(people["no_role"], "failed")
    client = Client()
    client.force_login(people["no_role"])
    checked = 0
    for name, url in concrete_urls({"row": str(row.pk), "run": "1", "module": "Contacts"}):
        if name in OPEN_TO_ALL or url.startswith("/sandbox/"):
            continue
        for method in (client.get, client.post):
            status = method(url).status_code
            assert status in {403, 405}, (url, method.__name__, status)
            checked += status == 403
    assert checked >= 15
