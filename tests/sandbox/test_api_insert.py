"""Add Records over real HTTP: request checks, per-record errors, statuses and duplicates."""

from __future__ import annotations

import re
import threading

from bigin_ui.sandbox import tokens
from bigin_ui.sandbox.constants import SANDBOX_REFRESH_TOKEN
from bigin_ui.sandbox.models import RefreshToken, State
from tests.sandbox.helpers import contact, first, insert

ISO_ORG = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+03:00")


def error(response):
    return response.status_code, response.json()


# -- authentication, scope, module -----------------------------------------------------------------


def test_missing_authorization_is_authentication_failure(sandbox):
    response = sandbox.session.post(f"{sandbox.base_url}/bigin/v2/Contacts", json={"data": []})
    assert error(response) == (401, {"code": "AUTHENTICATION_FAILURE", "details": {},
                                     "message": "Authentication failed", "status": "error"})


def test_bearer_scheme_is_authentication_failure(sandbox):
    response = sandbox.api("GET", "org", headers={"Authorization": f"Bearer {sandbox.token()}"})
    assert response.json()["code"] == "AUTHENTICATION_FAILURE"


def test_unknown_token_is_invalid_token(sandbox):
    response = sandbox.api("GET", "org", token="1000.abc.def")
    assert error(response) == (401, {"code": "INVALID_TOKEN", "details": {},
                                     "message": "invalid oauth token", "status": "error"})


def test_expired_token_is_invalid_token(sandbox):
    grant = RefreshToken.objects.get(token=SANDBOX_REFRESH_TOKEN)
    expired, _ = tokens.issue_access_token(
        scope=grant.scope, user_id=grant.user_id, refresh_id=grant.pk,
        generation=State.objects.get().token_generation, ttl_seconds=-1)
    assert sandbox.api("GET", "org", token=expired).json()["code"] == "INVALID_TOKEN"


def test_token_from_before_a_reset_is_invalid(sandbox):
    old = sandbox.token()
    sandbox.reset()
    assert sandbox.api("GET", "org", token=old).json()["code"] == "INVALID_TOKEN"


def test_api_answers_say_when_the_token_expires(sandbox):
    reset_at = sandbox.api("GET", "org").headers["x-accesstoken-reset"]
    assert ISO_ORG.fullmatch(reset_at)


def test_write_without_write_scope_is_scope_mismatch(sandbox):
    token = sandbox.token_response(
        grant_type="authorization_code", code=sandbox.grant_code("ZohoBigin.users.READ"),
        client_id="1000.SANDBOXCLIENT", client_secret="sandbox-secret").json()["access_token"]
    response = sandbox.api("POST", "Contacts", token=token, json={"data": [contact()]})
    assert error(response) == (401, {"code": "OAUTH_SCOPE_MISMATCH", "details": {},
                                     "message": "invalid oauth scope to access this URL",
                                     "status": "error"})


def test_unknown_module_is_invalid_module(sandbox):
    response = insert(sandbox, "Leads", contact())
    assert error(response) == (400, {"code": "INVALID_MODULE",
                                     "details": {"resource_path_index": 0},
                                     "message": "the module name given seems to be invalid",
                                     "status": "error"})


def test_module_names_ignore_case(sandbox):
    assert insert(sandbox, "contacts", contact("Lower")).status_code == 201


# -- request body ----------------------------------------------------------------------------------


def test_body_that_is_not_json_is_invalid_data(sandbox):
    response = sandbox.api("POST", "Contacts", data=b"{not json",
                           headers={"Content-Type": "application/json"})
    assert error(response) == (400, {"code": "INVALID_DATA", "details": {},
                                     "message": "the input is not a valid JSON",
                                     "status": "error"})


def test_body_that_is_a_list_is_invalid_data(sandbox):
    response = sandbox.api("POST", "Contacts", json=[contact()])
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_DATA")


def test_missing_data_is_mandatory_not_found(sandbox):
    response = sandbox.api("POST", "Contacts", json={"records": []})
    assert error(response) == (400, {"code": "MANDATORY_NOT_FOUND",
                                     "details": {"api_name": "data"},
                                     "message": "required field not found", "status": "error"})


