"""Reads over real HTTP: metadata, users, org, search, get and list."""

from __future__ import annotations

import time

from tests.sandbox.helpers import contact, first, insert

SEARCH_KEYS = {"Owner", "Created_Time", "Modified_Time", "Created_By", "$approval_state",
               "$layout_id", "$editable", "Tag", "id"}


def get(sandbox, path, **params):
    return sandbox.api("GET", path, params=params)


# -- settings --------------------------------------------------------------------------------------


def test_fields_of_a_module(sandbox):
    fields = get(sandbox, "settings/fields", module="Contacts").json()["fields"]
    assert [f["api_name"] for f in fields[:3]] == ["Owner", "First_Name", "Last_Name"]


def test_fields_without_module_is_required_param_missing(sandbox):
    response = get(sandbox, "settings/fields")
    assert (response.status_code, response.json()) == (400, {
        "code": "REQUIRED_PARAM_MISSING", "details": {"param_name": "module"},
        "message": "One of the expected parameter is missing", "status": "error"})


def test_fields_of_an_unknown_module(sandbox):
    assert get(sandbox, "settings/fields", module="Leads").json()["code"] == "INVALID_MODULE"


def test_layouts_for_every_module(sandbox):
    for module in ("Contacts", "Accounts", "Products", "Tasks", "Events", "Calls"):
        layouts = get(sandbox, "settings/layouts", module=module).json()["layouts"]
        assert [la["name"] for la in layouts] == ["Standard"]


def test_pipelines_layouts_differ_in_sub_pipelines_and_stages(sandbox):
    first_layout, second = get(sandbox, "settings/layouts", module="Pipelines").json()["layouts"]

    def values(layout, api_name):
        section = next(s for s in layout["sections"] if s["api_name"] == "Pipeline Information")
        meta = next(f for f in section["fields"] if f["api_name"] == api_name)
        return {v["actual_value"] for v in meta["pick_list_values"]}

    assert values(first_layout, "Sub_Pipeline").isdisjoint(values(second, "Sub_Pipeline"))
    assert values(first_layout, "Stage") != values(second, "Stage")


def test_one_layout_by_id(sandbox):
    layouts = get(sandbox, "settings/layouts/2034020000000095051", module="Pipelines").json()
    assert [la["name"] for la in layouts["layouts"]] == ["Partnerships"]


def test_tags_have_the_documented_shape(sandbox):
    body = get(sandbox, "settings/tags", module="Pipelines").json()
    tag = next(t for t in body["tags"] if t["name"] == "Adventure")
    assert set(tag) == {"id", "name", "color_code", "created_time", "modified_time",
                        "created_by", "modified_by"}
    assert body["info"] == {"count": len(body["tags"]), "allowed_count": 100}


def test_modules_listing(sandbox):
    modules = get(sandbox, "settings/modules").json()["modules"]
    assert {m["api_name"] for m in modules} == {"Contacts", "Accounts", "Pipelines", "Products",
                                                 "Tasks", "Events", "Calls"}


# -- users and org ---------------------------------------------------------------------------------


def test_all_users_with_info(sandbox):
    body = get(sandbox, "users", type="AllUsers").json()
    assert len(body["users"]) == 4
    assert body["info"] == {"per_page": 200, "count": 4, "page": 1, "more_records": False}


def test_users_have_the_recorded_keys(sandbox):
    user = get(sandbox, "users", type="CurrentUser").json()["users"][0]
    assert {"id", "zuid", "full_name", "email", "status", "confirm", "role", "profile",
            "time_zone", "offset", "Modified_Time", "Modified_By", "created_by",
            "$current_shift", "Preferred_Currency__s", "status_reason__s", "theme",
            "customize_info", "Isonline"} <= set(user)
    assert user["id"] == "2034020000000457001"


def test_user_types_filter(sandbox):
    def ids(kind):
        return [u["full_name"] for u in get(sandbox, "users", type=kind).json()["users"]]

    assert ids("AdminUsers") == ["Zylker Travels"]
    assert ids("DeactiveUsers") == ["Grace Wanjiru"]
    assert "Grace Wanjiru" not in ids("ActiveUsers")


