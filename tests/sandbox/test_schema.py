"""Effective metadata: runtime changes over the catalog, and the layouts."""

from __future__ import annotations

from bigin_ui.sandbox import catalog
from bigin_ui.sandbox.schema import build_schema


def layout_field(layout, api_name):
    return next(f for s in layout["sections"] for f in s["fields"] if f["api_name"] == api_name)


def test_every_module_has_one_standard_layout_except_pipelines():
    for module in catalog.MODULES:
        names = [la["name"] for la in build_schema(module, []).layouts]
        assert names == (["Sales - Marketing", "Partnerships"] if module == "Pipelines"
                         else ["Standard"])


def test_layouts_hold_every_field_with_a_required_flag():
    schema = build_schema("Contacts", [])
    (layout,) = schema.layouts
    placed = [f["api_name"] for s in layout["sections"] for f in s["fields"]]
    assert sorted(placed) == sorted(schema.by_name)
    assert layout_field(layout, "Last_Name")["required"] is True
    assert layout_field(layout, "Email")["required"] is False


def test_layouts_have_the_expected_keys():
    (layout,) = build_schema("Accounts", []).layouts
    assert {"id", "name", "display_label", "api_name", "status", "visible", "sections"} <= set(
        layout)
    assert (layout["status"], layout["visible"]) == ("active", True)


def test_team_pipelines_have_their_own_sub_pipelines():
    first, second = build_schema("Pipelines", []).layouts
    def subs(layout):
        return [v["actual_value"] for v in layout_field(layout, "Sub_Pipeline")
                ["pick_list_values"]]
    assert subs(first) == ["Sales Pipeline Standard", "Marketing Pipeline Standard"]
    assert set(subs(first)).isdisjoint(subs(second))


def test_sales_marketing_is_the_sample_layout():
    first = build_schema("Pipelines", []).layouts[0]
    assert (first["id"], first["name"]) == ("2034020000000095023", "Sales - Marketing")


def test_sub_pipeline_values_map_to_their_stages():
    first = build_schema("Pipelines", []).layouts[0]
    sales = layout_field(first, "Sub_Pipeline")["pick_list_values"][0]
    (mapping,) = sales["maps"]
    assert mapping["api_name"] == "Stage"
    assert "Needs Analysis" in [s["actual_value"] for s in mapping["pick_list_values"]]


def test_pipeline_information_section_holds_sub_pipeline_and_stage():
    first = build_schema("Pipelines", []).layouts[0]
    section = next(s for s in first["sections"] if s["api_name"] == "Pipeline Information")
    assert {"Sub_Pipeline", "Stage"} <= {f["api_name"] for f in section["fields"]}


def test_fields_endpoint_has_the_union_of_stages():
    stages = {v["actual_value"] for v in build_schema("Pipelines", []).by_name["Stage"]
              ["pick_list_values"]}
    assert {"Needs Analysis", "Quote Sent"} <= stages


def test_an_added_field_is_appended_and_may_be_required():
    added = catalog.field("Pet", "Pet", "text", "1" * 19, custom=True)
    schema = build_schema("Contacts", [("add", "Pet", {"field": added, "required": True})])
    assert schema.fields[-1]["api_name"] == "Pet" and schema.is_mandatory("Pet")


def test_an_update_changes_the_field():
    schema = build_schema("Contacts", [("update", "Title", {"set": {"length": 10}})])
    assert schema.by_name["Title"]["length"] == 10


def test_a_removed_field_is_gone():
    schema = build_schema("Contacts", [("remove", "Lead_Score", {})])
    assert "Lead_Score" not in schema.by_name


def test_building_never_alters_the_catalog():
    build_schema("Contacts", [("update", "Title", {"set": {"length": 10}})])
    assert build_schema("Contacts", []).by_name["Title"]["length"] == 100