def test_data_that_is_not_a_list_is_invalid_data(sandbox):
    response = sandbox.api("POST", "Contacts", json={"data": contact()})
    assert error(response)[1]["details"] == {"expected_data_type": "jsonarray", "api_name": "data"}


def test_more_than_100_records_is_limit_exceeded(sandbox):
    response = insert(sandbox, "Contacts", *[contact(f"N{i}") for i in range(101)])
    assert error(response) == (400, {"code": "LIMIT_EXCEEDED", "details": {"limit": 100},
                                     "message": "Record count exceeded", "status": "error"})
    assert not [r for r in sandbox.records("Contacts") if r["Last_Name"] == "N0"]


def test_100_records_are_taken(sandbox):
    response = insert(sandbox, "Contacts", *[contact(f"N{i}") for i in range(100)])
    assert response.status_code == 202 and len(response.json()["data"]) == 100


def test_trigger_must_be_a_list_of_strings(sandbox):
    response = insert(sandbox, "Contacts", contact(), trigger="workflow")
    assert error(response)[1]["details"] == {"expected_data_type": "jsonarray",
                                             "api_name": "trigger"}


def test_empty_trigger_is_fine(sandbox):
    assert insert(sandbox, "Contacts", contact(), trigger=[]).status_code == 201


# -- results ---------------------------------------------------------------------------------------


def test_one_record_created_is_201_with_the_recorded_success_shape(sandbox):
    response = insert(sandbox, "Contacts", contact("Solo", "solo@example.com"))
    item = first(response)
    assert response.status_code == 201
    assert (item["code"], item["message"], item["status"]) == ("SUCCESS", "record added",
                                                               "success")
    details = item["details"]
    assert set(details) == {"Modified_Time", "Modified_By", "Created_Time", "id", "Created_By",
                            "$approval_state"}
    assert re.fullmatch(r"\d{19}", details["id"])
    assert ISO_ORG.fullmatch(details["Created_Time"])
    assert details["Created_By"] == {"name": "Zylker Travels", "id": "2034020000000457001"}
    assert details["$approval_state"] == "approved"


def test_answers_are_json_utf8(sandbox):
    response = insert(sandbox, "Contacts", contact("Müller"))
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"


def test_several_records_are_202_in_order(sandbox):
    response = insert(sandbox, "Contacts", contact("A"), {"First_Name": "x"}, contact("B"))
    codes = [item["code"] for item in response.json()["data"]]
    assert (response.status_code, codes) == (202, ["SUCCESS", "MANDATORY_NOT_FOUND", "SUCCESS"])


def test_multi_status_knob_answers_207(sandbox):
    sandbox.knobs(multi_status=207)
    assert insert(sandbox, "Contacts", contact("A"), contact("B")).status_code == 207


def test_all_failed_is_400_with_per_record_errors(sandbox):
    response = insert(sandbox, "Contacts", {"Email": "x@example.com"}, "oops")
    assert response.status_code == 400
    assert response.json()["data"] == [
        {"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "Last_Name",
                                                    "json_path": "$.data[0].Last_Name"},
         "message": "required field not found", "status": "error"},
        {"code": "INVALID_DATA", "details": {"expected_data_type": "jsonobject", "index": 1},
         "message": "invalid data", "status": "error"},
    ]


def test_invalid_type_names_the_expected_type(sandbox):
    item = first(insert(sandbox, "Contacts", contact(Email_Opt_Out="yes")))
    assert item == {"code": "INVALID_DATA", "message": "invalid data", "status": "error",
                    "details": {"api_name": "Email_Opt_Out", "expected_data_type": "boolean",
                                "json_path": "$.data[0].Email_Opt_Out"}}


def test_too_long_names_the_maximum_length(sandbox):
    details = first(insert(sandbox, "Contacts", contact("L" * 81)))["details"]
    assert details == {"api_name": "Last_Name", "json_path": "$.data[0].Last_Name",
                       "maximum_length": 80}


