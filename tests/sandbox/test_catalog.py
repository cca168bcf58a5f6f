"""The field metadata catalog: the recorded Contacts shape and the other modules."""

from __future__ import annotations

import pytest

from bigin_ui.sandbox import catalog

FULL_KEYS = {
    "id", "api_name", "field_label", "display_label", "data_type", "json_type", "type", "length",
    "decimal_place", "system_mandatory", "field_read_only", "read_only", "custom_field",
    "virtual_field", "display_field", "visible", "filterable", "searchable", "sortable",
    "mass_update", "webhook", "businesscard_supported", "separator", "display_type", "ui_type",
    "created_source", "tooltip", "crypt", "created_time", "modified_time", "global_picklist",
    "external", "subform", "association_details", "display_format", "pick_list_values",
    "pick_list_values_sorted_lexically", "unique", "lookup", "multiselectlookup",
    "multi_module_lookup", "formula", "auto_number", "currency", "email_parser", "view_type",
    "profiles", "colour_code_enabled_by_system", "display_format_properties", "parent_field",
    "enable_colour_code", "child_fields", "range", "address", "history_tracking",
}
RECORDED_CONTACTS = [
    ("Owner", "ownerlookup", "jsonobject"), ("First_Name", "text", "string"),
    ("Last_Name", "text", "string"), ("Account_Name", "lookup", "jsonobject"),
    ("Email", "email", "string"), ("Title", "text", "string"), ("Phone", "phone", "string"),
    ("Home_Phone", "phone", "string"), ("Mobile", "phone", "string"),
    ("Created_By", "ownerlookup", "jsonobject"), ("Modified_By", "ownerlookup", "jsonobject"),
    ("Created_Time", "datetime", "string"), ("Modified_Time", "datetime", "string"),
    ("Full_Name", "text", "string"), ("Mailing_Street", "text", "string"),
    ("Mailing_City", "text", "string"), ("Mailing_State", "text", "string"),
    ("Mailing_Zip", "text", "string"), ("Mailing_Country", "text", "string"),
    ("Description", "textarea", "string"), ("Email_Opt_Out", "boolean", "boolean"),
    ("Last_Activity_Time", "datetime", "string"), ("Tag", "text", "jsonarray"),
    ("Record_Image", "profileimage", "string"), ("Unsubscribed_Mode", "picklist", "string"),
    ("Unsubscribed_Time", "datetime", "string"),
    ("Record_Creation_Source_ID__s", "bigint", "string"),
]


def by_name(module: str) -> dict[str, dict]:
    return {f["api_name"]: f for f in catalog.base_fields(module)}


def test_contacts_start_with_the_27_recorded_fields_in_order():
    fields = catalog.base_fields("Contacts")[:27]
    assert [(f["api_name"], f["data_type"], f["json_type"]) for f in fields] == RECORDED_CONTACTS


def test_contacts_have_custom_fields_after_the_recorded_ones():
    custom = [f["api_name"] for f in catalog.base_fields("Contacts") if f["custom_field"]]
    assert custom == ["Customer_Since", "Lifetime_Value", "Interests", "LinkedIn_Profile",
                      "Lead_Score", "Entry_Key"]


@pytest.mark.parametrize("module", list(catalog.MODULES))
def test_every_field_has_the_full_recorded_key_set(module):
    for meta in catalog.base_fields(module):
        assert set(meta) >= FULL_KEYS, (module, meta["api_name"], FULL_KEYS - set(meta))


@pytest.mark.parametrize("module", list(catalog.MODULES))
def test_empty_structures_are_empty_objects_not_null(module):
    for meta in catalog.base_fields(module):
        for key in ("lookup", "multiselectlookup", "formula", "currency", "auto_number", "unique"):
            assert isinstance(meta[key], dict), (meta["api_name"], key)
        assert isinstance(meta["pick_list_values"], list)


@pytest.mark.parametrize("module", list(catalog.MODULES))
def test_entry_key_is_a_unique_custom_text_field_everywhere(module):
    entry_key = by_name(module)["Entry_Key"]
    assert (entry_key["data_type"], entry_key["length"], entry_key["unique"],
            entry_key["field_label"], entry_key["custom_field"]) == (
        "text", 64, {"casesensitive": "0"}, "Entry Key", True)


