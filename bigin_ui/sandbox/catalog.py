"""Field, layout and module metadata of the simulated org, written compactly.

``field()`` expands a few arguments into the full key set that real Bigin returns from
``settings/fields`` (the recorded Contacts answer has 55+ keys per field), so the catalog below
only states what differs from the recorded defaults. The Contacts list mirrors the recorded one
field for field; the other modules follow Bigin's documented fields plus a few custom ones.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

ORG_PREFIX = "2034020000000"


def oid(number: int) -> str:
    """A 19-digit id in this org's id space."""
    return f"{ORG_PREFIX}{number:06d}"


ADMIN_PROFILE_ID = oid(26011)
STANDARD_PROFILE_ID = oid(26014)


def _profiles(permission: str) -> list[dict[str, str]]:
    return [
        {"id": ADMIN_PROFILE_ID, "name": "Administrator", "permission_type": permission},
        {"id": STANDARD_PROFILE_ID, "name": "Standard", "permission_type": permission},
    ]


JSON_TYPES = {
    "lookup": "jsonobject",
    "ownerlookup": "jsonobject",
    "layout": "jsonobject",
    "RRULE": "jsonobject",
    "ALARM": "jsonobject",
    "multiselectpicklist": "jsonarray",
    "multiselectlookup": "jsonarray",
    "subform": "jsonarray",
    "multireminder": "jsonarray",
    "boolean": "boolean",
    "integer": "integer",
    "double": "double",
    "decimal": "double",
    "currency": "double",
    "percent": "double",
}
DEFAULT_LENGTHS = {
    "text": 255,
    "textarea": 32000,
    "email": 100,
    "phone": 30,
    "website": 255,
    "picklist": 120,
    "multiselectpicklist": 2000,
    "date": 20,
    "datetime": 120,
    "boolean": 5,
    "integer": 9,
    "bigint": 19,
    "double": 16,
    "decimal": 16,
    "currency": 16,
    "percent": 5,
    "multireminder": 2000,
}
UI_TYPES = {
    "text": 1,
    "picklist": 2,
    "textarea": 3,
    "ownerlookup": 8,
    "date": 24,
    "email": 25,
    "integer": 32,
    "phone": 33,
    "currency": 36,
    "percent": 38,
    "double": 39,
    "multiselectpicklist": 100,
    "website": 21,
    "lookup": 133,
    "multiselectlookup": 140,
    "bigint": 52,
    "boolean": 301,
    "datetime": 333,
    "subform": 900,
    "layout": 134,
    "RRULE": 270,
    "ALARM": 271,
    "multireminder": 272,
}
# The value every recorded field shares unless stated otherwise.
_VIEW_CREATE = {"view": True, "edit": True, "quick_create": False, "create": True}
_VIEW_SYSTEM = {"view": True, "edit": False, "quick_create": False, "create": False}
_VIEW_QUICK = {"view": True, "edit": True, "quick_create": True, "create": True}

_picklist_ids = itertools.count(300001)


def picklist_item(display: str, actual: str | None, sequence: int) -> dict[str, Any]:
    actual = display if actual is None else actual
    return {
        "id": oid(next(_picklist_ids)),
        "display_value": display,
        "actual_value": actual,
        "reference_value": display,
        "sequence_number": sequence,
        "type": "used",
        "colour_code": None,
    }


def picklist(values: Iterable[str | tuple[str, str]]) -> list[dict[str, Any]]:
    """Items from plain strings or (display, actual) pairs."""
    items = []
    for sequence, value in enumerate(values, start=1):
        display, actual = value if isinstance(value, tuple) else (value, value)
        items.append(picklist_item(display, actual, sequence))
    return items