def test_unknown_field_is_invalid_data(sandbox):
    details = first(insert(sandbox, "Contacts", contact(Shoe_Size=42)))["details"]
    assert details == {"api_name": "Shoe_Size", "json_path": "$.data[0].Shoe_Size"}


def test_missing_lookup_target_is_invalid_data(sandbox):
    details = first(insert(sandbox, "Contacts", contact(Account_Name={"id": "1234"})))["details"]
    assert details == {"api_name": "Account_Name", "json_path": "$.data[0].Account_Name"}


def test_record_inserted_earlier_in_the_request_can_be_looked_up(sandbox):
    company = first(insert(sandbox, "Accounts", {"Account_Name": "Fresh Co"}))["details"]["id"]
    response = insert(sandbox, "Contacts", contact(Account_Name={"id": company}))
    assert response.status_code == 201


# -- duplicates ------------------------------------------------------------------------------------


def test_duplicate_across_requests_names_the_existing_record(sandbox):
    created = first(insert(sandbox, "Contacts", contact("One", "dup@example.com")))
    item = first(insert(sandbox, "Contacts", contact("Two", "dup@example.com")))
    assert item == {"code": "DUPLICATE_DATA", "message": "duplicate data", "status": "error",
                    "details": {
                        "api_name": "Email", "json_path": "$.data[0].Email",
                        "more_records": False,
                        "duplicate_record": {
                            "id": created["details"]["id"],
                            "module": {"api_name": "Contacts", "id": "2034020000000002179"},
                            "Owner": {"name": "Zylker Travels", "id": "2034020000000457001",
                                      "zuid": "801234567"}}}}


def test_duplicates_ignore_case_and_spaces(sandbox):
    insert(sandbox, "Contacts", contact("One", "Case@Example.com"))
    item = first(insert(sandbox, "Contacts", contact("Two", "  case@example.COM ")))
    assert item["code"] == "DUPLICATE_DATA"


def test_duplicate_within_one_request(sandbox):
    response = insert(sandbox, "Accounts", {"Account_Name": "Twin Ltd"},
                      {"Account_Name": "twin ltd"})
    ok, dup = response.json()["data"]
    assert response.status_code == 202
    assert dup["code"] == "DUPLICATE_DATA"
    assert dup["details"]["duplicate_record"]["id"] == ok["details"]["id"]


def test_duplicate_of_a_seeded_record(sandbox):
    item = first(insert(sandbox, "Products", {"Product_Name": "African Safari Adventure"}))
    assert item["details"]["duplicate_record"]["id"] == "2034020000000489200"


def test_empty_unique_values_never_collide(sandbox):
    response = insert(sandbox, "Contacts", contact("A", ""), contact("B"), contact("C", ""))
    assert [i["code"] for i in response.json()["data"]] == ["SUCCESS"] * 3


def test_custom_unique_field_is_checked(sandbox):
    insert(sandbox, "Tasks", {"Subject": "A", "Entry_Key": "k-1"})
    assert first(insert(sandbox, "Tasks", {"Subject": "B", "Entry_Key": "K-1"}))["details"][
        "api_name"] == "Entry_Key"


def test_a_failed_record_leaves_its_unique_value_free(sandbox):
    insert(sandbox, "Contacts", contact("L" * 81, "free@example.com"))
    assert insert(sandbox, "Contacts", contact("Ok", "free@example.com")).status_code == 201


def test_concurrent_duplicate_inserts_store_exactly_one(sandbox):
    token = sandbox.token()
    codes = []
    barrier = threading.Barrier(8)

    def send(n):
        barrier.wait()
        response = sandbox.api("POST", "Contacts", token=token,
                               json={"data": [contact(f"Racer{n}", "race@example.com")]})
        codes.append(first(response)["code"])

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == ["DUPLICATE_DATA"] * 7 + ["SUCCESS"]
    assert len([r for r in sandbox.records("Contacts") if r["Email"] == "race@example.com"]) == 1


# -- what is stored --------------------------------------------------------------------------------


def stored(sandbox, module, record_id):
    return next(r for r in sandbox.records(module) if r["id"] == record_id)


