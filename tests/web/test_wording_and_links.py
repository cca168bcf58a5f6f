"""What people read on the list and row pages: Bigin ID links, module and state names in
words, problems as they stand now, and connection failures in words."""

from __future__ import annotations

import re
from html import unescape

import pytest
import requests
from django.urls import reverse

from bigin_ui.bigin.datacenters import DATA_CENTRES
from bigin_ui.connection.services import ConnectionConfig, sandbox_config
from bigin_ui.metadata.models import BiginOrg
from bigin_ui.queue.models import Row
from bigin_ui.queue.review import link_to_existing
from bigin_ui.queue.rows import create_row
from bigin_ui.web.links import record_links


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html))).strip(" >")


def live_config(dc: str) -> ConnectionConfig:
    centre = DATA_CENTRES[dc]
    return ConnectionConfig(source="saved", dc=dc, api_domain="", accounts_url=centre.accounts_url,
                            client_id="1000.X", client_secret="s", refresh_token="r",
                            web_url=centre.web_url)


# Where public examples show Bigin opening the record at this address (see web/links.py):
# deals for Pipelines, companies (not "accounts") for Accounts, contacts for Contacts.
@pytest.mark.parametrize(("dc", "module", "expected"), [
    ("us", "Contacts", "https://bigin.zoho.com/bigin/org942010964/Home#/contacts/7618"),
    ("eu", "Pipelines", "https://bigin.zoho.eu/bigin/org942010964/Home#/deals/7618"),
    ("ca", "Accounts", "https://bigin.zohocloud.ca/bigin/org942010964/Home#/companies/7618"),
])
def test_a_bigin_id_links_to_the_record_in_the_orgs_data_centre(db, dc, module, expected):
    BiginOrg.objects.create(pk=1, zgid="942010964")
    link = record_links(config=live_config(dc)).link(module, "7618")
    assert (link.url, link.exact) == (expected, True)


# No address for a single product, task, event or call was found anywhere: rather than a
# guessed address that may open an empty page, the org's own Bigin (its access URL, as
# Zoho's "Organization Details" help page gives it), where the person searches the ID.
@pytest.mark.parametrize("module", ["Products", "Tasks", "Events", "Calls"])
def test_an_unconfirmed_modules_id_opens_the_orgs_bigin_and_says_so(db, module):
    BiginOrg.objects.create(pk=1, zgid="942010964")
    link = record_links(config=live_config("au")).link(module, "7618")
    assert (link.url, link.exact) == ("https://bigin.zoho.com.au/bigin/org942010964", False)


def test_the_row_lists_link_confirmed_records_and_name_the_others_as_text(
        sales_client, sales_user, contacts_metadata, monkeypatch):
    # Connected to a real org (in the EU), whose ID the last sync stored.
    monkeypatch.setattr("bigin_ui.connection.services.environment_config",
                        lambda: live_config("eu"))
    BiginOrg.objects.create(pk=1, zgid="942010964")
    deal = Row.objects.create(module="Pipelines", owner=sales_user, payload={"Deal_Name": "D"},
                              status=Row.Status.CREATED, bigin_id="2034020000000700002")
    task = Row.objects.create(module="Tasks", owner=sales_user, payload={"Subject": "T"},
                              status=Row.Status.CREATED, bigin_id="2034020000000700003")
    html = sales_client.get(reverse("my_rows")).content.decode()

    def cell(row) -> str:
        return html.split(f'data-row-id="{row.pk}"')[1].split('data-testid="bigin-id">')[1]\
            .split("</td>")[0]

    assert ('href="https://bigin.zoho.eu/bigin/org942010964/Home#/deals/2034020000000700002"'
            in cell(deal))
    # The task's ID as text (said to be unconfirmed), beside a link to the org's Bigin.
    assert 'data-testid="bigin-link"' not in cell(task)
    assert re.findall(r'data-testid="bigin-id-text"[^>]*>([^<]*)<', cell(task)) == [
        "2034020000000700003"]
    assert "is not confirmed: open Bigin and search for this ID" in cell(task)
    assert 'href="https://bigin.zoho.eu/bigin/org942010964"' in cell(task)
    from bigin_ui.metadata.services import store_module
    from tests.factories import field

    store_module(module="Tasks", fields=[field("Subject")], layouts=[], tags=[])
    row_page = sales_client.get(reverse("row_detail", args=[task.pk])).content.decode()
    assert "open Bigin and search for this task" in text_of(row_page)


def test_before_the_org_is_known_the_link_opens_bigin_in_the_right_data_centre(db):
    assert record_links(config=live_config("jp")).url("Contacts", "7618") == (
        "https://bigin.zoho.jp/bigin/")


