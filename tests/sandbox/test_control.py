"""The control API, runtime field changes and the human page."""

from __future__ import annotations

import re

import pytest
import requests

from bigin_ui.sandbox.constants import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from bigin_ui.sandbox.faults import KNOB_DEFAULTS
from tests.sandbox.helpers import contact, first, insert
from tests.sandbox_control import TOKEN_HEADER, SandboxError


def fields_of(sandbox, module):
    return {f["api_name"]: f for f in sandbox.api(
        "GET", "settings/fields", params={"module": module}).json()["fields"]}


def layout_field(sandbox, module, api_name):
    (layout,) = sandbox.api("GET", "settings/layouts", params={"module": module}).json()[
        "layouts"]
    return next(f for s in layout["sections"] for f in s["fields"] if f["api_name"] == api_name)


# -- knobs, stats, reset, records ------------------------------------------------------------------


def test_knobs_start_at_their_defaults(sandbox):
    assert sandbox.knobs() == KNOB_DEFAULTS


def test_knob_changes_are_merged(sandbox):
    sandbox.knobs(latency_ms=5)
    knobs = sandbox.knobs(rate_500=0.25)
    assert (knobs["latency_ms"], knobs["rate_500"]) == (5, 0.25)


def test_unknown_knob_is_a_json_400(sandbox):
    response = requests.post(f"{sandbox.base_url}/_control/knobs", json={"warp": 9}, timeout=10,
                             headers={TOKEN_HEADER: sandbox.control_token})
    assert response.status_code == 400
    assert response.json()["details"] == {"knob": "warp"}


def test_bad_knob_value_is_refused(sandbox):
    with pytest.raises(SandboxError):
        sandbox.knobs(rate_500=2)


def test_reset_clears_knobs_records_tags_fields_and_counters(sandbox):
    sandbox.knobs(latency_ms=5)
    insert(sandbox, "Contacts", contact("Gone", "gone@example.com", Tag=[{"name": "Temp"}]))
    sandbox.fields(module="Contacts", add={"api_name": "Pet", "field_label": "Pet",
                                           "data_type": "text"})
    sandbox.reset()
    assert sandbox.knobs()["latency_ms"] == 0
    assert "gone@example.com" not in [r["Email"] for r in sandbox.records("Contacts")]
    assert "Pet" not in fields_of(sandbox, "Contacts")
    tags = sandbox.api("GET", "settings/tags", params={"module": "Contacts"}).json()["tags"]
    assert "Temp" not in [t["name"] for t in tags]
    assert sandbox.stats()["records_created"] == 0


def test_reset_reseeds_the_demo_org(sandbox):
    assert len(sandbox.records("Accounts")) == 8
    assert {r["id"] for r in sandbox.records("Pipelines")} >= {"2034020000000489123",
                                                                 "2034020000000489080"}


def test_stats_name_every_counter(sandbox):
    assert {"token_issued", "api_calls", "write_calls", "records_created", "records_updated",
            "responses_429", "responses_500", "drops", "max_in_flight"} <= set(sandbox.stats())


def test_records_of_an_unknown_module_is_a_400(sandbox):
    response = requests.get(f"{sandbox.base_url}/_control/records", params={"module": "Leads"},
                            timeout=10)
    assert response.status_code == 400


def test_control_refuses_the_wrong_method(sandbox):
    assert requests.get(f"{sandbox.base_url}/_control/reset", timeout=10).status_code == 405


def test_grant_code_answer(sandbox):
    body = requests.post(f"{sandbox.base_url}/_control/grant-code", json={}, timeout=10,
                         headers={TOKEN_HEADER: sandbox.control_token}).json()
    assert (body["expires_in"], body["client_id"], body["client_secret"]) == (
        180, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)
    assert body["code"].startswith("1000.")


# -- runtime field changes -------------------------------------------------------------------------


def test_added_field_shows_in_fields_and_layouts(sandbox):
    answer = sandbox.fields(module="Contacts", add={"api_name": "Pet", "field_label": "Pet",
                                                    "data_type": "text", "length": 20})
    assert answer["field"]["custom_field"] is True
    assert fields_of(sandbox, "Contacts")["Pet"]["length"] == 20
    assert layout_field(sandbox, "Contacts", "Pet")["required"] is False


def test_added_field_is_taken_on_insert(sandbox):
    sandbox.fields(module="Contacts", add={"api_name": "Pet", "field_label": "Pet",
                                           "data_type": "text", "length": 20})
    assert insert(sandbox, "Contacts", contact(Pet="Rex")).status_code == 201


def test_added_field_length_is_enforced(sandbox):
    sandbox.fields(module="Contacts", add={"api_name": "Pet", "field_label": "Pet",
                                           "data_type": "text", "length": 3})
    assert first(insert(sandbox, "Contacts", contact(Pet="Rexy")))["details"][
        "maximum_length"] == 3