def test_owner_defaults_to_the_token_user(sandbox):
    record_id = first(insert(sandbox, "Contacts", contact()))["details"]["id"]
    assert stored(sandbox, "Contacts", record_id)["Owner"] == {
        "name": "Zylker Travels", "id": "2034020000000457001",
        "email": "admin@zylkertravels.example"}


def test_given_owner_is_kept(sandbox):
    response = insert(sandbox, "Contacts", contact(Owner={"id": "2034020000000472114"}))
    record = stored(sandbox, "Contacts", first(response)["details"]["id"])
    assert record["Owner"]["name"] == "Patricia Boyle"


def test_lookups_are_stored_with_names(sandbox):
    response = insert(sandbox, "Contacts", contact(Account_Name={"id": "2034020000000459518"}))
    record = stored(sandbox, "Contacts", first(response)["details"]["id"])
    assert record["Account_Name"] == {"name": "Global Adventures Ltd", "id": "2034020000000459518"}


def test_new_tags_are_created_for_the_module(sandbox):
    insert(sandbox, "Contacts", contact(Tag=[{"name": "Brand New"}, {"name": "VIP"}]))
    tags = sandbox.api("GET", "settings/tags", params={"module": "Contacts"}).json()
    assert "Brand New" in [t["name"] for t in tags["tags"]]
    other = sandbox.api("GET", "settings/tags", params={"module": "Accounts"}).json()
    assert "Brand New" not in [t["name"] for t in other["tags"]]


def test_tags_are_stored_with_id_and_colour(sandbox):
    response = insert(sandbox, "Contacts", contact(Tag=[{"name": "vip"}]))
    (tag,) = stored(sandbox, "Contacts", first(response)["details"]["id"])["Tag"]
    assert set(tag) == {"name", "id", "color_code"} and tag["name"] == "VIP"


def test_strict_picklists_off_takes_new_values(sandbox):
    sandbox.knobs(strict_picklists=False)
    response = insert(sandbox, "Accounts", {"Account_Name": "New Industry", "Industry": "Mining"})
    assert response.status_code == 201


def test_strict_picklists_on_refuses_new_values(sandbox):
    response = insert(sandbox, "Accounts", {"Account_Name": "New Industry", "Industry": "Mining"})
    assert first(response)["details"]["api_name"] == "Industry"


def test_datetimes_are_read_back_in_the_org_offset(sandbox):
    response = insert(sandbox, "Calls", {"Call_Type": "Inbound", "Call_Duration": "1:00",
                                         "Call_Start_Time": "2026-03-01T10:00:00+05:30"})
    record = stored(sandbox, "Calls", first(response)["details"]["id"])
    assert record["Call_Start_Time"] == "2026-03-01T07:30:00+03:00"


# -- pipelines -------------------------------------------------------------------------------------


def test_stage_outside_its_sub_pipeline_is_invalid_data(sandbox):
    response = insert(sandbox, "Pipelines", {"Deal_Name": "D", "Sub_Pipeline":
                                             "Sales Pipeline Standard", "Stage": "Quote Sent"})
    assert first(response)["details"] == {"api_name": "Stage", "json_path": "$.data[0].Stage"}


def test_deal_in_the_second_team_pipeline(sandbox):
    layouts = sandbox.api("GET", "settings/layouts", params={"module": "Pipelines"}).json()
    second = layouts["layouts"][1]
    response = insert(sandbox, "Pipelines", {
        "Deal_Name": "Partner deal", "Pipeline": {"id": second["id"], "name": second["name"]},
        "Sub_Pipeline": "Reseller Renewals", "Stage": "Renewed"})
    assert response.status_code == 201


def test_deal_without_pipeline_lands_in_the_first_one(sandbox):
    response = insert(sandbox, "Pipelines", {"Deal_Name": "Default", "Sub_Pipeline":
                                             "Sales Pipeline Standard", "Stage": "Qualification"})
    record = stored(sandbox, "Pipelines", first(response)["details"]["id"])
    assert record["Pipeline"] == {"name": "Sales - Marketing", "id": "2034020000000095023"}


