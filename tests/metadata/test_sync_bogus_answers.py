"""Metadata sync is all-or-nothing (issue 10): an answer that is not a well-formed field list
changes nothing, says why, and never gives a traceback or a 500."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from bigin_ui.metadata.models import MetadataChange, ModuleMetadata
from bigin_ui.metadata.services import sync_metadata
from tests.hostile import Hostile, point_app_at

FIELD = {"api_name": "Last_Name", "field_label": "Last Name", "data_type": "text",
         "json_type": "string", "length": 80}

BOGUS = {
    "empty_object": (200, b"{}"),
    "no_content": (204, None),
    "error_envelope_with_200": (
        200, b'{"code":"INTERNAL_ERROR","details":{},"message":"Internal Server Error",'
             b'"status":"error"}'),
    "fields_is_a_string": (200, b'{"fields":"abc"}'),
    "fields_are_not_objects": (200, b'{"fields":[1,2,3]}'),
    "empty_field_list": (200, b'{"fields":[]}'),
    "field_without_api_name": (200, json.dumps({"fields": [{"field_label": "x"}]}).encode()),
    "absurd_api_name": (200, json.dumps({"fields": [{**FIELD, "api_name": "<b>x</b>"}]})
                        .encode()),
    "duplicate_api_names": (200, json.dumps({"fields": [FIELD, FIELD]}).encode()),
    "picklist_not_a_list": (200, json.dumps({"fields": [{**FIELD,
                                                          "pick_list_values": "a"}]}).encode()),
    "label_not_text": (200, json.dumps({"fields": [{**FIELD, "field_label": {"x": 1}}]})
                       .encode()),
    "two_hundred_thousand_fields": (
        200, json.dumps({"fields": [{**FIELD, "api_name": f"F_{i}"}
                                    for i in range(200_000)]}).encode()),
    "html": (200, b"<html><body>maintenance</body></html>"),
    "truncated": (200, b'{"fields":[{"api_name":"Last_'),
}


@pytest.fixture
def hostile(synced, settings):
    upstream = Hostile(synced.base_url)
    point_app_at(settings, upstream, synced.base_url)
    yield upstream
    upstream.close()


def snapshot():
    return {m.module: (m.fields, m.layouts, m.fingerprint) for m in ModuleMetadata.objects.all()}


@pytest.mark.parametrize("name", BOGUS)
def test_a_bogus_field_list_changes_nothing_and_says_why(hostile, name):
    status, body = BOGUS[name]
    before, changes = snapshot(), MetadataChange.objects.count()
    hostile.reads["/bigin/v2/settings/fields?module=Contacts"] = (status, "application/json",
                                                                  body)
    from bigin_ui.connection.services import build_client

    report = sync_metadata(client=build_client(), modules=["Contacts", "Accounts"])
    contacts, accounts = report.modules
    assert not contacts.ok and contacts.error
    assert "Traceback" not in contacts.error
    assert accounts.ok  # another module's good answer is still taken
    assert snapshot()["Contacts"] == before["Contacts"]
    assert MetadataChange.objects.count() == changes
    assert not report.ok and "Contacts" not in report.changed_modules


def test_sync_now_with_a_bogus_answer_is_a_message_not_a_500(hostile, admin_client):
    before = snapshot()
    hostile.reads["/bigin/v2/settings/fields"] = (200, "application/json", b'{"fields":"abc"}')
    response = admin_client.post(reverse("connection_sync"), follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "fields" in text and "as a str" in text
    assert snapshot() == before


def test_bigin_sync_with_a_bogus_answer_exits_non_zero_without_a_traceback(hostile, capsys):
    before = snapshot()
    hostile.reads["/bigin/v2/settings/fields"] = (204, "application/json", None)
    with pytest.raises(Exception) as raised:  # noqa: PT011 - CommandError or SystemExit
        call_command("bigin_sync")
    assert "errors" in str(raised.value)
    err = capsys.readouterr().err
    assert "Contacts: FAILED" in err and "HTTP 204" in err
    assert snapshot() == before