def test_the_sandbox_link_opens_a_page_that_shows_the_record(synced, client_for):
    [result] = client_for().insert_records(
        "Contacts", [{"Last_Name": "Linked", "Email": "linked@example.com"}]).results
    url = record_links(config=sandbox_config()).url("Contacts", result.id)
    page = requests.get(url, timeout=10)
    assert page.status_code == 200
    assert "Linked" in text_of(page.text.split('data-testid="sandbox-record-name"')[1])
    assert "linked@example.com" in page.text
    missing = requests.get(url[:-3] + "000", timeout=10)
    assert missing.status_code == 404
    assert "No such record" in missing.text


def test_my_rows_links_the_bigin_id_and_names_companies_as_bigin_does(
        sales_client, sales_user, contacts_metadata, settings):
    settings.BIGIN_SANDBOX_URL = "http://sandbox.test/sandbox"
    Row.objects.create(module="Accounts", owner=sales_user, payload={"Account_Name": "Zylker"},
                       status=Row.Status.CREATED, bigin_id="2034020000000700001")
    html = sales_client.get(reverse("my_rows")).content.decode()
    table = html.split('data-testid="rows-table"')[1].split("</table>")[0]
    assert ('href="http://sandbox.test/sandbox/records/Accounts/2034020000000700001"'
            in table)
    assert '<td data-label="Module">Companies</td>' in table
    assert "Accounts" not in text_of(table)


def test_review_counts_states_in_words(admin_client, sales_user, contacts_metadata):
    Row.objects.create(module="Contacts", owner=sales_user, payload={"Last_Name": "A"},
                       status=Row.Status.NEEDS_REVIEW)
    Row.objects.create(module="Contacts", owner=sales_user, payload={"Last_Name": "B"},
                       status=Row.Status.FAILED, error_code="INVALID_DATA",
                       error_message="invalid data", error_field="Email")
    html = admin_client.get(reverse("review")).content.decode()
    counts = text_of(html.split('data-testid="status-counts"')[1].split("</div>")[0])
    assert "Needs review: 1" in counts
    assert "Failed: 1" in counts
    assert "needs_review" not in text_of(html)


def test_a_waiting_rows_problem_is_recomputed_once_its_parent_is_linked(
        sales_client, sales_user, admin_user, contacts_metadata):
    parent = create_row(module="Accounts", owner=sales_user, payload={"Account_Name": "Zylker"})
    Row.objects.filter(pk=parent.pk).update(status=Row.Status.FAILED, error_code="INVALID_DATA")
    child = create_row(module="Contacts", owner=sales_user,
                       payload={"Last_Name": "Kid", "Account_Name": {"$row": parent.pk}})
    stale = f"Waiting for Accounts row {parent.pk} (failed: INVALID_DATA)."
    Row.objects.filter(pk=child.pk).update(hold=Row.Hold.WAITING, hold_reason=stale)

    def problem() -> str:
        html = sales_client.get(reverse("my_rows")).content.decode()
        row = html.split(f'data-row-id="{child.pk}"')[1].split("</tr>")[0]
        return text_of(row.split('data-testid="problem"')[1])

    assert problem().startswith(f"Waiting for Companies row {parent.pk} (failed: INVALID_DATA)")
    link_to_existing(row=parent, bigin_id="2034020000000700001", actor=admin_user)
    assert problem().startswith(f"Companies row {parent.pk} is in Bigin now; this row goes "
                                "with the next submit.")


def test_a_failed_connection_test_says_what_went_wrong_in_words(admin_client, db, settings):
    settings.BIGIN_SANDBOX_URL = "http://127.0.0.1:9/sandbox"
    html = admin_client.post(reverse("connection_test"), follow=True).content.decode()
    failure = text_of(html.split('data-testid="test-failure"')[1].split("</span>")[0])
    assert failure == ("Cannot reach the Zoho accounts server at http://127.0.0.1:9/sandbox: "
                       "the server refused the connection (nothing is listening at that "
                       "address).")
    # The library's own text is one click away, not the headline.
    assert "Max retries exceeded" in html.split("Technical details")[1]
    assert "Max retries exceeded" not in failure


def test_the_history_names_states_as_the_pages_do(admin_client, admin_user, sales_user,
                                                  contacts_metadata):
    from bigin_ui.queue.rows import edit_row, retry_rows

    row = create_row(module="Contacts", owner=sales_user, payload={"Last_Name": "Old"})
    Row.objects.filter(pk=row.pk).update(status=Row.Status.NEEDS_REVIEW)
    edit_row(row=row, payload={"Last_Name": "New"}, actor=admin_user)
    Row.objects.filter(pk=row.pk).update(status=Row.Status.FAILED)
    retry_rows(rows=[row], actor=admin_user)
    html = admin_client.get(reverse("row_detail", args=[row.pk])).content.decode()
    history = text_of(html.split('data-testid="history"')[1].split("</ol>")[0])
    assert "Edited by ada: Edited (Needs review → Pending)" in history
    assert "Put back to pending for resubmission (was failed)" in history
    assert "needs_review" not in history


