"""The demo org: its users, org details, tags and records, re-created by every reset.

The ids are the ones the official Add Records samples refer to, so those samples are accepted
as they stand. No seeded record uses a unique value that a sample inserts (sarah.johnson@…,
"Techtronics Inc.", "Adventure Safari", "Adventure Tour Package").
"""

from __future__ import annotations

import copy
from typing import Any

from bigin_ui.sandbox.catalog import ADMIN_PROFILE_ID, STANDARD_PROFILE_ID, oid

ORG_TIME_ZONE = "Africa/Nairobi"
ORG_ID = oid(20005)
CURRENT_USER_ID = "2034020000000457001"
# Seeded records are this old, so no search lag ever hides them.
SEED_TIME = "2026-01-05T10:00:00+03:00"

_THEME = {
    "normal_tab": {"font_color": "#FFFFFF", "background": "#222222"},
    "selected_tab": {"font_color": "#FFFFFF", "background": "#222222"},
    "new_background": None,
    "background": "#F3F0EB",
    "screen": "fixed",
    "type": "default",
}
_CUSTOMIZE = {
    "notes_desc": None,
    "show_right_panel": None,
    "bc_view": None,
    "show_home": False,
    "show_detail_view": True,
    "show_left_panel": True,
    "unpin_recent_item": None,
}


def _user(
    user_id: str,
    zuid: str,
    first: str,
    last: str,
    email: str,
    *,
    admin: bool = False,
    status: str = "active",
    role: tuple[str, str] = ("Sales Representative", oid(26008)),
) -> dict[str, Any]:
    creator = {"name": "Zylker Travels", "id": CURRENT_USER_ID}
    return {
        "country": "KENYA",
        "Preferred_Currency__s": None,
        "language": "en_US",
        "microsoft": False,
        "$shift_effective_from": None,
        "id": user_id,
        "state": "NAIROBI CITY",
        "fax": None,
        "country_locale": "en_US",
        "sandboxDeveloper": False,
        "zip": None,
        "decimal_separator": "Period",
        "created_time": "2025-11-03T09:12:40+03:00",
        "time_format": "hh:mm a",
        "offset": 10800000,
        "profile": {
            "name": "Administrator" if admin else "Standard",
            "id": ADMIN_PROFILE_ID if admin else STANDARD_PROFILE_ID,
        },
        "created_by": creator,
        "zuid": zuid,
        "full_name": f"{first} {last}".strip(),
        "phone": None,
        "dob": None,
        "status": status,
        "role": {"name": role[0], "id": role[1]},
        "customize_info": dict(_CUSTOMIZE),
        "city": None,
        "signature": None,
        "sort_order_preference": "First Name,Last Name",
        "name_format": "Salutation,First Name,Last Name",
        "locale": "en_US",
        "personal_account": admin,
        "Isonline": False,
        "default_tab_group": "0",
        "Modified_By": creator,
        "street": None,
        "$current_shift": None,
        "alias": None,
        "theme": copy.deepcopy(_THEME),
        "first_name": first,
        "email": email,
        "status_reason__s": None,
        "website": None,
        "Modified_Time": "2025-11-03T09:20:11+03:00",
        "$next_shift": None,
        "mobile": None,
        "last_name": last,
        "time_zone": ORG_TIME_ZONE,
        "number_separator": "Comma",
        "confirm": status != "unconfirmed",
        "date_format": "MM/dd/yyyy",
        "category": "regular_user",
    }


USERS: tuple[dict[str, Any], ...] = (
    _user(CURRENT_USER_ID, "801234567", "Zylker", "Travels", "admin@zylkertravels.example",
          admin=True, role=("CEO", oid(26005))),
    _user("2034020000000472114", "801234601", "Patricia", "Boyle",
          "patricia.boyle@zylkertravels.example", role=("Sales Manager", oid(26007))),
    _user("2034020000000472130", "801234615", "Kevin", "Otieno",
          "kevin.otieno@zylkertravels.example"),
    # A former colleague: listed by AllUsers/DeactiveUsers, refused as an owner or participant.
    _user("2034020000000472150", "801234622", "Grace", "Wanjiru",
          "grace.wanjiru@zylkertravels.example", status="disabled"),
)
USERS_BY_ID = {u["id"]: u for u in USERS}


