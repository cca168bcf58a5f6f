from __future__ import annotations

import pytest

from bigin_ui.queue.models import Row, RowEvent
from bigin_ui.queue.rows import (
    RowError,
    create_row,
    discard_rows,
    edit_row,
    may_change,
    retry_rows,
)
from bigin_ui.queue.runs import flag_duplicates
from tests.factories import store_contacts_metadata

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def metadata():
    store_contacts_metadata()


def test_creating_a_row_records_who_entered_it(staff):
    row = create_row(module="Contacts", payload={"Last_Name": "A"}, owner=staff)
    event = RowEvent.objects.get(row=row)
    assert (event.kind, event.actor) == ("entered", staff)


def test_a_reference_to_a_queued_row_becomes_a_dependency(staff):
    parent = Row.objects.create(module="Accounts", owner=staff, payload={"Account_Name": "Co"})
    child = create_row(module="Contacts", payload={"Last_Name": "A",
                                                   "Account_Name": {"$row": parent.pk}},
                       owner=staff)
    assert list(child.depends_on.all()) == [parent]


def test_editing_keeps_the_old_and_new_values(staff):
    row = create_row(module="Contacts", payload={"Last_Name": "Old"}, owner=staff)
    Row.objects.filter(pk=row.pk).update(status=Row.Status.FAILED, error_code="INVALID_DATA")
    edit_row(row=row, payload={"Last_Name": "New"}, actor=staff)
    row.refresh_from_db()
    event = row.events.get(kind="edited")
    assert row.status == Row.Status.PENDING
    assert event.changes == {"Last_Name": ["Old", "New"]}


def test_a_created_row_cannot_be_edited(staff):
    row = create_row(module="Contacts", payload={"Last_Name": "X"}, owner=staff)
    Row.objects.filter(pk=row.pk).update(status=Row.Status.CREATED)
    with pytest.raises(RowError):
        edit_row(row=row, payload={"Last_Name": "Y"}, actor=staff)


def test_discarding_keeps_the_reason(staff):
    row = create_row(module="Contacts", payload={"Last_Name": "X"}, owner=staff)
    assert discard_rows(rows=[row], actor=staff, reason="test data") == 1
    row.refresh_from_db()
    assert row.status == Row.Status.DISCARDED
    assert row.events.get(kind="discarded").message == "test data"


def test_later_rows_with_the_same_unique_value_are_held_across_users(staff,
                                                                    django_user_model):
    other = django_user_model.objects.create_user("olga")
    first = create_row(module="Contacts", payload={"Last_Name": "A", "Email": "a@x.com"},
                       owner=other)
    second = create_row(module="Contacts", payload={"Last_Name": "B", "Email": "A@X.com"},
                        owner=staff)
    assert flag_duplicates(Row.objects.all()) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.hold == ""
    assert second.hold == Row.Hold.DUPLICATE
    assert f"row {first.pk}" in second.hold_reason and "olga" in second.hold_reason


def make_admin(django_user_model):
    from django.contrib.auth.models import Group

    from bigin_ui.roles import ADMIN_GROUP

    admin = django_user_model.objects.create_user("ada", "ada@example.com", "pw-admin-123")
    admin.groups.add(Group.objects.get_or_create(name=ADMIN_GROUP)[0])
    return admin


def test_a_row_whose_outcome_is_unknown_cannot_be_edited_or_retried(staff):
    # Bigin may have it: only reconciliation may send it again.
    row = create_row(module="Contacts", payload={"Last_Name": "Lost"}, owner=staff)
    Row.objects.filter(pk=row.pk).update(status=Row.Status.UNKNOWN)
    with pytest.raises(RowError):
        edit_row(row=row, payload={"Last_Name": "Changed"}, actor=staff)
    assert retry_rows(rows=[row], actor=staff) == 0
    row.refresh_from_db()
    assert (row.status, row.payload) == (Row.Status.UNKNOWN, {"Last_Name": "Lost"})


def test_only_an_admin_resends_a_row_that_needs_review(staff, django_user_model):
    row = create_row(module="Contacts", payload={"Last_Name": "Maybe"}, owner=staff)
    Row.objects.filter(pk=row.pk).update(status=Row.Status.NEEDS_REVIEW)
    row.refresh_from_db()
    assert not may_change(row, staff)
    with pytest.raises(RowError, match="admin"):
        edit_row(row=row, payload={"Last_Name": "Again"}, actor=staff)
    assert retry_rows(rows=[row], actor=staff) == 0
    admin = make_admin(django_user_model)
    assert may_change(row, admin)
    assert retry_rows(rows=[row], actor=admin) == 1
    row.refresh_from_db()
    assert row.status == Row.Status.PENDING


def test_retry_keeps_rows_a_metadata_change_invalidated_until_they_pass(staff):
    still_bad = create_row(module="Contacts", payload={"First_Name": "No last name"},
                           owner=staff)
    passes_now = create_row(module="Contacts", payload={"Last_Name": "Fine"}, owner=staff)
    Row.objects.filter(pk__in=[still_bad.pk, passes_now.pk]).update(
        hold=Row.Hold.INVALID, hold_reason="Last_Name: required")
    assert retry_rows(rows=[still_bad, passes_now], actor=staff) == 1
    still_bad.refresh_from_db()
    passes_now.refresh_from_db()
    assert still_bad.hold == Row.Hold.INVALID
    assert passes_now.hold == "" and passes_now.status == Row.Status.PENDING