# -- the seven samples of the Add Records doc (JSON typos fixed) -----------------------------------

OWNER = {"id": "2034020000000457001"}
SAMPLES = {
    "Contacts": [
        {"Owner": OWNER, "Account_Name": {"id": "2034020000000489159"}, "First_Name": "Sarah",
         "Last_Name": "Johnson", "Title": "HR Director", "Email": "sarah.johnson@example.com",
         "Mobile": "+1 (555) 987-6543", "Email_Opt_Out": True, "Tag": [{"name": "Recruitment"}],
         "Description": "Manages all aspects of human resources and recruitment processes.",
         "Mailing_Street": "456 Elm Avenue", "Mailing_City": "Springfield",
         "Mailing_State": "Illinois", "Mailing_Country": "United States",
         "Mailing_Zip": "67890"},
        {"Owner": OWNER, "Account_Name": {"id": "2034020000000489159"}, "First_Name": "Robert",
         "Last_Name": "Williams", "Title": "Manager", "Email": "robert.williams@example.com",
         "Mobile": "+1 (555) 246-8135", "Email_Opt_Out": False, "Tag": [],
         "Description": "Manager responsible for overall team strategy and decision-making.",
         "Mailing_Street": "789 Oak Lane", "Mailing_City": "Metropolis",
         "Mailing_State": "New York", "Mailing_Country": "United States",
         "Mailing_Zip": "54321"},
    ],
    "Pipelines": [
        {"Owner": OWNER, "Deal_Name": "Adventure Tour Package",
         "Account_Name": {"id": "2034020000000459518"},
         "Contact_Name": {"id": "2034020000000489033"},
         "Sub_Pipeline": "Sales Pipeline Standard", "Stage": "Needs Analysis", "Amount": "4000",
         "Secondary_Contacts": [], "Closing_Date": "2023-10-10",
         "Tag": [{"name": "Adventure"}, {"name": "SuperCool"}],
         "Description": "A sample pipeline record",
         "Pipeline": {"name": "Sales - Marketing", "id": "2034020000000095023"},
         "Associated_Products": [
             {"Product": {"name": "Amazon Rainforest Expedition", "id": "2034020000000489203"},
              "List_Price": 2000, "Quantity": 1, "Discount": 0},
             {"Product": {"name": "African Safari Adventure", "id": "2034020000000489200"},
              "List_Price": 1500, "Quantity": 2, "Discount": 10},
         ]},
    ],
    "Accounts": [
        {"Owner": OWNER, "Account_Name": "Techtronics Inc.", "Phone": "+1-555-1234567",
         "Website": "www.techtronics.com", "Tag": [{"name": "Tech"}, {"name": "Gadgets"}],
         "Description": "Techtronics Inc. is a leading provider of innovative electronic "
                        "gadgets and cutting-edge technology solutions.",
         "Billing_Street": "123 Main Street", "Billing_City": "Anytown",
         "Billing_State": "California", "Billing_Country": "United States",
         "Billing_Code": "12345"},
    ],
    "Products": [
        {"Owner": OWNER, "Product_Name": "Adventure Safari", "Product_Code": "ADV001",
         "Unit_Price": 500, "Product_Category": "Safari",
         "Description": "Embark on an exhilarating adventure with our Adventure Safari package. "
                        "This 7-day tour takes you deep into the heart of the African "
                        "wilderness, where you'll encounter breathtaking landscapes and observe "
                        "majestic wildlife up close. Our experienced guides will lead you on "
                        "thrilling game drives, bush walks, and boat safaris, ensuring an "
                        "unforgettable journey through nature's wonders.",
         "Tag": [{"name": "Wildlife"}, {"name": "Adventure"}], "Product_Active": True},
    ],
    "Calls": [
        {"Owner": OWNER, "Contact_Name": {"id": "2034020000000489033"},
         "Call_Start_Time": "2023-07-12T15:30:00+05:30", "Call_Duration": "90:00",
         "Call_Type": "Outbound",
         "Related_To": {"name": "Cruise Package", "id": "2034020000000489123"},
         "Subject": "Cruise Package Discussion",
         "Description": "This is sample call about cruise package discussion",
         "Call_Agenda": "Discuss requirements and prices of the package.",
         "Reminder": "2023-07-12T15:25:00+05:30", "Dialled_Number": "+1 (555) 246-8135",
         "Tag": [{"name": "Vacation"}, {"name": "Adventure"}]},
    ],
    "Events": [
        {"Owner": OWNER, "Event_Title": "Event before SKI Vacation Package",
         "Start_DateTime": "2023-08-20T10:00:00+05:30",
         "End_DateTime": "2023-08-21T10:00:00+05:30", "All_day": False,
         "$se_module": "Contacts",
         "Recurring_Activity": {"RRULE": "FREQ=MONTHLY;INTERVAL=1;BYDAY=MO;UNTIL=2023-09-05"},
         "Remind_At": [{"unit": 1, "period": "hours"}, {"unit": 30, "period": "minutes"}],
         "Venue": "Online (Zoom)",
         "Related_To": {"name": "Ski Vacation Package Closed Lost",
                        "id": "2034020000000478422"},
         "Participants": [
             {"type": "user", "participant": "2034020000000472114"},
             {"type": "email", "participant": "aravind.vavilala+bigin_v2apis@zohotest.com"},
             {"type": "contact", "participant": "2034020000000489034"},
         ],
         "Description": "This is a sample event on the SKI Vacation Package.",
         "Tag": [{"name": "Remote"}, {"name": "Vacation"}]},
    ],
    "Tasks": [
        {"Owner": OWNER, "Subject": "Follow-up email to Ava Bell", "Due_Date": "2023-07-25",
         "Recurring_Activity": {
             "RRULE": "FREQ=WEEKLY;INTERVAL=1;UNTIL=2023-07-27;BYDAY=TH;DTSTART=2023-07-26"},
         "Remind_At": {
             "ALARM": "FREQ=NONE;ACTION=EMAIL;TRIGGER=DATE-TIME:2023-07-25T12:00:00+05:30"},
         "Related_To": {"name": "Wellness Retreat Package", "id": "2034020000000489080"},
         "Description": "This task is related to contacting Ava Bell regarding Wellness "
                        "Retreat Package.",
         "Priority": "Normal", "Status": "Not Started", "Tag": []},
    ],
}