def test_users_paging(sandbox):
    body = get(sandbox, "users", type="AllUsers", per_page=3, page=1).json()
    assert (len(body["users"]), body["info"]["more_records"]) == (3, True)


def test_no_deleted_users_is_204(sandbox):
    assert get(sandbox, "users", type="DeletedUsers").status_code == 204


def test_unknown_user_type_is_invalid(sandbox):
    assert get(sandbox, "users", type="Robots").status_code == 400


def test_one_user(sandbox):
    users = get(sandbox, "users/2034020000000472114").json()["users"]
    assert [u["full_name"] for u in users] == ["Patricia Boyle"]


def test_org(sandbox):
    (org,) = get(sandbox, "org").json()["org"]
    assert (org["time_zone"], org["company_name"]) == ("Africa/Nairobi", "Zylker Travels")
    assert {"zgid", "domain_name", "currency", "license_details", "primary_zuid"} <= set(org)


# -- search ----------------------------------------------------------------------------------------


def test_search_by_criteria(sandbox):
    body = get(sandbox, "Accounts/search", criteria="(Account_Name:equals:Zylker Corp)").json()
    assert [r["Account_Name"] for r in body["data"]] == ["Zylker Corp"]
    assert body["info"] == {"per_page": 200, "count": 1, "sort_by": "id", "page": 1,
                            "sort_order": "desc", "more_records": False}


def test_search_results_have_the_recorded_shape(sandbox):
    (record,) = get(sandbox, "Contacts/search", email="ted.watson@zylkercorp.example").json()[
        "data"]
    assert set(record) >= SEARCH_KEYS
    assert record["Owner"]["email"] == "admin@zylkertravels.example"
    assert record["Full_Name"] == "Ted Watson"


def test_search_with_no_match_is_204_with_an_empty_body(sandbox):
    response = get(sandbox, "Contacts/search", criteria="(Email:equals:nobody@nowhere.test)")
    assert (response.status_code, response.content) == (204, b"")


def test_search_starts_with(sandbox):
    body = get(sandbox, "Accounts/search", criteria="(Account_Name:starts_with:acme)").json()
    assert [r["Account_Name"] for r in body["data"]] == ["Acme Safaris"]


def test_search_or_group(sandbox):
    criteria = "((Last_Name:equals:Bell)or(Last_Name:equals:Carter))"
    body = get(sandbox, "Contacts/search", criteria=criteria).json()
    assert sorted(r["Last_Name"] for r in body["data"]) == ["Bell", "Carter"]


def test_search_by_lookup_name(sandbox):
    body = get(sandbox, "Contacts/search", criteria="(Account_Name:equals:Zylker Corp)").json()
    assert [r["Last_Name"] for r in body["data"]] == ["Watson"]


def test_search_by_word(sandbox):
    body = get(sandbox, "Accounts/search", word="lagoon").json()
    assert [r["Account_Name"] for r in body["data"]] == ["Blue Lagoon Resorts"]


def test_search_by_phone_ignores_formatting(sandbox):
    body = get(sandbox, "Contacts/search", phone="6098840686").json()
    assert [r["Last_Name"] for r in body["data"]] == ["Watson"]


def test_search_word_needs_two_characters(sandbox):
    assert get(sandbox, "Accounts/search", word="a").json()["code"] == "INVALID_QUERY"


def test_search_without_a_parameter(sandbox):
    response = get(sandbox, "Contacts/search")
    assert (response.status_code, response.json()["code"]) == (400, "REQUIRED_PARAM_MISSING")


def test_search_with_two_parameters(sandbox):
    response = get(sandbox, "Contacts/search", email="a@b.co", word="ab")
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_QUERY")


def test_search_with_bad_criteria(sandbox):
    assert get(sandbox, "Contacts/search", criteria="Email=x").json()["code"] == "INVALID_QUERY"


def test_search_on_an_unknown_field(sandbox):
    response = get(sandbox, "Contacts/search", criteria="(Shoe:equals:42)")
    assert response.json()["details"]["api_name"] == "Shoe"