def test_the_connection_page_says_where_the_connection_comes_from_in_words(admin_client, db):
    html = admin_client.get(reverse("connection")).content.decode()
    source = text_of(html.split('data-testid="connection-source"')[1].split("</span>")[0])
    assert source == "(no real org is connected)"


def test_a_held_duplicates_problem_names_its_twin_as_it_is_now(
        sales_client, sales_user, contacts_metadata):
    twin = create_row(module="Contacts", owner=sales_user,
                      payload={"Last_Name": "First", "Email": "twin@example.com"})
    held = create_row(module="Contacts", owner=sales_user,
                      payload={"Last_Name": "Second", "Email": "TWIN@example.com"})
    Row.objects.filter(pk=held.pk).update(hold=Row.Hold.DUPLICATE,
                                          hold_reason="Same Email as Contacts row 1 (pending…)")

    def problem() -> str:
        html = sales_client.get(reverse("my_rows")).content.decode()
        row = html.split(f'data-row-id="{held.pk}"')[1].split("</tr>")[0]
        return text_of(row.split('data-testid="problem"')[1].split("</td>")[0])

    Row.objects.filter(pk=twin.pk).update(status=Row.Status.CREATED,
                                          bigin_id="2034020000000700009")
    assert problem() == (f"Possible duplicate: same Email as Contacts row {twin.pk} (created, "
                         "entered by sam), Bigin ID 2034020000000700009.")
    Row.objects.filter(pk=twin.pk).update(status=Row.Status.DISCARDED)
    assert problem().startswith("Held because another row had the same Email; that row is no "
                                "longer queued")


def test_a_row_put_back_after_a_connection_failure_says_why_in_words(
        sales_client, sales_user, contacts_metadata):
    raw = ("Bigin kept refusing the call (CONNECT_FAILED: Cannot reach Bigin at "
           "http://127.0.0.1:9/sandbox: HTTPConnectionPool(host='127.0.0.1', port=9): Max "
           "retries exceeded with url: /sandbox/bigin/v2/Contacts (Caused by "
           "NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f>: Failed to "
           "establish a new connection: [Errno 111] Connection refused')); gave up after 6 "
           "tries.")
    row = create_row(module="Contacts", owner=sales_user, payload={"Last_Name": "Again"})
    Row.objects.filter(pk=row.pk).update(last_problem=raw)
    words = ("Cannot reach Bigin at http://127.0.0.1:9/sandbox: the server refused the "
             "connection (nothing is listening at that address).")
    html = sales_client.get(reverse("my_rows")).content.decode()
    cell = html.split(f'data-row-id="{row.pk}"')[1].split('data-testid="problem"')[1]
    assert text_of(cell.split("</td>")[0]) == words
    page = sales_client.get(reverse("row_detail", args=[row.pk])).content.decode()
    problem = page.split('data-testid="problem"')[1].split("</div>")[0]
    assert text_of(problem.split("<details")[0]) == words
    assert "Max retries exceeded" in problem.split("Technical details")[1]


@pytest.mark.parametrize(("who", "page"), [("sales", "my_rows"), ("admin", "all_rows")])
def test_the_row_lists_name_bigins_error_field_by_its_label(who, page, sales_client,
                                                            admin_client, sales_user,
                                                            contacts_metadata):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bigin_ui.metadata.services import store_module
    from tests.factories import contacts_fields

    store_module(module="Contacts", layouts=[], tags=[], fields=[
        {**f, "field_label": "Company <b>Name</b>"} if f["api_name"] == "Account_Name" else f
        for f in contacts_fields()])
    Row.objects.create(module="Contacts", owner=sales_user, payload={"Last_Name": "A"},
                       status=Row.Status.FAILED, error_code="INVALID_DATA",
                       error_message="invalid data", error_field="Account_Name")
    client = sales_client if who == "sales" else admin_client
    client.get(reverse(page))
    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse(page)).content.decode()
    problem = html.split('data-testid="problem">')[1].split("</td>")[0]
    assert "(Bigin: INVALID_DATA on Company &lt;b&gt;Name&lt;/b&gt;)" in problem
    # The label rides on the page's own statement (the metadata's fingerprint per row).
    assert not [q["sql"] for q in captured.captured_queries
                if re.match(r'SELECT [^()]* FROM "metadata_modulemetadata"', q["sql"])]