def test_required_added_field_is_mandatory(sandbox):
    sandbox.fields(module="Accounts", add={"api_name": "Region", "field_label": "Region",
                                           "data_type": "picklist", "required": True,
                                           "pick_list_values": ["North", "South"]})
    assert layout_field(sandbox, "Accounts", "Region")["required"] is True
    item = first(insert(sandbox, "Accounts", {"Account_Name": "No Region"}))
    assert (item["code"], item["details"]["api_name"]) == ("MANDATORY_NOT_FOUND", "Region")
    assert insert(sandbox, "Accounts", {"Account_Name": "North Co",
                                        "Region": "North"}).status_code == 201


def test_added_unique_field_refuses_duplicates(sandbox):
    sandbox.fields(module="Products", add={"api_name": "Barcode", "field_label": "Barcode",
                                           "data_type": "text", "unique": True})
    insert(sandbox, "Products", {"Product_Name": "P1", "Barcode": "123"})
    item = first(insert(sandbox, "Products", {"Product_Name": "P2", "Barcode": "123"}))
    assert (item["code"], item["details"]["api_name"]) == ("DUPLICATE_DATA", "Barcode")


def test_added_number_field_checks_its_type(sandbox):
    sandbox.fields(module="Contacts", add={"api_name": "Kids", "field_label": "Kids",
                                           "data_type": "integer"})
    assert first(insert(sandbox, "Contacts", contact(Kids="two")))["details"][
        "expected_data_type"] == "integer"


def test_system_field_can_become_required(sandbox):
    sandbox.fields(module="Contacts", update="Phone", changes={"required": True})
    assert first(insert(sandbox, "Contacts", contact()))["details"]["api_name"] == "Phone"


def test_updated_length_is_enforced(sandbox):
    sandbox.fields(module="Contacts", update="Title", changes={"length": 5})
    assert fields_of(sandbox, "Contacts")["Title"]["length"] == 5
    assert first(insert(sandbox, "Contacts", contact(Title="Director")))["details"][
        "maximum_length"] == 5


def test_updated_picklist_values_are_enforced(sandbox):
    sandbox.fields(module="Tasks", update="Priority", changes={"pick_list_values": ["P1", "P2"]})
    assert [v["actual_value"] for v in fields_of(sandbox, "Tasks")["Priority"][
        "pick_list_values"]] == ["P1", "P2"]
    assert first(insert(sandbox, "Tasks", {"Subject": "S", "Priority": "High"}))[
        "code"] == "INVALID_DATA"
    assert insert(sandbox, "Tasks", {"Subject": "S", "Priority": "P2"}).status_code == 201


def test_updated_label(sandbox):
    sandbox.fields(module="Contacts", update="Title", changes={"field_label": "Job Title"})
    assert fields_of(sandbox, "Contacts")["Title"]["display_label"] == "Job Title"


def test_removed_custom_field_is_unknown_afterwards(sandbox):
    sandbox.fields(module="Contacts", remove="Lead_Score")
    assert "Lead_Score" not in fields_of(sandbox, "Contacts")
    assert first(insert(sandbox, "Contacts", contact(Lead_Score=5)))["details"] == {
        "api_name": "Lead_Score", "json_path": "$.data[0].Lead_Score"}


def test_system_field_cannot_be_removed(sandbox):
    with pytest.raises(SandboxError, match="system field"):
        sandbox.fields(module="Contacts", remove="Email")


@pytest.mark.parametrize("spec", [
    {"api_name": "Email", "data_type": "text"},
    {"api_name": "9lives", "data_type": "text"},
    {"api_name": "Thing", "data_type": "hologram"},
    {"api_name": "Thing", "data_type": "picklist"},
    {"api_name": "Thing", "data_type": "text", "length": 300},
    {"api_name": "Thing", "data_type": "boolean", "unique": True},
])
def test_bad_field_additions_are_refused(sandbox, spec):
    with pytest.raises(SandboxError):
        sandbox.fields(module="Contacts", add=spec)


def test_sub_pipeline_values_come_from_the_team_pipelines_only(sandbox):
    with pytest.raises(SandboxError):
        sandbox.fields(module="Pipelines", update="Stage", changes={"pick_list_values": ["X"]})


# -- the human page --------------------------------------------------------------------------------


def test_page_shows_counts_and_knobs(sandbox):
    page = requests.get(f"{sandbox.base_url}/", timeout=10)
    assert page.status_code == 200
    assert "Bigin sandbox" in page.text and "rate_drop" in page.text
    assert '<th scope="row">Accounts</th><td>8</td>' in page.text
    assert "Acme Safaris Reseller Agreement" in page.text  # the newest record


def test_page_button_makes_a_grant_code_that_works(sandbox):
    session = requests.Session()
    page = session.get(f"{sandbox.base_url}/", timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    answer = session.post(f"{sandbox.base_url}/grant-code",
                          data={"csrfmiddlewaretoken": token}, timeout=10)
    code = re.search(r"Code <code>([^<]+)</code>", answer.text).group(1)
    body = sandbox.token_response(grant_type="authorization_code", code=code,
                                  client_id=SANDBOX_CLIENT_ID,
                                  client_secret=SANDBOX_CLIENT_SECRET).json()
    assert "refresh_token" in body


def test_page_form_needs_its_csrf_token(sandbox):
    assert requests.post(f"{sandbox.base_url}/grant-code", timeout=10).status_code == 403