def field(
    api_name: str,
    label: str,
    data_type: str,
    field_id: str,
    *,
    json_type: str | None = None,
    length: int | None = None,
    mandatory: bool = False,
    unique: bool = False,
    custom: bool = False,
    system: bool = False,
    quick: bool = False,
    choices: Iterable[str | tuple[str, str]] | None = None,
    textarea: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """One field dict with the full recorded key set.

    ``system`` marks audit fields that are shown but never written on create.
    """
    if data_type == "textarea" and textarea is None:
        textarea = "large"
    if length is None:
        length = 2000 if textarea == "small" else DEFAULT_LENGTHS.get(data_type, 120)
    if system:
        view_type = _VIEW_SYSTEM
    elif quick or mandatory:
        view_type = _VIEW_QUICK
    else:
        view_type = _VIEW_CREATE
    data: dict[str, Any] = {
        "id": field_id,
        "api_name": api_name,
        "field_label": label,
        "display_label": label,
        "data_type": data_type,
        "json_type": json_type or JSON_TYPES.get(data_type, "string"),
        "type": "used",
        "length": length,
        "decimal_place": None,
        "system_mandatory": mandatory,
        "field_read_only": False,
        "read_only": False,
        "custom_field": custom,
        "virtual_field": False,
        "display_field": False,
        "visible": True,
        "filterable": True,
        "searchable": True,
        "sortable": True,
        "mass_update": False,
        "webhook": True,
        "businesscard_supported": not custom,
        "separator": False,
        "display_type": -1,
        "ui_type": UI_TYPES.get(data_type, 1),
        "created_source": "crm" if custom else "default",
        "tooltip": None,
        "crypt": None,
        "created_time": "2026-01-05T10:00:00+03:00" if custom else None,
        "modified_time": "2026-01-05T10:00:00+03:00" if custom else None,
        "global_picklist": None,
        "external": None,
        "subform": None,
        "association_details": None,
        "display_format": None,
        "pick_list_values": picklist(choices) if choices is not None else [],
        "pick_list_values_sorted_lexically": False,
        "unique": {"casesensitive": "0"} if unique else {},
        "lookup": {},
        "multiselectlookup": {},
        "multi_module_lookup": {},
        "formula": {},
        "auto_number": {},
        "currency": {},
        "email_parser": {"fields_update_supported": False, "record_operations_supported": False},
        "view_type": dict(view_type),
        "profiles": _profiles("read_write"),
        "colour_code_enabled_by_system": False,
        "display_format_properties": None,
        "parent_field": None,
        "enable_colour_code": False,
        "child_fields": None,
        "range": None,
        "address": None,
        "history_tracking": None,
    }
    if textarea is not None:
        data["textarea"] = {"type": textarea}
    if data_type == "currency":
        data["currency"] = {"rounding_option": "normal", "precision": 2}
    if data_type == "picklist":
        data["blueprint_supported"] = False
    for key, value in overrides.items():
        if key == "view_type":
            data["view_type"] = {**data["view_type"], **value}
        else:
            data[key] = value
    return data


# -- modules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleInfo:
    api_name: str
    module_id: str
    singular: str
    plural: str
    sequence: int
    # The field whose value names a record in lookups ({"name": ..., "id": ...}).
    name_field: str


MODULES: dict[str, ModuleInfo] = {
    m.api_name: m
    for m in (
        ModuleInfo("Contacts", oid(2179), "Contact", "Contacts", 3, "Full_Name"),
        ModuleInfo("Accounts", oid(2177), "Company", "Companies", 4, "Account_Name"),
        ModuleInfo("Pipelines", oid(2181), "Pipeline", "Pipelines", 2, "Deal_Name"),
        ModuleInfo("Products", oid(2213), "Product", "Products", 5, "Product_Name"),
        ModuleInfo("Tasks", oid(2193), "Task", "Tasks", 6, "Subject"),
        ModuleInfo("Events", oid(2195), "Event", "Events", 7, "Event_Title"),
        ModuleInfo("Calls", oid(33015), "Call", "Calls", 8, "Subject"),
    )
}
SUBFORM_MODULE_ID = oid(628012)
# Modules a Related_To (se_module) lookup may point at when no $se_module is given.
RELATED_TO_MODULES = ("Contacts", "Accounts", "Pipelines", "Products")


def canonical_module(name: str) -> str | None:
    """Module API names are matched without regard to case, as Bigin's URLs are."""
    folded = name.casefold()
    return next((m for m in MODULES if m.casefold() == folded), None)


def _lookup(target: str, related_list: str, label: str, lookup_id: str) -> dict[str, Any]:
    module_id = MODULES[target].module_id if target in MODULES else None
    return {
        "display_label": label,
        "api_name": related_list,
        "module": {"api_name": target, "crypt": False, "id": module_id},
        "id": lookup_id,
    }


class _Ids:
    """Sequential field ids per module, so the catalog's ids never change between runs."""

    def __init__(self, start: int) -> None:
        self._next = itertools.count(start, 2)

    def __call__(self) -> str:
        return oid(next(self._next))


def _audit(ids: _Ids, *, activity: bool = True) -> list[dict[str, Any]]:
    fields = [
        field("Created_By", "Created By", "ownerlookup", ids(), system=True, ui_type=20),
        field("Modified_By", "Modified By", "ownerlookup", ids(), system=True, ui_type=20),
        field("Created_Time", "Created Time", "datetime", ids(), system=True,
              businesscard_supported=False, ui_type=200),
        field("Modified_Time", "Modified Time", "datetime", ids(), system=True,
              businesscard_supported=False, ui_type=200),
    ]
    if activity:
        fields.append(field("Last_Activity_Time", "Last Activity Time", "datetime", ids(),
                            system=True, field_read_only=True, businesscard_supported=False,
                            ui_type=786))
    return fields


def _owner(ids: _Ids, label: str) -> dict[str, Any]:
    return field("Owner", label, "ownerlookup", ids(), field_read_only=True)


def _tag(ids: _Ids) -> dict[str, Any]:
    # Bigin reports Tag as text/jsonarray and not creatable, yet accepts it on insert.
    return field("Tag", "Tag", "text", ids(), json_type="jsonarray", length=2000,
                 businesscard_supported=False, sortable=False, ui_type=209,
                 view_type={"edit": False, "create": False})


def _description(ids: _Ids, size: str = "large") -> dict[str, Any]:
    return field("Description", "Description", "textarea", ids(), textarea=size,
                 filterable=False, sortable=False,
                 email_parser={"fields_update_supported": False,
                               "record_operations_supported": True})


def _entry_key(ids: _Ids) -> dict[str, Any]:
    # A custom unique field the app may use as an idempotency key for upserts.
    return field("Entry_Key", "Entry Key", "text", ids(), length=64, unique=True, custom=True)


def _related_to(ids: _Ids) -> dict[str, Any]:
    return field("Related_To", "Related To", "lookup", ids(),
                 lookup=_lookup("se_module", "Related_To", "Related To", ids()))


_EP_TT = {"fields_update_supported": True, "record_operations_supported": True}
_EP_FT = {"fields_update_supported": False, "record_operations_supported": True}
_RO = {"profiles": _profiles("read_only")}


def _contacts() -> list[dict[str, Any]]:
    ids = _Ids(2401)
    return [
        _owner(ids, "Contact Owner"),
        field("First_Name", "First Name", "text", ids(), length=40, quick=True,
              businesscard_supported=False, email_parser=_EP_FT, quick_sequence_number="1",
              ui_type=27, view_type={"view": False}),
        field("Last_Name", "Last Name", "text", ids(), length=80, mandatory=True,
              businesscard_supported=False, email_parser=_EP_FT, quick_sequence_number="2",
              ui_type=127, view_type={"view": False}),
        field("Account_Name", "Company Name", "lookup", ids(), quick=True,
              display_label="Account Name", businesscard_supported=False,
              quick_sequence_number="3",
              lookup=_lookup("Accounts", "Contacts", "Contacts", ids())),
        field("Email", "Email", "email", ids(), unique=True, quick=True, email_parser=_EP_FT,
              quick_sequence_number="4"),
        field("Title", "Title", "text", ids(), length=100, email_parser=_EP_TT, mass_update=True),
        field("Phone", "Phone", "phone", ids(), length=50, quick=True, email_parser=_EP_TT,
              mass_update=True, quick_sequence_number="5"),
        field("Home_Phone", "Home Phone", "phone", ids(), length=30, email_parser=_EP_TT,
              mass_update=True),
        field("Mobile", "Mobile", "phone", ids(), length=30, email_parser=_EP_TT,
              mass_update=True),
        *_audit(ids, activity=False),
        field("Full_Name", "Full Name", "text", ids(), length=120, system=True,
              businesscard_supported=False, display_field=True, email_parser=_EP_TT,
              webhook=False),
        field("Mailing_Street", "Mailing Street", "text", ids(), length=250,
              email_parser=_EP_TT, mass_update=True),
        field("Mailing_City", "Mailing City", "text", ids(), length=100, email_parser=_EP_TT,
              mass_update=True),
        field("Mailing_State", "Mailing State", "text", ids(), length=100, email_parser=_EP_TT,
              mass_update=True),
        field("Mailing_Zip", "Mailing Zip", "text", ids(), length=30, email_parser=_EP_TT,
              mass_update=True),
        field("Mailing_Country", "Mailing Country", "text", ids(), length=100,
              email_parser=_EP_TT, mass_update=True),
        _description(ids),
        field("Email_Opt_Out", "Email Opt Out", "boolean", ids(), mass_update=True,
              email_parser={"fields_update_supported": True,
                            "record_operations_supported": False}),
        field("Last_Activity_Time", "Last Activity Time", "datetime", ids(), system=True,
              field_read_only=True, businesscard_supported=False, ui_type=786),
        _tag(ids),
        field("Record_Image", "Contact Image", "profileimage", ids(), length=255,
              display_label="Record Image", businesscard_supported=False, filterable=False,
              searchable=False, sortable=False, ui_type=66, webhook=False),
        field("Unsubscribed_Mode", "Unsubscribed Mode", "picklist", ids(), system=True,
              choices=["Consent form", "Manual", "Unsubscribe link", "Zoho campaigns"],
              field_read_only=True, read_only=True, businesscard_supported=False,
              pick_list_values_sorted_lexically=True, **_RO),
        field("Unsubscribed_Time", "Unsubscribed Time", "datetime", ids(), system=True,
              field_read_only=True, read_only=True, businesscard_supported=False, **_RO),
        field("Record_Creation_Source_ID__s", "Record Creation Source ID", "bigint", ids(),
              system=True, field_read_only=True, businesscard_supported=False, **_RO),
        # Custom fields of this org.
        field("Customer_Since", "Customer Since", "date", ids(), custom=True),
        field("Lifetime_Value", "Lifetime Value", "currency", ids(), custom=True,
              decimal_place=2),
        field("Interests", "Interests", "multiselectpicklist", ids(), custom=True,
              choices=["Safari", "Cruises", "Beach Holidays", "City Breaks", "Trekking",
                       ("Wellness & Spa", "Wellness")]),
        field("LinkedIn_Profile", "LinkedIn Profile", "website", ids(), custom=True),
        field("Lead_Score", "Lead Score", "integer", ids(), custom=True),
        _entry_key(ids),
    ]


def _accounts() -> list[dict[str, Any]]:
    ids = _Ids(3001)
    return [
        _owner(ids, "Company Owner"),
        field("Account_Name", "Company Name", "text", ids(), length=200, mandatory=True,
              unique=True, quick_sequence_number="1", ui_type=127),
        field("Phone", "Phone", "phone", ids(), length=30, quick=True, mass_update=True),
        field("Website", "Website", "website", ids(), quick=True),
        _tag(ids),
        _description(ids),
        field("Billing_Street", "Billing Street", "text", ids(), length=250, mass_update=True),
        field("Billing_City", "Billing City", "text", ids(), length=100, mass_update=True),
        field("Billing_State", "Billing State", "text", ids(), length=100, mass_update=True),
        field("Billing_Country", "Billing Country", "text", ids(), length=100,
              mass_update=True),
        field("Billing_Code", "Billing Code", "text", ids(), length=30, mass_update=True),
        *_audit(ids),
        field("Industry", "Industry", "picklist", ids(), custom=True,
              choices=["Travel & Tourism", "Technology", "Hospitality", "Healthcare",
                       "Education", "Retail", "Manufacturing", "Financial Services"]),
        field("Annual_Revenue", "Annual Revenue", "currency", ids(), custom=True,
              decimal_place=2),
        field("Employees", "Employees", "integer", ids(), custom=True),
        field("Founded_On", "Founded On", "date", ids(), custom=True),
        field("Account_Number", "Account Number", "bigint", ids(), custom=True),
        field("Satisfaction", "Satisfaction", "percent", ids(), custom=True),
        field("Partner", "Partner", "boolean", ids(), custom=True),
        _entry_key(ids),
    ]


def _products() -> list[dict[str, Any]]:
    ids = _Ids(4001)
    return [
        _owner(ids, "Product Owner"),
        field("Product_Name", "Product Name", "text", ids(), length=200, mandatory=True,
              unique=True, ui_type=127),
        field("Product_Code", "Product Code", "text", ids(), length=40, quick=True),
        field("Unit_Price", "Unit Price", "currency", ids(), quick=True, decimal_place=2),
        field("Product_Category", "Product Category", "picklist", ids(),
              choices=["Safari", "Cruise", "Adventure", "Wellness", "Software", "Hardware",
                       "Services"]),
        _description(ids),
        _tag(ids),
        field("Product_Active", "Product Active", "boolean", ids()),
        *_audit(ids, activity=False),
        field("Weight_Kg", "Weight (kg)", "double", ids(), custom=True, decimal_place=3),
        field("Launch_Date", "Launch Date", "date", ids(), custom=True),
        field("Stock_Count", "Stock Count", "integer", ids(), custom=True),
        field("SKU_Number", "SKU Number", "bigint", ids(), custom=True),
        _entry_key(ids),
    ]


def _pipelines() -> list[dict[str, Any]]:
    ids = _Ids(5001)
    return [
        _owner(ids, "Pipeline Owner"),
        field("Deal_Name", "Deal Name", "text", ids(), length=120, mandatory=True, unique=True,
              ui_type=127),
        field("Account_Name", "Company Name", "lookup", ids(), quick=True,
              lookup=_lookup("Accounts", "Pipelines", "Pipelines", ids())),
        field("Contact_Name", "Contact Name", "lookup", ids(), quick=True,
              lookup=_lookup("Contacts", "Pipelines", "Pipelines", ids())),
        # The Team Pipeline, i.e. the layout, sent as {"id", "name"}. See README of this app.
        field("Pipeline", "Team Pipeline", "layout", ids(), quick=True),
        field("Sub_Pipeline", "Sub Pipeline", "picklist", ids(), mandatory=True,
              choices=[(s.display, s.actual) for s in _all_sub_pipelines()]),
        field("Stage", "Stage", "picklist", ids(), mandatory=True,
              choices=[(s.display, s.actual) for s in _all_stages()]),
        field("Amount", "Amount", "currency", ids(), quick=True, decimal_place=2),
        field("Secondary_Contacts", "Secondary Contacts", "multiselectlookup", ids(),
              sortable=False, filterable=False,
              multiselectlookup={
                  "display_label": "Secondary Contacts",
                  "linking_module": {"api_name": "Pipelines_X_Contacts", "id": oid(628020)},
                  "lookup_apiname": "Secondary_Contacts",
                  "api_name": "Secondary_Contacts",
                  "connected_module": {"api_name": "Contacts", "id": MODULES["Contacts"].module_id},
                  "connectedlookup_apiname": "Contact",
                  "id": ids(),
              }),
        field("Closing_Date", "Closing Date", "date", ids(), quick=True),
        _tag(ids),
        _description(ids),
        field("Associated_Products", "Associated Products", "subform", ids(), length=2000,
              sortable=False, filterable=False, searchable=False,
              subform={"module": {"api_name": "Associated_Products", "id": SUBFORM_MODULE_ID}}),
        *_audit(ids),
        field("Probability", "Probability (%)", "percent", ids(), custom=True),
        field("Lead_Source", "Lead Source", "picklist", ids(), custom=True,
              choices=["Advertisement", "Cold Call", "Employee Referral", "Partner",
                       "Trade Show", "Web Site", ("Word of Mouth", "Word of mouth")]),
        field("Next_Step", "Next Step", "text", ids(), custom=True),
        _entry_key(ids),
    ]


def _tasks() -> list[dict[str, Any]]:
    ids = _Ids(6001)
    return [
        _owner(ids, "Task Owner"),
        field("Subject", "Subject", "textarea", ids(), textarea="small", mandatory=True),
        field("Due_Date", "Due Date", "date", ids(), quick=True),
        field("Recurring_Activity", "Repeat", "RRULE", ids(), sortable=False),
        field("Remind_At", "Reminder", "ALARM", ids(), sortable=False),
        _related_to(ids),
        _description(ids),
        field("Priority", "Priority", "picklist", ids(),
              choices=["High", "Highest", "Low", "Lowest", "Normal"]),
        field("Status", "Status", "picklist", ids(),
              choices=["Not Started", "Deferred", "In Progress", "Completed",
                       "Waiting for input"]),
        _tag(ids),
        *_audit(ids, activity=False),
        field("Estimated_Hours", "Estimated Hours", "double", ids(), custom=True),
        field("Billable", "Billable", "boolean", ids(), custom=True),
        _entry_key(ids),
    ]


def _events() -> list[dict[str, Any]]:
    ids = _Ids(7001)
    return [
        _owner(ids, "Host"),
        field("Event_Title", "Title", "text", ids(), mandatory=True),
        field("Start_DateTime", "From", "datetime", ids(), mandatory=True),
        field("End_DateTime", "To", "datetime", ids(), mandatory=True),
        field("All_day", "All day", "boolean", ids()),
        field("Recurring_Activity", "Repeat", "RRULE", ids(), sortable=False),
        field("Remind_At", "Reminder", "multireminder", ids(), sortable=False),
        field("Venue", "Venue", "text", ids()),
        _related_to(ids),
        # CRM's metadata reports Participants as bigint although it takes a list of objects.
        field("Participants", "Participants", "bigint", ids(), json_type="jsonarray",
              length=2000, sortable=False),
        _description(ids),
        _tag(ids),
        *_audit(ids, activity=False),
        field("Meeting_Link", "Meeting Link", "website", ids(), custom=True),
        field("Expected_Attendees", "Expected Attendees", "integer", ids(), custom=True),
        _entry_key(ids),
    ]


def _calls() -> list[dict[str, Any]]:
    ids = _Ids(8001)
    return [
        _owner(ids, "Call Owner"),
        field("Call_Type", "Call Type", "picklist", ids(), mandatory=True,
              choices=["Outbound", "Inbound", "Missed"]),
        field("Call_Start_Time", "Call Start Time", "datetime", ids(), mandatory=True),
        field("Call_Duration", "Call Duration", "text", ids(), length=10, mandatory=True),
        field("Contact_Name", "Contact Name", "lookup", ids(), quick=True,
              lookup=_lookup("Contacts", "Calls", "Calls", ids())),
        _related_to(ids),
        field("Subject", "Subject", "text", ids(), quick=True),
        _description(ids),
        field("Call_Agenda", "Call Agenda", "text", ids()),
        field("Reminder", "Reminder", "datetime", ids()),
        field("Dialled_Number", "Dialled Number", "phone", ids()),
        _tag(ids),
        *_audit(ids, activity=False),
        field("Call_Result", "Call Result", "picklist", ids(), custom=True,
              choices=["Interested", "Not interested", "No response", "Busy",
                       "Requested more info", "Requested call back"]),
        field("Follow_Up_Required", "Follow-up Required", "boolean", ids(), custom=True),
        _entry_key(ids),
    ]


# -- Team Pipelines (Pipelines layouts) ----------------------------------------------------


@dataclass(frozen=True)
class Choice:
    display: str
    actual: str


@dataclass(frozen=True)
class SubPipelineSpec:
    choice: Choice
    stages: tuple[Choice, ...]


@dataclass(frozen=True)
class TeamPipelineSpec:
    layout_id: str
    name: str
    api_name: str
    sub_pipelines: tuple[SubPipelineSpec, ...]


def _sub(display: str, actual: str, stages: Sequence[str | tuple[str, str]]) -> SubPipelineSpec:
    return SubPipelineSpec(
        Choice(display, actual),
        tuple(Choice(*s) if isinstance(s, tuple) else Choice(s, s) for s in stages),
    )


TEAM_PIPELINES: tuple[TeamPipelineSpec, ...] = (
    TeamPipelineSpec(
        layout_id="2034020000000095023",
        name="Sales - Marketing",
        api_name="Sales_Marketing",
        sub_pipelines=(
            _sub("Sales Pipeline", "Sales Pipeline Standard",
                 ["Qualification", "Needs Analysis", "Proposal/Price Quote",
                  "Negotiation/Review", "Closed Won", "Closed Lost"]),
            _sub("Marketing Pipeline", "Marketing Pipeline Standard",
                 [("New Inquiry", "New Enquiry"), "Contacted", "Nurturing",
                  "Marketing Qualified", "Closed Lost"]),
        ),
    ),
    TeamPipelineSpec(
        layout_id="2034020000000095051",
        name="Partnerships",
        api_name="Partnerships",
        sub_pipelines=(
            _sub("Partner Onboarding", "Partner Onboarding",
                 ["Prospecting", "Agreement Sent", "Onboarding", "Active Partner"]),
            _sub("Reseller Renewals", "Reseller Renewals",
                 ["Renewal Due", "Quote Sent", "Renewed", "Churned"]),
        ),
    ),
)


def _all_sub_pipelines() -> list[Choice]:
    return [s.choice for p in TEAM_PIPELINES for s in p.sub_pipelines]


def _all_stages() -> list[Choice]:
    seen: dict[str, Choice] = {}
    for pipeline in TEAM_PIPELINES:
        for sub in pipeline.sub_pipelines:
            for stage in sub.stages:
                seen.setdefault(stage.actual, stage)
    return list(seen.values())


# -- layouts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayoutSpec:
    layout_id: str
    name: str
    api_name: str


# Sections by field; a field not named here (a custom one, say) lands in the first section.
SECTIONS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "Contacts": (
        ("Contact Information", ()),
        ("Address Information", ("Mailing_Street", "Mailing_City", "Mailing_State",
                                 "Mailing_Zip", "Mailing_Country")),
        ("Description Information", ("Description",)),
    ),
    "Accounts": (
        ("Company Information", ()),
        ("Address Information", ("Billing_Street", "Billing_City", "Billing_State",
                                 "Billing_Country", "Billing_Code")),
        ("Description Information", ("Description",)),
    ),
    "Pipelines": (
        ("Pipeline Information", ()),
        ("Associated Products", ("Associated_Products",)),
        ("Description Information", ("Description",)),
    ),
    "Products": (("Product Information", ()), ("Description Information", ("Description",))),
    "Tasks": (("Task Information", ()), ("Description Information", ("Description",))),
    "Events": (("Event Information", ()), ("Description Information", ("Description",))),
    "Calls": (("Call Information", ()), ("Description Information", ("Description",))),
}

