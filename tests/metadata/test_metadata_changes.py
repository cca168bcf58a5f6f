"""Bigin's metadata changes and the app follows with a sync, without a code change.

Fields are changed in the sandbox through its control API, as an admin would in Bigin's
settings; ``manage.py bigin_sync`` then brings the new field into the form, and holds the queued
rows that the new rules refuse so that no submit sends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command

from bigin_ui.metadata.models import MetadataChange
from bigin_ui.queue.models import Row
from bigin_ui.queue.rows import create_row
from bigin_ui.queue.runs import start_run


def sync() -> None:
    call_command("bigin_sync", stdout=None)




# -- new fields ---------------------------------------------------------------------------------

NEW_FIELDS = {
    "text": {"api_name": "Nickname", "field_label": "Nickname", "data_type": "text"},
    "picklist": {"api_name": "Loyalty_Tier", "field_label": "Loyalty Tier",
                 "data_type": "picklist", "pick_list_values": ["Gold", "Silver"]},
    "date": {"api_name": "Birthday", "field_label": "Birthday", "data_type": "date"},
    "currency": {"api_name": "Credit_Limit", "field_label": "Credit Limit",
                 "data_type": "currency", "decimal_place": 2},
    "boolean": {"api_name": "Do_Not_Call", "field_label": "Do Not Call",
                "data_type": "boolean"},
    "multiselectpicklist": {"api_name": "Languages", "field_label": "Languages",
                            "data_type": "multiselectpicklist",
                            "pick_list_values": ["English", "Swahili"]},
}


@pytest.mark.parametrize("data_type", list(NEW_FIELDS))
def test_a_field_added_in_bigin_appears_in_the_form_after_a_sync(synced, sales_client,
                                                                 data_type):
    spec = NEW_FIELDS[data_type]
    synced.fields(module="Contacts", add=spec)
    sync()
    html = sales_client.get("/records/Contacts/new/").content.decode()
    assert f'name="{spec["api_name"]}"' in html
    assert spec["field_label"] in html


def test_a_value_for_an_added_field_is_queued(synced, sales_client):
    synced.fields(module="Contacts", add=NEW_FIELDS["picklist"])
    sync()
    response = sales_client.post("/records/Contacts/new/",
                                 {"Last_Name": "Tiered", "Loyalty_Tier": "Gold"})
    assert response.status_code == 302
    assert Row.objects.get().payload["Loyalty_Tier"] == "Gold"


# -- changed rules ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    module: str
    field: str
    changes: dict[str, Any]
    kind: str  # the MetadataChange entry it makes
    refused: dict[str, Any]  # a queued payload the new rule refuses
    passing: dict[str, Any]  # one it still takes


CHANGES = {
    "made_mandatory": Change(
        "Contacts", "Title", {"required": True}, "required_changed",
        refused={"Last_Name": "Johnson"},
        passing={"Last_Name": "Williams", "Title": "Manager"}),
    "picklist_value_removed": Change(
        "Accounts", "Industry",
        {"pick_list_values": ["Travel & Tourism", "Technology", "Hospitality", "Healthcare",
                              "Education", "Manufacturing", "Financial Services"]},
        "picklist_changed",
        refused={"Account_Name": "Corner Shop", "Industry": "Retail"},
        passing={"Account_Name": "Techtronics Inc.", "Industry": "Technology"}),
    "length_shortened": Change(
        "Contacts", "Title", {"length": 10}, "length_changed",
        refused={"Last_Name": "Johnson", "Title": "HR Director"},
        passing={"Last_Name": "Williams", "Title": "Manager"}),
}


@pytest.fixture(params=list(CHANGES))
def changed(request, synced, sales_user) -> tuple[Change, Row, Row]:
    """Two rows queued under the old rules, then the change made in Bigin and synced."""
    change = CHANGES[request.param]
    refused = create_row(module=change.module, payload=change.refused, owner=sales_user)
    passing = create_row(module=change.module, payload=change.passing, owner=sales_user)
    synced.fields(module=change.module, update=change.field, changes=change.changes)
    sync()
    refused.refresh_from_db()
    passing.refresh_from_db()
    return change, refused, passing


def test_a_row_the_new_rule_refuses_is_held_with_the_reason(changed):
    change, refused, _ = changed
    assert refused.hold == Row.Hold.INVALID
    assert f"{change.field}:" in refused.hold_reason


def test_a_row_that_still_passes_is_untouched(changed):
    _, _, passing = changed
    assert (passing.status, passing.hold, passing.hold_reason) == (Row.Status.PENDING, "", "")


def test_a_held_row_is_not_submitted(changed, synced, sales_user):
    change, refused, passing = changed
    run = start_run(user=sales_user, owner=sales_user)
    refused.refresh_from_db()
    passing.refresh_from_db()
    assert run.rows_total == 1
    assert (refused.status, refused.bigin_id, refused.run_id) == (Row.Status.PENDING, "", None)
    assert passing.status == Row.Status.CREATED
    assert [r["id"] for r in synced.records(change.module)
            if r["id"] in {passing.bigin_id, refused.bigin_id}] == [passing.bigin_id]


def test_the_change_is_recorded_with_the_rows_it_invalidated(changed):
    change, _, _ = changed
    recorded = MetadataChange.objects.get(module=change.module)
    assert [(c["kind"], c["api_name"]) for c in recorded.changes] == [(change.kind,
                                                                       change.field)]
    assert recorded.invalidated_rows == 1
