"""Upsert over real HTTP: insert or update by duplicate_check_fields."""

from __future__ import annotations

import threading

from tests.sandbox.helpers import contact, first, insert


def upsert(sandbox, module, *records, **body):
    return sandbox.api("POST", f"{module}/upsert", json={"data": list(records), **body})


def stored(sandbox, module, record_id):
    return next(r for r in sandbox.records(module) if r["id"] == record_id)


def test_no_match_inserts_with_201(sandbox):
    response = upsert(sandbox, "Contacts", contact("New", "new@example.com"),
                      duplicate_check_fields=["Email"])
    item = first(response)
    assert response.status_code == 201
    assert (item["action"], item["duplicate_field"], item["message"]) == (
        "insert", None, "record added")


def test_match_updates_with_200_as_recorded(sandbox):
    created = first(insert(sandbox, "Contacts", contact("Old", "same@example.com")))
    response = upsert(sandbox, "Contacts", {"Last_Name": "Newer", "Email": "SAME@example.com"},
                      duplicate_check_fields=["Email"])
    item = first(response)
    assert response.status_code == 200
    assert (item["code"], item["action"], item["duplicate_field"], item["message"],
            item["status"]) == ("SUCCESS", "update", "Email", "record updated", "success")
    assert item["details"]["id"] == created["details"]["id"]
    assert stored(sandbox, "Contacts", created["details"]["id"])["Last_Name"] == "Newer"


def test_update_merges_and_keeps_other_fields(sandbox):
    created = first(insert(sandbox, "Contacts", contact("Keep", "keep@example.com",
                                                        Title="CEO")))
    upsert(sandbox, "Contacts", {"Email": "keep@example.com", "Mobile": "123"})
    record = stored(sandbox, "Contacts", created["details"]["id"])
    assert (record["Last_Name"], record["Title"], record["Mobile"]) == ("Keep", "CEO", "123")


def test_update_skips_the_mandatory_check(sandbox):
    insert(sandbox, "Contacts", contact("Mand", "mand@example.com"))
    assert upsert(sandbox, "Contacts", {"Email": "mand@example.com"}).status_code == 200


def test_update_still_validates_values(sandbox):
    insert(sandbox, "Contacts", contact("Val", "val@example.com"))
    item = first(upsert(sandbox, "Contacts", {"Email": "val@example.com", "Phone": "<x>"}))
    assert (item["code"], item["details"]["api_name"]) == ("INVALID_DATA", "Phone")


def test_default_check_field_is_the_system_unique_field(sandbox):
    insert(sandbox, "Accounts", {"Account_Name": "Default Check Ltd"})
    item = first(upsert(sandbox, "Accounts", {"Account_Name": "default check ltd",
                                              "Phone": "1"}))
    assert (item["action"], item["duplicate_field"]) == ("update", "Account_Name")


def test_custom_unique_field_as_check_field(sandbox):
    created = first(insert(sandbox, "Tasks", {"Subject": "First", "Entry_Key": "row-42"}))
    item = first(upsert(sandbox, "Tasks", {"Subject": "Second", "Entry_Key": "row-42"},
                        duplicate_check_fields=["Entry_Key"]))
    assert (item["action"], item["details"]["id"]) == ("update", created["details"]["id"])


def test_first_matching_check_field_wins(sandbox):
    created = first(insert(sandbox, "Contacts", contact("K", "k@example.com", Entry_Key="e1")))
    item = first(upsert(sandbox, "Contacts", contact("K", "other@example.com", Entry_Key="e1"),
                        duplicate_check_fields=["Email", "Entry_Key"]))
    assert (item["duplicate_field"], item["details"]["id"]) == (
        "Entry_Key", created["details"]["id"])


def test_check_field_that_is_not_unique_is_invalid_data(sandbox):
    response = upsert(sandbox, "Contacts", contact(), duplicate_check_fields=["Last_Name"])
    assert response.status_code == 400
    assert response.json() == {"code": "INVALID_DATA", "message": "invalid data",
                               "status": "error",
                               "details": {"api_name": "duplicate_check_fields",
                                           "json_path": "$.duplicate_check_fields[0]"}}


def test_check_fields_must_be_a_list(sandbox):
    response = upsert(sandbox, "Contacts", contact(), duplicate_check_fields="Email")
    assert response.json()["details"]["expected_data_type"] == "jsonarray"


def test_update_into_another_records_unique_value_is_duplicate(sandbox):
    insert(sandbox, "Contacts", contact("A", "a@example.com", Entry_Key="ka"))
    insert(sandbox, "Contacts", contact("B", "b@example.com", Entry_Key="kb"))
    item = first(upsert(sandbox, "Contacts", {"Entry_Key": "kb", "Email": "a@example.com"},
                        duplicate_check_fields=["Entry_Key"]))
    assert (item["code"], item["details"]["api_name"]) == ("DUPLICATE_DATA", "Email")


def test_changed_unique_value_frees_the_old_one(sandbox):
    insert(sandbox, "Contacts", contact("A", "before@example.com", Entry_Key="move"))
    upsert(sandbox, "Contacts", {"Entry_Key": "move", "Email": "after@example.com"},
           duplicate_check_fields=["Entry_Key"])
    assert insert(sandbox, "Contacts", contact("C", "before@example.com")).status_code == 201


def test_several_records_are_202(sandbox):
    insert(sandbox, "Contacts", contact("Up", "up@example.com"))
    response = upsert(sandbox, "Contacts", contact("Up", "up@example.com"),
                      contact("Ins", "ins@example.com"))
    assert response.status_code == 202
    assert [i["action"] for i in response.json()["data"]] == ["update", "insert"]


def test_same_key_twice_in_one_request_inserts_then_updates(sandbox):
    response = upsert(sandbox, "Contacts", contact("One", "twice@example.com"),
                      contact("Two", "twice@example.com"))
    assert [i["action"] for i in response.json()["data"]] == ["insert", "update"]


def test_all_failed_is_400(sandbox):
    assert upsert(sandbox, "Contacts", {"First_Name": "no last name"}).status_code == 400


def test_updates_and_inserts_are_counted(sandbox):
    insert(sandbox, "Contacts", contact("C", "count@example.com"))
    upsert(sandbox, "Contacts", contact("C", "count@example.com"), contact("D", "d@example.com"))
    stats = sandbox.stats()
    assert (stats["records_created"], stats["records_updated"]) == (2, 1)


def test_concurrent_upserts_on_one_key_store_one_record(sandbox):
    token = sandbox.token()
    actions = []
    barrier = threading.Barrier(6)

    def send(n):
        barrier.wait()
        response = sandbox.api("POST", "Tasks/upsert", token=token, json={
            "data": [{"Subject": f"Try {n}", "Entry_Key": "same-key"}],
            "duplicate_check_fields": ["Entry_Key"]})
        actions.append(first(response).get("action"))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(actions) == ["insert"] + ["update"] * 5
    assert len([r for r in sandbox.records("Tasks") if r["Entry_Key"] == "same-key"]) == 1