def org() -> dict[str, Any]:
    return {
        "country": "Kenya",
        "hierarchy_preferences": {"type": "Role_Hierarchy"},
        "photo_id": None,
        "city": "Nairobi",
        "description": None,
        "mc_status": False,
        "gapps_enabled": False,
        "lite_users_enabled": False,
        "domain_name": "org801234567",
        "translation_enabled": False,
        "street": "Kenyatta Avenue 12",
        "alias": None,
        "currency": "US Dollar - USD",
        "deletable_org_account": True,
        "id": ORG_ID,
        "state": "Nairobi",
        "fax": None,
        "employee_count": "25",
        "zip": "00100",
        "website": "www.zylkertravels.example",
        "currency_symbol": "$",
        "mobile": None,
        "currency_locale": "USD",
        "primary_zuid": "801234567",
        "zia_portal_id": None,
        "time_zone": ORG_TIME_ZONE,
        "zgid": "801234560",
        "country_code": "KE",
        "license_details": {
            "paid_expiry": None,
            "users_license_purchased": 10,
            "trial_type": "biginpremier",
            "trial_expiry": None,
            "paid": True,
            "paid_type": "premier",
            "portal_users_license_purchased": 0,
        },
        "phone": "+254 20 555 0100",
        "company_name": "Zylker Travels",
        "privacy_settings": False,
        "primary_email": "admin@zylkertravels.example",
        "hipaa_compliance_enabled": False,
        "iso_code": "USD",
    }


TAGS: dict[str, tuple[str, ...]] = {
    "Contacts": ("Recruitment", "VIP", "Newsletter"),
    "Accounts": ("Tech", "Gadgets", "Partner"),
    "Pipelines": ("Adventure", "SuperCool", "Hot"),
    "Products": ("Wildlife", "Adventure", "Bestseller"),
    "Tasks": ("Follow-up",),
    "Events": ("Remote", "Vacation"),
    "Calls": ("Vacation", "Adventure"),
}
TAG_COLOURS = ("#57B1FD", "#F48435", "#63C57E", "#E7A826", "#A8A8FF", "#FF7F98", "#1DB9B4")