@pytest.mark.parametrize("module", list(catalog.MODULES))
def test_field_ids_are_19_digits_and_distinct(module):
    ids = [f["id"] for f in catalog.base_fields(module)]
    assert all(len(i) == 19 and i.isdigit() for i in ids)
    assert len(set(ids)) == len(ids)


def test_system_unique_fields():
    unique = {m: [f["api_name"] for f in catalog.base_fields(m) if f["unique"]
                  and not f["custom_field"]] for m in catalog.MODULES}
    assert unique == {"Contacts": ["Email"], "Accounts": ["Account_Name"],
                      "Pipelines": ["Deal_Name"], "Products": ["Product_Name"], "Tasks": [],
                      "Events": [], "Calls": []}


def test_system_mandatory_fields_follow_the_add_records_doc():
    mandatory = {m: [f["api_name"] for f in catalog.base_fields(m) if f["system_mandatory"]]
                 for m in catalog.MODULES}
    assert mandatory == {
        "Contacts": ["Last_Name"], "Accounts": ["Account_Name"],
        "Pipelines": ["Deal_Name", "Sub_Pipeline", "Stage"], "Products": ["Product_Name"],
        "Tasks": ["Subject"], "Events": ["Event_Title", "Start_DateTime", "End_DateTime"],
        "Calls": ["Call_Type", "Call_Start_Time", "Call_Duration"],
    }


def test_tag_is_text_jsonarray_and_not_creatable():
    tag = by_name("Contacts")["Tag"]
    assert (tag["data_type"], tag["json_type"], tag["view_type"]["create"]) == (
        "text", "jsonarray", False)


def test_owner_is_field_read_only_yet_creatable():
    owner = by_name("Contacts")["Owner"]
    assert owner["field_read_only"] is True and owner["view_type"]["create"] is True


def test_account_lookup_points_at_accounts():
    assert by_name("Contacts")["Account_Name"]["lookup"]["module"]["api_name"] == "Accounts"


def test_related_to_is_an_se_module_lookup():
    related = by_name("Tasks")["Related_To"]
    assert (related["data_type"], related["lookup"]["module"]["api_name"]) == (
        "lookup", "se_module")


def test_some_picklist_value_shows_another_text_than_it_sends():
    values = by_name("Pipelines")["Stage"]["pick_list_values"]
    assert {"display_value": "New Inquiry", "actual_value": "New Enquiry"}.items() <= next(
        v for v in values if v["actual_value"] == "New Enquiry").items()


def test_picklist_items_have_the_recorded_keys():
    item = by_name("Tasks")["Priority"]["pick_list_values"][0]
    assert set(item) == {"id", "display_value", "actual_value", "reference_value",
                         "sequence_number", "type", "colour_code"}


def test_product_category_offers_safari_and_software():
    actual = {v["actual_value"] for v in by_name("Products")["Product_Category"]
              ["pick_list_values"]}
    assert {"Safari", "Software"} <= actual


def test_textareas_carry_their_size():
    assert by_name("Tasks")["Subject"]["textarea"] == {"type": "small"}
    assert by_name("Contacts")["Description"]["textarea"] == {"type": "large"}


def test_participants_are_reported_as_bigint_jsonarray():
    participants = by_name("Events")["Participants"]
    assert (participants["data_type"], participants["json_type"]) == ("bigint", "jsonarray")


def test_team_pipeline_field_is_a_layout_object():
    pipeline = by_name("Pipelines")["Pipeline"]
    assert (pipeline["data_type"], pipeline["json_type"]) == ("layout", "jsonobject")


def test_module_names_match_without_case():
    assert catalog.canonical_module("contacts") == "Contacts"
    assert catalog.canonical_module("Leads") is None


def test_module_listing_has_the_recorded_shape():
    listing = catalog.module_listing("2026-01-05T10:00:00+03:00", {"name": "A", "id": "1"})
    accounts = next(m for m in listing if m["api_name"] == "Accounts")
    assert (accounts["singular_label"], accounts["plural_label"], accounts["api_supported"]) == (
        "Company", "Companies", True)
