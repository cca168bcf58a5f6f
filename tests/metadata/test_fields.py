from __future__ import annotations

from bigin_ui.metadata.fields import parse_field, parse_team_pipelines
from tests.factories import contacts_fields, field


def test_contacts_entry_fields_leave_out_read_only_system_and_upload_fields():
    metas = [parse_field(f) for f in contacts_fields()]
    entry = [m.api_name for m in metas if m.enterable]
    assert entry == [
        "Owner", "First_Name", "Last_Name", "Account_Name", "Email", "Title", "Phone",
        "Home_Phone", "Mobile", "Mailing_Street", "Mailing_City", "Mailing_State",
        "Mailing_Zip", "Mailing_Country", "Description", "Email_Opt_Out", "Tag",
    ]


def test_tag_is_its_own_kind_though_bigin_calls_it_text():
    assert parse_field(field("Tag", "text", json_type="jsonarray")).kind == "tag"


def test_unique_and_mandatory_flags_are_read():
    email = parse_field(field("Email", "email", unique={"casesensitive": "0"}))
    last = parse_field(field("Last_Name", system_mandatory=True))
    assert email.unique and not email.required
    assert last.required and not last.unique


def test_layout_required_makes_a_field_required():
    assert parse_field(field("Title"), required=True).required


def test_lookup_module_is_read_from_lookup_metadata():
    raw = field("Account_Name", "lookup", lookup={"module": {"api_name": "Accounts"}})
    assert parse_field(raw).lookup_module == "Accounts"
    assert parse_field(raw).kind == "lookup"


def test_se_module_lookup_is_related_to():
    raw = field("Related_To", "lookup", lookup={"module": {"api_name": "se_module"}})
    assert parse_field(raw).kind == "related_to"


def test_team_pipelines_keep_each_layouts_sub_pipelines_and_stages():
    sub = field("Sub_Pipeline", "picklist", picklist=[])
    sub["pick_list_values"] = [{
        "display_value": "Standard", "actual_value": "Sales Pipeline Standard",
        "maps": [{"api_name": "Stage", "pick_list_values": [
            {"display_value": "New Inquiry", "actual_value": "New Enquiry"},
            {"display_value": "Won", "actual_value": "Closed Won"}]}],
    }]
    layout = {"id": "77", "name": "Sales", "status": "active",
              "sections": [{"api_name": "Pipeline Information", "fields": [sub]}]}
    (pipeline,) = parse_team_pipelines([layout])
    standard = pipeline.sub_pipeline("Sales Pipeline Standard")
    assert pipeline.id == "77"
    assert standard is not None
    assert [s.actual for s in standard.stages] == ["New Enquiry", "Closed Won"]
    assert standard.stages[0].display == "New Inquiry"