# (module, id, fields) in dependency order: companies and products before the records that
# point at them. Lookups are given as {"id"} and resolved by the store like any insert.
RECORDS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("Accounts", "2034020000000489159", {
        "Account_Name": "Springfield Staffing Co.", "Phone": "+1 555 010 2200",
        "Website": "www.springfieldstaffing.example", "Billing_City": "Springfield",
        "Billing_State": "Illinois", "Billing_Country": "United States",
        "Industry": "Financial Services", "Employees": 120}),
    ("Accounts", "2034020000000459518", {
        "Account_Name": "Global Adventures Ltd", "Phone": "+44 20 7946 0011",
        "Website": "https://globaladventures.example", "Billing_City": "London",
        "Billing_Country": "United Kingdom", "Industry": "Travel & Tourism",
        "Tag": [{"name": "Partner"}]}),
    ("Accounts", oid(489301), {
        "Account_Name": "Zylker Corp", "Phone": "609-281-3662",
        "Website": "https://zylkercorp.example", "Billing_Street": "8 W Cerritos Ave #54",
        "Billing_City": "Bridgeport", "Billing_State": "New Jersey",
        "Industry": "Technology"}),
    ("Accounts", oid(489303), {
        "Account_Name": "Acme Safaris", "Phone": "+254 722 000 111",
        "Billing_City": "Nairobi", "Billing_Country": "Kenya", "Industry": "Travel & Tourism",
        "Tag": [{"name": "Partner"}]}),
    ("Accounts", oid(489305), {
        "Account_Name": "Northwind Traders", "Phone": "+1 206 555 0142",
        "Website": "www.northwind.example", "Billing_City": "Seattle",
        "Billing_State": "Washington", "Billing_Country": "United States",
        "Industry": "Retail"}),
    ("Accounts", oid(489307), {
        "Account_Name": "Contoso Pharmaceuticals", "Billing_City": "Basel",
        "Billing_Country": "Switzerland", "Industry": "Healthcare"}),
    ("Accounts", oid(489309), {
        "Account_Name": "Blue Lagoon Resorts", "Billing_City": "Mombasa",
        "Billing_Country": "Kenya", "Industry": "Hospitality"}),
    ("Accounts", oid(489311), {
        "Account_Name": "Initech Software", "Website": "www.initech.example",
        "Billing_City": "Austin", "Billing_State": "Texas", "Industry": "Technology",
        "Tag": [{"name": "Tech"}]}),
    ("Products", "2034020000000489203", {
        "Product_Name": "Amazon Rainforest Expedition", "Product_Code": "AMZ-EXP-01",
        "Unit_Price": 2000, "Product_Category": "Adventure", "Product_Active": True,
        "Tag": [{"name": "Adventure"}]}),
    ("Products", "2034020000000489200", {
        "Product_Name": "African Safari Adventure", "Product_Code": "AFR-SAF-01",
        "Unit_Price": 1500, "Product_Category": "Safari", "Product_Active": True,
        "Tag": [{"name": "Wildlife"}]}),
    ("Products", oid(489205), {
        "Product_Name": "Nordic Fjord Cruise", "Product_Code": "NOR-CRU-01",
        "Unit_Price": 3200, "Product_Category": "Cruise", "Product_Active": True}),
    ("Products", oid(489207), {
        "Product_Name": "Himalayan Base Camp Trek", "Product_Code": "HIM-TRK-01",
        "Unit_Price": 2750, "Product_Category": "Adventure", "Product_Active": False}),
    ("Contacts", "2034020000000489033", {
        "First_Name": "Ava", "Last_Name": "Bell", "Email": "ava.bell@globaladventures.example",
        "Title": "Travel Coordinator", "Mobile": "+44 7700 900123",
        "Account_Name": {"id": "2034020000000459518"}, "Mailing_City": "London",
        "Mailing_Country": "United Kingdom"}),
    ("Contacts", "2034020000000489034", {
        "First_Name": "Liam", "Last_Name": "Carter",
        "Email": "liam.carter@springfieldstaffing.example", "Title": "Office Manager",
        "Phone": "+1 555 010 2201", "Account_Name": {"id": "2034020000000489159"},
        "Mailing_City": "Springfield", "Mailing_State": "Illinois",
        "Mailing_Country": "United States"}),
    ("Contacts", "2034020000000478422", {
        "First_Name": "Noah", "Last_Name": "Fischer", "Email": "noah.fischer@example.net",
        "Title": "Ski Instructor", "Mobile": "+49 151 2345 6789", "Mailing_City": "Munich",
        "Mailing_Country": "Germany", "Tag": [{"name": "VIP"}]}),
    ("Contacts", oid(489101), {
        "First_Name": "Ted", "Last_Name": "Watson", "Email": "ted.watson@zylkercorp.example",
        "Mobile": "609-884-0686", "Account_Name": {"id": oid(489301)},
        "Mailing_Street": "8 W Cerritos Ave #54", "Mailing_City": "Bridgeport",
        "Mailing_State": "New Jersey"}),
    ("Contacts", oid(489103), {
        "First_Name": "Wanjiku", "Last_Name": "Mwangi", "Email": "wanjiku@acmesafaris.example",
        "Title": "Operations Lead", "Phone": "+254 722 000 112",
        "Account_Name": {"id": oid(489303)}, "Mailing_City": "Nairobi",
        "Mailing_Country": "Kenya"}),
    ("Contacts", oid(489105), {
        "First_Name": "Maria", "Last_Name": "Anders", "Email": "maria.anders@northwind.example",
        "Title": "Purchasing Manager", "Account_Name": {"id": oid(489305)},
        "Mailing_City": "Seattle", "Tag": [{"name": "Newsletter"}]}),
    ("Contacts", oid(489107), {
        "First_Name": "Hanna", "Last_Name": "Moos", "Email": "hanna.moos@contoso.example",
        "Title": "Events Manager", "Account_Name": {"id": oid(489307)},
        "Mailing_City": "Basel", "Mailing_Country": "Switzerland"}),
    ("Contacts", oid(489109), {
        "First_Name": "Omar", "Last_Name": "Haddad", "Email": "omar.haddad@bluelagoon.example",
        "Title": "General Manager", "Account_Name": {"id": oid(489309)},
        "Mailing_City": "Mombasa"}),
    ("Contacts", oid(489111), {
        "First_Name": "Peter", "Last_Name": "Gibbons", "Email": "peter.gibbons@initech.example",
        "Title": "Engineer", "Account_Name": {"id": oid(489311)}, "Mailing_City": "Austin"}),
    ("Pipelines", "2034020000000489123", {
        "Deal_Name": "Cruise Package", "Pipeline": {"id": "2034020000000095023"},
        "Sub_Pipeline": "Sales Pipeline Standard", "Stage": "Proposal/Price Quote",
        "Amount": 6400, "Closing_Date": "2026-03-31",
        "Account_Name": {"id": "2034020000000459518"},
        "Contact_Name": {"id": "2034020000000489033"}}),
    ("Pipelines", "2034020000000489080", {
        "Deal_Name": "Wellness Retreat Package", "Pipeline": {"id": "2034020000000095023"},
        "Sub_Pipeline": "Marketing Pipeline Standard", "Stage": "New Enquiry",
        "Amount": 2500, "Closing_Date": "2026-04-15",
        "Account_Name": {"id": "2034020000000489159"}}),
    ("Pipelines", oid(489125), {
        "Deal_Name": "Acme Safaris Reseller Agreement", "Pipeline": {"id": "2034020000000095051"},
        "Sub_Pipeline": "Partner Onboarding", "Stage": "Agreement Sent",
        "Account_Name": {"id": oid(489303)}, "Contact_Name": {"id": oid(489103)}}),
)
