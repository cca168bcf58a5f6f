"""Field metadata in Bigin's recorded shape, written for these tests (not copied recordings)."""

from __future__ import annotations

import itertools
from typing import Any

from bigin_ui.metadata.fields import FieldMeta, parse_field

_ids = itertools.count(5550000000000001000)

JSON_TYPES = {
    "ownerlookup": "jsonobject", "lookup": "jsonobject", "boolean": "boolean",
    "integer": "integer", "double": "double", "currency": "double", "percent": "double",
    "decimal": "double", "multiselectpicklist": "jsonarray", "multiselectlookup": "jsonarray",
    "RRULE": "jsonobject", "ALARM": "jsonobject", "multireminder": "jsonarray",
    "subform": "jsonarray",
}


def field(api_name: str, data_type: str = "text", **overrides: Any) -> dict[str, Any]:
    """One field dict with the full key set Bigin's fields metadata uses."""
    creatable = overrides.pop("creatable", True)
    picklist = overrides.pop("picklist", None)
    raw: dict[str, Any] = {
        "id": str(next(_ids)),
        "api_name": api_name,
        "field_label": api_name.replace("_", " "),
        "display_label": api_name.replace("_", " "),
        "data_type": data_type,
        "json_type": JSON_TYPES.get(data_type, "string"),
        "type": "used",
        "length": 255 if data_type == "text" else 120,
        "decimal_place": None,
        "system_mandatory": False,
        "field_read_only": False,
        "read_only": False,
        "custom_field": False,
        "virtual_field": False,
        "display_field": False,
        "visible": True,
        "filterable": True,
        "searchable": True,
        "sortable": True,
        "mass_update": False,
        "webhook": True,
        "businesscard_supported": True,
        "separator": False,
        "display_type": -1,
        "ui_type": 1,
        "quick_sequence_number": "1",
        "created_source": "default",
        "tooltip": None,
        "crypt": None,
        "created_time": None,
        "modified_time": None,
        "global_picklist": None,
        "external": None,
        "subform": None,
        "association_details": None,
        "display_format": None,
        "pick_list_values": [],
        "pick_list_values_sorted_lexically": False,
        "unique": {},
        "lookup": {},
        "multiselectlookup": {},
        "multi_module_lookup": {},
        "formula": {},
        "auto_number": {},
        "currency": {},
        "email_parser": {"fields_update_supported": False, "record_operations_supported": True},
        "view_type": {"view": True, "edit": creatable, "create": creatable,
                      "quick_create": creatable},
        "profiles": [{"id": "5550000000000026011", "name": "Administrator",
                      "permission_type": "read_write"}],
        "colour_code_enabled_by_system": False,
        "display_format_properties": None,
        "parent_field": None,
        "enable_colour_code": False,
        "child_fields": None,
        "range": None,
        "address": None,
        "history_tracking": None,
    }
    if picklist is not None:
        raw["pick_list_values"] = [
            {"id": str(next(_ids)), "display_value": d, "actual_value": a, "reference_value": d,
             "sequence_number": i, "type": "used", "colour_code": None}
            for i, (d, a) in enumerate(
                (p if isinstance(p, tuple) else (p, p)) for p in picklist
            )
        ]
    raw.update(overrides)
    return raw


def meta(api_name: str, data_type: str = "text", **overrides: Any) -> FieldMeta:
    return parse_field(field(api_name, data_type, **overrides))


def contacts_fields() -> list[dict[str, Any]]:
    """The Contacts field list as Bigin reports it: 27 fields, including system ones."""
    system = {"creatable": False}
    return [
        field("Owner", "ownerlookup", length=120, field_read_only=True),
        field("First_Name", length=40),
        field("Last_Name", length=80, system_mandatory=True),
        field("Account_Name", "lookup", length=120, display_label="Company Name",
              lookup={"api_name": "Contacts", "display_label": "Contacts", "id": "1",
                      "module": {"api_name": "Accounts", "id": "2", "crypt": False}}),
        field("Email", "email", length=100, unique={"casesensitive": "0"}),
        field("Title", length=100),
        field("Phone", "phone", length=50),
        field("Home_Phone", "phone", length=30),
        field("Mobile", "phone", length=30),
        field("Created_By", "ownerlookup", **system),
        field("Modified_By", "ownerlookup", **system),
        field("Created_Time", "datetime", **system),
        field("Modified_Time", "datetime", **system),
        field("Full_Name", length=120, **system),
        field("Mailing_Street", length=250),
        field("Mailing_City", length=100),
        field("Mailing_State", length=100),
        field("Mailing_Zip", length=30),
        field("Mailing_Country", length=100),
        field("Description", "textarea", length=32000, textarea={"type": "large"}),
        field("Email_Opt_Out", "boolean", length=5),
        field("Last_Activity_Time", "datetime", field_read_only=True, **system),
        field("Tag", "text", json_type="jsonarray", length=2000, **system),
        field("Record_Image", "profileimage"),
        field("Unsubscribed_Mode", "picklist", read_only=True, field_read_only=True,
              picklist=["Consent form", "Manual", "Unsubscribe link", "Zoho campaigns"],
              **system),
        field("Unsubscribed_Time", "datetime", read_only=True, field_read_only=True, **system),
        field("Record_Creation_Source_ID__s", "bigint", length=19, field_read_only=True,
              **system),
    ]


def store_contacts_metadata() -> None:
    """Put the Contacts metadata in the database, as a sync would."""
    from bigin_ui.metadata.services import store_module, store_users

    store_module(module="Contacts", fields=contacts_fields(), layouts=[],
                 tags=[{"name": "Recruitment", "id": "1"}])
    store_users(users=[{"id": "2034020000000457001", "full_name": "Zylker Travels",
                        "email": "admin@example.com", "status": "active",
                        "time_zone": "Asia/Kolkata"}])