def test_search_needs_the_search_scope(sandbox):
    code = sandbox.grant_code("ZohoBigin.modules.ALL")
    token = sandbox.token_response(grant_type="authorization_code", code=code,
                                   client_id="1000.SANDBOXCLIENT",
                                   client_secret="sandbox-secret").json()["access_token"]
    response = sandbox.api("GET", "Contacts/search", token=token, params={"word": "Bell"})
    assert response.json()["code"] == "OAUTH_SCOPE_MISMATCH"


def test_search_finds_a_new_record_at_once_by_default(sandbox):
    insert(sandbox, "Contacts", contact("Fresh", "fresh@example.com"))
    assert get(sandbox, "Contacts/search", email="fresh@example.com").status_code == 200


def test_search_lag_hides_new_records_for_a_while(sandbox):
    sandbox.knobs(search_lag_seconds=0.6)
    record_id = first(insert(sandbox, "Contacts", contact("Lag", "lag@example.com")))[
        "details"]["id"]
    assert get(sandbox, "Contacts/search", email="lag@example.com").status_code == 204
    assert get(sandbox, f"Contacts/{record_id}").status_code == 200
    time.sleep(0.7)
    assert get(sandbox, "Contacts/search", email="lag@example.com").status_code == 200


def test_search_lag_leaves_old_records_visible(sandbox):
    sandbox.knobs(search_lag_seconds=60)
    assert get(sandbox, "Contacts/search", email="ted.watson@zylkercorp.example").status_code == (
        200)


def test_search_paging(sandbox):
    body = get(sandbox, "Contacts/search", criteria="(Owner:equals:Zylker Travels)",
               per_page=2, page=2).json()
    assert (body["info"]["page"], body["info"]["count"], body["info"]["more_records"]) == (
        2, 2, True)


# -- get and list ----------------------------------------------------------------------------------


def test_get_by_id(sandbox):
    (record,) = get(sandbox, "Products/2034020000000489203").json()["data"]
    assert (record["id"], record["Product_Name"]) == ("2034020000000489203",
                                                      "Amazon Rainforest Expedition")


def test_get_by_id_with_fields(sandbox):
    (record,) = get(sandbox, "Products/2034020000000489203", fields="Product_Name").json()[
        "data"]
    assert record == {"Product_Name": "Amazon Rainforest Expedition", "id": "2034020000000489203"}


def test_get_unknown_id_is_204(sandbox):
    assert get(sandbox, "Products/2034020000000000001").status_code == 204


def test_get_record_of_another_module_is_204(sandbox):
    assert get(sandbox, "Contacts/2034020000000489203").status_code == 204


def test_list_needs_fields(sandbox):
    response = get(sandbox, "Contacts")
    assert response.json() == {"code": "REQUIRED_PARAM_MISSING",
                               "details": {"param_name": "fields"},
                               "message": "One of the expected parameter is missing",
                               "status": "error"}


def test_list_with_fields_and_info(sandbox):
    body = get(sandbox, "Contacts", fields="id,First_Name,Last_Name,Email", per_page=3).json()
    assert set(body["data"][0]) == {"id", "First_Name", "Last_Name", "Email"}
    assert body["info"] == {"per_page": 3, "next_page_token": None, "count": 3, "sort_by": "id",
                            "page": 1, "previous_page_token": None, "page_token_expiry": None,
                            "sort_order": "desc", "more_records": True}


def test_list_is_newest_id_first(sandbox):
    ids = [r["id"] for r in get(sandbox, "Accounts", fields="Account_Name").json()["data"]]
    assert ids == sorted(ids, reverse=True)


def test_list_per_page_is_at_most_200(sandbox):
    assert get(sandbox, "Contacts", fields="Email", per_page=201).status_code == 400


def test_list_of_a_team_pipeline(sandbox):
    body = get(sandbox, "Pipelines", fields="Deal_Name", pipeline_id="2034020000000095051").json()
    assert [r["Deal_Name"] for r in body["data"]] == ["Acme Safaris Reseller Agreement"]


def test_unknown_path_is_a_json_404(sandbox):
    response = sandbox.api("GET", "Contacts/1/Notes/2/x")
    assert (response.status_code, response.json()["code"]) == (404, "INVALID_URL_PATTERN")
