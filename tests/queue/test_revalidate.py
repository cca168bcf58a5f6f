from __future__ import annotations

import pytest

from bigin_ui.metadata.services import store_module
from bigin_ui.queue.models import Row
from bigin_ui.queue.revalidate import revalidate
from bigin_ui.queue.rows import create_row
from tests.factories import contacts_fields, store_contacts_metadata

pytestmark = pytest.mark.django_db


def resync(fields):
    return store_module(module="Contacts", fields=fields, layouts=[], tags=[])


def test_a_new_mandatory_field_holds_rows_that_lack_it(staff):
    store_contacts_metadata()
    row = create_row(module="Contacts", payload={"Last_Name": "A"}, owner=staff)
    fields = contacts_fields()
    next(f for f in fields if f["api_name"] == "Title")["system_mandatory"] = True
    changes = resync(fields)
    assert {c["kind"] for c in changes} == {"required_changed"}
    assert revalidate(modules=["Contacts"]) == {"Contacts": 1}
    row.refresh_from_db()
    assert row.hold == Row.Hold.INVALID
    assert "Title" in row.hold_reason


def test_a_shorter_length_holds_rows_and_a_fix_releases_them(staff):
    store_contacts_metadata()
    row = create_row(module="Contacts", payload={"Last_Name": "Abcdef"}, owner=staff)
    fields = contacts_fields()
    next(f for f in fields if f["api_name"] == "Last_Name")["length"] = 3
    resync(fields)
    revalidate(modules=["Contacts"])
    row.refresh_from_db()
    assert row.hold == Row.Hold.INVALID
    resync(contacts_fields())
    revalidate(modules=["Contacts"])
    row.refresh_from_db()
    assert row.hold == ""