def test_contacts_sample_is_accepted(sandbox):
    response = insert(sandbox, "Contacts", *SAMPLES["Contacts"])
    assert response.status_code == 202
    assert [i["code"] for i in response.json()["data"]] == ["SUCCESS", "SUCCESS"]


def test_pipelines_sample_is_accepted(sandbox):
    response = insert(sandbox, "Pipelines", *SAMPLES["Pipelines"])
    assert (response.status_code, first(response)["code"]) == (201, "SUCCESS")


def test_companies_sample_is_accepted(sandbox):
    assert insert(sandbox, "Accounts", *SAMPLES["Accounts"]).status_code == 201


def test_products_sample_is_accepted(sandbox):
    assert insert(sandbox, "Products", *SAMPLES["Products"]).status_code == 201


def test_calls_sample_is_accepted(sandbox):
    assert insert(sandbox, "Calls", *SAMPLES["Calls"]).status_code == 201


def test_events_sample_is_accepted(sandbox):
    assert insert(sandbox, "Events", *SAMPLES["Events"]).status_code == 201


def test_tasks_sample_is_accepted(sandbox):
    assert insert(sandbox, "Tasks", *SAMPLES["Tasks"]).status_code == 201


def test_events_sample_keeps_its_se_module_and_participants(sandbox):
    record_id = first(insert(sandbox, "Events", *SAMPLES["Events"]))["details"]["id"]
    record = stored(sandbox, "Events", record_id)
    assert record["$se_module"] == "Contacts"
    assert record["Related_To"] == {"name": "Noah Fischer", "id": "2034020000000478422"}
    assert [p["type"] for p in record["Participants"]] == ["user", "email", "contact"]