STANDARD_LAYOUT_IDS = {
    "Contacts": "2034020000000091033",
    "Accounts": "2034020000000091029",
    "Products": "2034020000000091009",
    "Tasks": "2034020000000091013",
    "Events": "2034020000000091017",
    "Calls": "2034020000000091021",
}


def layout_specs(module: str) -> tuple[LayoutSpec, ...]:
    if module == "Pipelines":
        return tuple(LayoutSpec(p.layout_id, p.name, p.api_name) for p in TEAM_PIPELINES)
    return (LayoutSpec(STANDARD_LAYOUT_IDS[module], "Standard", "Standard"),)


_BUILDERS = {
    "Contacts": _contacts,
    "Accounts": _accounts,
    "Products": _products,
    "Pipelines": _pipelines,
    "Tasks": _tasks,
    "Events": _events,
    "Calls": _calls,
}
_CATALOG: dict[str, tuple[dict[str, Any], ...]] = {
    module: tuple(build()) for module, build in _BUILDERS.items()
}


def base_fields(module: str) -> list[dict[str, Any]]:
    """A fresh copy of a module's catalog fields, safe to modify."""
    return copy.deepcopy(list(_CATALOG[module]))


# -- settings/modules ------------------------------------------------------------------------


def module_listing(modified_time: str, modified_by: dict[str, str]) -> list[dict[str, Any]]:
    """The recorded settings/modules shape, for the seven modules the API supports."""
    modules = []
    for info in sorted(MODULES.values(), key=lambda m: m.sequence):
        modules.append({
            "has_more_profiles": False,
            "access_type": "org_based",
            "private_profile": None,
            "global_search_supported": True,
            "deletable": info.api_name not in {"Contacts", "Accounts", "Pipelines"},
            "description": None,
            "creatable": True,
            "email_parser_supported": info.api_name in {"Contacts", "Accounts"},
            "inventory_template_supported": False,
            "modified_time": modified_time,
            "plural_label": info.plural,
            "presence_sub_menu": True,
            "actual_plural_label": info.plural,
            "triggers_supported": True,
            "id": info.module_id,
            "isBlueprintSupported": info.api_name == "Pipelines",
            "visible": True,
            "visibility": 1,
            "convertable": False,
            "editable": True,
            "emailTemplate_support": info.api_name in {"Contacts", "Accounts", "Pipelines"},
            "actual_singular_label": info.singular,
            "profiles": [
                {"name": "Administrator", "id": ADMIN_PROFILE_ID},
                {"name": "Standard", "id": STANDARD_PROFILE_ID},
            ],
            "filter_supported": True,
            "show_as_tab": True,
            "web_link": None,
            "sequence_number": info.sequence,
            "singular_label": info.singular,
            "viewable": True,
            "api_supported": True,
            "api_name": info.api_name,
            "quick_create": True,
            "modified_by": modified_by,
            "generated_type": "default",
            "feeds_required": True,
            "scoring_supported": info.api_name in {"Contacts", "Accounts", "Pipelines"},
            "webform_supported": info.api_name in {"Contacts", "Accounts", "Pipelines"},
            "public_fields_configured": False,
            "arguments": [],
            "module_name": info.api_name,
            "profile_count": 2,
            "business_card_field_limit": 5,
            "parent_module": {},
        })
    return modules
