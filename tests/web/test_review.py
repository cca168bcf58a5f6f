"""The admins' review page, the row page and the bulk fixes, through the Django test client."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
from contextlib import contextmanager
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bigin_ui.queue import counts_cache
from bigin_ui.queue.entry import make_form
from bigin_ui.queue.exports import FIXED_COLUMNS
from bigin_ui.queue.models import Attempt, Row, SubmissionRun
from bigin_ui.queue.review import cause_key
from bigin_ui.queue.rows import create_row, edit_row
from bigin_ui.queue.runs import start_run

MISSING_ACCOUNT = "2034020000009999999"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def offline(settings, contacts_metadata):
    """Contacts metadata and a sandbox address where nothing listens: no call can succeed."""
    settings.BIGIN_SANDBOX_URL = "http://127.0.0.1:9/sandbox"


def make_row(owner, *, module="Contacts", status=Row.Status.FAILED, payload=None,
             created=None, **fields):
    row = Row.objects.create(module=module, owner=owner, status=status,
                             payload=payload or {"Last_Name": "Someone"}, **fields)
    if created is not None:
        Row.objects.filter(pk=row.pk).update(created_at=created)
    return row


def listed_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-row-id="(\d+)"', response.content.decode())]


def total(response) -> int:
    match = re.search(r'data-testid="review-total">(\d+)<', response.content.decode())
    assert match, "no total on the page"
    return int(match.group(1))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html))).strip()


def flashed(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def failed_contact(owner, last_name="Failing", *, account=MISSING_ACCOUNT, **extra):
    """A Contact that passes the app's rules but that the sandbox rejects (no such company)."""
    return create_row(module="Contacts", owner=owner,
                      payload={"Last_Name": last_name, "Account_Name": {"id": account}, **extra})


def existing_account_id(sandbox) -> str:
    return sandbox.records("Accounts")[0]["id"]


# --- what the review lists -----------------------------------------------------------------


def test_review_lists_failed_unknown_needs_review_and_held_rows(admin_client, sales_user,
                                                               offline):
    shown = [
        make_row(sales_user, error_code="INVALID_DATA", error_field="Phone"),
        make_row(sales_user, status=Row.Status.UNKNOWN),
        make_row(sales_user, status=Row.Status.NEEDS_REVIEW),
        *[make_row(sales_user, status=Row.Status.PENDING, hold=hold, hold_reason=f"held {hold}")
          for hold in (Row.Hold.DUPLICATE, Row.Hold.INVALID, Row.Hold.EXISTS, Row.Hold.WAITING)],
    ]
    response = admin_client.get(reverse("review"))
    assert sorted(listed_ids(response)) == sorted(r.pk for r in shown)
    assert total(response) == len(shown)


@pytest.mark.parametrize("status", [Row.Status.CREATED, Row.Status.PENDING,
                                    Row.Status.DISCARDED, Row.Status.SENDING])
def test_review_leaves_out_rows_that_need_nothing(admin_client, sales_user, offline, status):
    make_row(sales_user, status=status, error_code="INVALID_DATA", error_field="Phone")
    response = admin_client.get(reverse("review"))
    assert listed_ids(response) == []
    assert "Nothing needs attention." in response.content.decode()


# --- filters -------------------------------------------------------------------------------


def noon(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T12:00:00+00:00")


@pytest.fixture
def mixed(sales_user, admin_user, offline):
    """Six rows that need attention and two that do not, spread over modules, people, days."""
    rows = {
        "alpha": make_row(sales_user, payload={"Last_Name": "Alpha"}, created=noon("2024-01-10"),
                          error_code="INVALID_DATA", error_field="Phone",
                          error_message="invalid phone number"),
        "beta": make_row(admin_user, payload={"Last_Name": "Beta"}, created=noon("2024-02-10"),
                         error_code="INVALID_DATA", error_field="Phone",
                         error_message="invalid phone number"),
        "deal": make_row(sales_user, module="Pipelines", payload={"Deal_Name": "Big deal"},
                         created=noon("2024-02-15"), error_code="INVALID_DATA",
                         error_field="Stage", error_message="invalid data"),
        "company": make_row(admin_user, module="Accounts", payload={"Account_Name": "Zylker"},
                            created=noon("2024-03-01"), error_code="DUPLICATE_DATA",
                            error_field="Account_Name", error_message="duplicate data"),
        "held": make_row(sales_user, status=Row.Status.PENDING, hold=Row.Hold.DUPLICATE,
                         payload={"Last_Name": "Gamma", "Email": "g@example.com"},
                         hold_reason="Same Email as Contacts row 1", created=noon("2024-03-05")),
        "lost": make_row(sales_user, status=Row.Status.UNKNOWN, payload={"Last_Name": "Delta"},
                         created=noon("2024-03-06")),
    }
    # Look-alikes that need nothing: the filters must not bring them back.
    make_row(sales_user, status=Row.Status.DISCARDED, payload={"Last_Name": "Beta"},
             error_code="INVALID_DATA", error_field="Phone", created=noon("2024-02-10"))
    make_row(sales_user, status=Row.Status.CREATED, payload={"Last_Name": "Alpha"},
             bigin_id="2034020000000000001", created=noon("2024-01-10"))
    return rows


FILTER_CASES = {
    "module": ({"module": "Contacts"}, ["alpha", "beta", "held", "lost"]),
    "error code": ({"error_code": "INVALID_DATA"}, ["alpha", "beta", "deal"]),
    "field": ({"field": "Phone"}, ["alpha", "beta"]),
    "entered by": ({"owner": "sam"}, ["alpha", "deal", "held", "lost"]),
    "date range": ({"date_from": "2024-02-01", "date_to": "2024-02-29"}, ["beta", "deal"]),
    "from a day on": ({"date_from": "2024-03-05"}, ["held", "lost"]),
    "up to a day": ({"date_to": "2024-01-10"}, ["alpha"]),
    "up to the last day there is": ({"date_to": "9999-12-31"},
                                    ["alpha", "beta", "deal", "company", "held", "lost"]),
    "text in a value": ({"text": "beta"}, ["beta"]),
    "text in the error": ({"text": "PHONE NUMBER"}, ["alpha", "beta"]),
    "text in the hold reason": ({"text": "same email"}, ["held"]),
    "several at once": ({"module": "Contacts", "owner": "sam", "date_from": "2024-03-01"},
                        ["held", "lost"]),
}


@pytest.mark.parametrize("case", sorted(FILTER_CASES))
def test_each_filter_narrows_the_list_and_its_count(admin_client, mixed, case):
    params, expected = FILTER_CASES[case]
    response = admin_client.get(reverse("review"), params)
    assert sorted(listed_ids(response)) == sorted(mixed[name].pk for name in expected)
    assert total(response) == len(expected)


def test_text_finds_accented_values(admin_client, sales_user, offline):
    row = make_row(sales_user, payload={"Last_Name": "Müller", "First_Name": "Zoë"})
    make_row(sales_user, payload={"Last_Name": "Muller"})
    assert listed_ids(admin_client.get(reverse("review"), {"text": "müller"})) == [row.pk]
    assert listed_ids(admin_client.get(reverse("review"), {"text": "Zoë Müller"})) == []


def test_text_finds_values_with_quotes(admin_client, sales_user, offline):
    row = make_row(sales_user, payload={"Last_Name": 'O"Brien \\ Sons'})
    response = admin_client.get(reverse("review"), {"text": 'o"brien \\ sons'})
    assert listed_ids(response) == [row.pk]


def test_text_finds_a_bigin_id(admin_client, sales_user, offline):
    row = make_row(sales_user, status=Row.Status.NEEDS_REVIEW, bigin_id="2034020000000123456")
    make_row(sales_user)
    response = admin_client.get(reverse("review"), {"text": "2034020000000123456"})
    assert listed_ids(response) == [row.pk]


def test_the_cause_filter_shows_one_group(admin_client, mixed):
    key = cause_key({"status": "failed", "hold": "", "error_code": "INVALID_DATA",
                     "error_field": "Phone", "module": "Contacts"})
    response = admin_client.get(reverse("review"), {"cause": key})
    assert sorted(listed_ids(response)) == sorted([mixed["alpha"].pk, mixed["beta"].pk])
    assert total(response) == 2


def test_a_bad_date_is_reported_and_the_other_filters_still_apply(admin_client, mixed):
    response = admin_client.get(reverse("review"), {"module": "Contacts", "date_from": "soon"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert sorted(listed_ids(response)) == sorted(
        mixed[name].pk for name in ["alpha", "beta", "held", "lost"])


def test_groups_read_as_counts_of_one_cause(admin_client, sales_user, offline):
    for _ in range(3):
        make_row(sales_user, module="Pipelines", payload={"Deal_Name": "D"},
                 error_code="INVALID_DATA", error_field="Stage")
    make_row(sales_user, error_code="MANDATORY_NOT_FOUND", error_field="Last_Name")
    make_row(sales_user, status=Row.Status.PENDING, hold=Row.Hold.DUPLICATE, hold_reason="x")
    html = admin_client.get(reverse("review")).content.decode()
    groups = text_of(html.split('data-testid="cause-groups"')[1].split("</ul>")[0])
    assert "3 rows: INVALID_DATA on Stage (Pipelines)" in groups
    # Named by its label in Bigin, the API name Bigin's error used beside it (issue 12).
    assert "1 row: MANDATORY_NOT_FOUND on Last Name (Contacts · Last_Name)" in groups
    assert "1 row: Possible duplicate (Contacts)" in groups
    assert groups.index("3 rows") < groups.index("1 row")


def cause_groups_html(client) -> str:
    html = client.get(reverse("review")).content.decode()
    return html.split('data-testid="cause-groups"')[1].split("</ul>")[0]


def relabel(**labels: str) -> None:
    """Store Contacts metadata whose fields carry these labels, as a sync would."""
    from bigin_ui.metadata.services import store_module
    from tests.factories import contacts_fields

    store_module(module="Contacts", layouts=[], tags=[], fields=[
        {**f, "field_label": labels[f["api_name"]]} if f["api_name"] in labels else f
        for f in contacts_fields()])


def test_a_group_names_the_field_by_its_label_in_bigin(admin_client, sales_user, offline):
    relabel(Account_Name="Company Name")
    make_row(sales_user, error_code="INVALID_DATA", error_field="Account_Name",
             error_message="invalid data")
    html = admin_client.get(reverse("review")).content.decode()
    groups = text_of(html.split('data-testid="cause-groups"')[1].split("</ul>")[0])
    assert "1 row: INVALID_DATA on Company Name (Contacts · Account_Name)" in groups
    assert "on Account_Name" not in groups
    # The row's own problem names the field the same way.
    [problem] = re.findall(r'data-testid="problem">(.*?)</td>', html, re.S)
    assert "(Bigin: INVALID_DATA on Company Name)" in text_of(problem)


def test_a_field_without_metadata_keeps_its_api_name(admin_client, sales_user, offline):
    make_row(sales_user, module="Pipelines", payload={"Deal_Name": "D"},
             error_code="INVALID_DATA", error_field="Closing_Date")
    make_row(sales_user, error_code="INVALID_DATA", error_field="Not_A_Field")
    groups = text_of(cause_groups_html(admin_client))
    assert "1 row: INVALID_DATA on Closing_Date (Pipelines)" in groups
    assert "1 row: INVALID_DATA on Not_A_Field (Contacts)" in groups


def test_a_fields_label_is_text_not_markup(admin_client, sales_user, offline):
    relabel(Title=f"Title {SCRIPT}")
    make_row(sales_user, error_code="INVALID_DATA", error_field="Title")
    html = cause_groups_html(admin_client)
    assert SCRIPT not in html
    assert "Title &lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_group_follows_a_label_renamed_by_a_sync_at_no_statement_of_its_own(
        admin_client, sales_user, offline):
    from django.test.utils import CaptureQueriesContext

    relabel(Account_Name="Company Name")
    make_row(sales_user, error_code="INVALID_DATA", error_field="Account_Name")
    assert "on Company Name" in text_of(cause_groups_html(admin_client))
    # As a sync in another process would: only the database changes, this process's copy of
    # the metadata is not told.
    relabel(Account_Name="Organisation")
    with CaptureQueriesContext(connection) as renamed:
        assert "on Organisation" in text_of(cause_groups_html(admin_client))
    # The labels ride on the groups' own statement (the metadata's fingerprint as a
    # subquery)...
    assert any('FROM "metadata_modulemetadata"' in q["sql"] and "GROUP BY" in q["sql"]
               for q in renamed.captured_queries)
    with CaptureQueriesContext(connection) as captured:
        assert "on Organisation" in text_of(cause_groups_html(admin_client))
    # ...so once this process holds the metadata, no statement reads it separately (and the
    # groups themselves are remembered until the rows or the metadata change:
    # queue/counts_cache.py).
    own_reads = [q["sql"] for q in captured.captured_queries
                 if re.match(r'SELECT [^()]* FROM "metadata_modulemetadata"', q["sql"])]
    assert own_reads == []


def test_group_counts_follow_the_other_filters(admin_client, mixed):
    html = admin_client.get(reverse("review"), {"owner": "sam"}).content.decode()
    groups = text_of(html.split('data-testid="cause-groups"')[1].split("</ul>")[0])
    assert "1 row: INVALID_DATA on Phone (Contacts)" in groups
    assert "Accounts" not in groups


# --- bulk actions --------------------------------------------------------------------------


def post_action(client, **data):
    return client.post(reverse("review_action"), data, follow=True)


def test_bulk_retry_puts_the_rows_back_through_a_run(admin_client, admin_user, sales_user,
                                                     synced):
    rows = [create_row(module="Contacts", owner=sales_user, payload={"Last_Name": f"Retry{i}"})
            for i in range(2)]
    Row.objects.filter(pk__in=[r.pk for r in rows]).update(
        status=Row.Status.FAILED, error_code="INTERNAL_ERROR", error_message="try again")
    response = post_action(admin_client, action="retry", rows=[r.pk for r in rows])
    assert "Resubmitting 2 row(s)." in flashed(response)
    run = SubmissionRun.objects.get(origin="review")
    assert run.created_by == admin_user
    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.run_id) == (Row.Status.CREATED, run.pk)
        assert row.events.filter(kind="retry", actor=admin_user).exists()
    assert listed_ids(admin_client.get(reverse("review"))) == []


def test_discard_without_a_reason_changes_nothing(admin_client, sales_user, offline):
    row = make_row(sales_user, error_code="INVALID_DATA")
    response = post_action(admin_client, action="discard", rows=[row.pk], reason="  ")
    assert "Say why these rows are discarded." in flashed(response)
    row.refresh_from_db()
    assert row.status == Row.Status.FAILED


@pytest.mark.postgres  # where a NUL cannot be stored at all
@pytest.mark.parametrize("reason", ["Test\x00entries", "\x00"])
def test_a_discard_reason_holding_a_nul_is_refused_in_words(sales_client, sales_user,
                                                            offline, reason):
    row = make_row(sales_user, error_code="INVALID_DATA")
    response = sales_client.post(reverse("row_discard", args=[row.pk]), {"reason": reason},
                                 follow=True)
    assert response.status_code == 200
    assert "The reason holds a NUL character; type it again." in flashed(response)
    row.refresh_from_db()
    assert row.status == Row.Status.FAILED


def test_discard_records_the_reason(admin_client, admin_user, sales_user, offline):
    rows = [make_row(sales_user, error_code="INVALID_DATA") for _ in range(2)]
    response = post_action(admin_client, action="discard", rows=[r.pk for r in rows],
                           reason="Test entries from training")
    assert "Discarded 2 row(s)." in flashed(response)
    for row in rows:
        row.refresh_from_db()
        assert row.status == Row.Status.DISCARDED
        event = row.events.get(kind="discarded")
        assert (event.actor, event.message) == (admin_user, "Test entries from training")


@pytest.mark.parametrize("number", ["²", "١٢", "9" * 40])
def test_a_run_or_row_number_that_is_no_plain_number_is_ignored_not_a_server_error(
        admin_client, sales_client, sales_user, offline, number):
    # "²" and Arabic-Indic digits pass str.isdigit() yet int() refuses them; 40 digits
    # overflow SQLite's integers.
    row = make_row(sales_user, error_code="INVALID_DATA")
    assert admin_client.get(reverse("review"), {"run": number}).status_code == 200
    assert sales_client.get("/records/", {"run": number}).status_code == 200
    response = post_action(admin_client, action="discard", rows=[number, row.pk],
                           reason="Test entries")
    assert f"Select a valid choice. {number} is not one of the available choices." in flashed(
        response)
    row.refresh_from_db()
    assert row.status == Row.Status.FAILED  # refused as a whole, nothing half done


def test_nothing_checked_does_nothing_even_on_a_group_page(admin_client, sales_user, offline):
    rows = [make_row(sales_user, error_code="INVALID_DATA", error_field="Phone")
            for _ in range(2)]
    key = cause_key({"status": "failed", "hold": "", "error_code": "INVALID_DATA",
                     "error_field": "Phone", "module": "Contacts"})
    # "Apply to checked rows" on a group's page: the page's cause filter rides along.
    response = post_action(admin_client, action="discard", reason="oops", selection="rows",
                           cause=key)
    assert "Select some rows or a group first." in flashed(response)
    assert Row.objects.filter(pk__in=[r.pk for r in rows], status=Row.Status.FAILED).count() == 2


def test_the_whole_group_button_takes_the_group_even_with_rows_checked(admin_client,
                                                                      sales_user, offline):
    rows = [make_row(sales_user, error_code="INVALID_DATA", error_field="Phone")
            for _ in range(3)]
    key = cause_key({"status": "failed", "hold": "", "error_code": "INVALID_DATA",
                     "error_field": "Phone", "module": "Contacts"})
    response = post_action(admin_client, action="discard", reason="bad batch",
                           selection="group", cause=key, rows=[rows[0].pk])
    assert "Discarded 3 row(s)." in flashed(response)


def test_a_groups_page_offers_its_modules_fields_with_bigins_field_chosen(admin_client,
                                                                          sales_user, offline):
    make_row(sales_user, error_code="INVALID_DATA", error_field="Email")
    key = cause_key({"status": "failed", "hold": "", "error_code": "INVALID_DATA",
                     "error_field": "Email", "module": "Contacts"})
    html = admin_client.get(reverse("review"), {"cause": key}).content.decode()
    select = html.split('id="bulk-field"')[1].split("</select>")[0]
    assert "disabled" not in select.split(">")[0]
    assert '<option value="Email" selected>' in select
    assert "Apply to the whole group (1)" in html


def test_set_field_rejects_a_bad_value_with_the_forms_message(admin_client, admin_user,
                                                              sales_user, offline):
    row = make_row(sales_user, error_code="INVALID_DATA", error_field="Email")
    form = make_form(module="Contacts", user=admin_user,
                     data={"Last_Name": "X", "Email": "not-an-email"})
    assert not form.is_valid()
    message = form.errors["Email"][0]
    response = post_action(admin_client, action="set_field", rows=[row.pk], api_name="Email",
                           value="not-an-email")
    assert f"Email: {message}" in flashed(response)
    row.refresh_from_db()
    assert (row.status, row.payload) == (Row.Status.FAILED, {"Last_Name": "Someone"})


def test_set_field_refuses_a_field_the_module_does_not_have(admin_client, sales_user, offline):
    row = make_row(sales_user, error_code="INVALID_DATA")
    response = post_action(admin_client, action="set_field", rows=[row.pk],
                           api_name="Created_Time", value="2024-01-01")
    assert "Contacts has no field 'Created_Time' that can be set here." in flashed(response)


def test_set_field_converts_the_value_and_resubmits(admin_client, sales_user, synced):
    account = existing_account_id(synced)
    rows = [failed_contact(sales_user, f"Group{i}") for i in range(3)]
    start_run(user=sales_user, owner=sales_user)
    assert {r.error_field for r in Row.objects.all()} == {"Account_Name"}
    key = cause_key({"status": "failed", "hold": "", "error_code": "INVALID_DATA",
                     "error_field": "Account_Name", "module": "Contacts"})
    response = post_action(admin_client, action="set_field", selection="group", cause=key,
                           module="Contacts", api_name="Account_Name", value=f" {account} ")
    # The field by its label in Bigin, as the groups name it.
    assert "Set Company Name on 3 row(s) and resubmitted them." in flashed(response)
    for row in rows:
        row.refresh_from_db()
        assert row.payload["Account_Name"] == {"id": account}  # typed text → Bigin's lookup
        assert row.status == Row.Status.CREATED
        edit = row.events.get(kind="edited")
        assert edit.changes == {"Account_Name": [{"id": MISSING_ACCOUNT}, {"id": account}]}


def test_set_field_skips_rows_that_would_still_be_invalid(admin_client, sales_user, synced):
    good = create_row(module="Contacts", owner=sales_user, payload={"Last_Name": "Good"})
    bad = create_row(module="Contacts", owner=sales_user, payload={"First_Name": "NoLast"})
    Row.objects.update(status=Row.Status.FAILED, error_code="INVALID_DATA",
                       error_field="Title")
    response = post_action(admin_client, action="set_field", rows=[good.pk, bad.pk],
                           api_name="Title", value="Buyer")
    messages = flashed(response)
    assert "Set Title on 1 row(s) and resubmitted them." in messages
    assert any(m.startswith(f"Row {bad.pk} not changed: Last_Name:") for m in messages)
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, good.payload["Title"]) == (Row.Status.CREATED, "Buyer")
    assert (bad.status, "Title" in bad.payload) == (Row.Status.FAILED, False)


def test_set_field_on_a_module_without_metadata_says_so(admin_client, sales_user, offline):
    row = make_row(sales_user, module="Events", payload={"Event_Title": "Meet"})
    response = post_action(admin_client, action="set_field", rows=[row.pk],
                           api_name="Event_Title", value="Meeting")
    assert response.status_code == 200
    assert ("Events has no field metadata yet; sync it on the connection page first."
            in flashed(response))


def test_set_field_needs_rows_of_one_module(admin_client, sales_user, offline):
    rows = [make_row(sales_user), make_row(sales_user, module="Accounts",
                                           payload={"Account_Name": "A"})]
    response = post_action(admin_client, action="set_field", rows=[r.pk for r in rows],
                           api_name="Title", value="x")
    assert "Pick rows of one module to set a field on them." in flashed(response)


# --- export --------------------------------------------------------------------------------


def exported(response) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_export_has_the_bigin_export_columns(admin_client, mixed):
    response = admin_client.get(reverse("review_export"), {"module": "Contacts"})
    text = b"".join(response.streaming_content).decode()
    header = next(csv.reader(io.StringIO(text)))
    assert header[:len(FIXED_COLUMNS)] == FIXED_COLUMNS
    assert {"Last_Name", "Email", "Phone"} <= set(header)
    assert header[-1] == "other_fields"


def test_export_honours_the_filters(admin_client, mixed):
    lines = exported(admin_client.get(reverse("review_export"),
                                      {"module": "Contacts", "field": "Phone"}))
    assert sorted(int(line["id"]) for line in lines) == sorted(
        [mixed["alpha"].pk, mixed["beta"].pk])
    assert {line["error_code"] for line in lines} == {"INVALID_DATA"}
    assert {line["Last_Name"] for line in lines} == {"Alpha", "Beta"}


def test_export_without_filters_is_every_row_that_needs_attention(admin_client, mixed):
    lines = exported(admin_client.get(reverse("review_export")))
    assert sorted(int(line["id"]) for line in lines) == sorted(r.pk for r in mixed.values())


# --- escaping ------------------------------------------------------------------------------


def test_markup_in_values_and_bigin_errors_stays_text_on_the_review_page(admin_client,
                                                                        sales_user, offline):
    make_row(sales_user, payload={"Last_Name": SCRIPT}, error_code="INVALID_DATA",
             error_field="Last_Name", error_message="<script>alert(2)</script>")
    make_row(sales_user, status=Row.Status.PENDING, hold=Row.Hold.DUPLICATE,
             hold_reason="<script>alert(3)</script>")
    html = admin_client.get(reverse("review")).content.decode()
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html


def test_markup_in_values_and_bigin_errors_stays_text_on_the_row_page(admin_client,
                                                                     sales_user, offline):
    row = make_row(sales_user, payload={"Last_Name": SCRIPT}, error_code="INVALID_DATA",
                   error_field="Last_Name", error_message="<script>alert(2)</script>")
    html = admin_client.get(reverse("row_detail", args=[row.pk])).content.decode()
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


# --- the row page --------------------------------------------------------------------------


def field_error(html: str, name: str) -> str:
    """The error text crispy renders under one field ("" when the field has none)."""
    match = re.search(rf'id="error_\d+_id_{name}"[^>]*>(.*?)</(?:p|span|div)>', html, re.S)
    return text_of(match.group(1)) if match else ""


def test_row_page_puts_bigins_error_on_the_field_it_names(admin_client, sales_user, offline):
    row = make_row(sales_user, payload={"Last_Name": "Lee", "Phone": "<555>"},
                   error_code="INVALID_DATA", error_field="Phone",
                   error_message="invalid data", error_details={"api_name": "Phone"})
    html = admin_client.get(reverse("row_detail", args=[row.pk])).content.decode()
    assert field_error(html, "Phone") == "Bigin: INVALID_DATA – invalid data"
    assert field_error(html, "Last_Name") == ""
    assert 'data-testid="form-errors"' not in html


def test_row_page_shows_bigins_limits_with_the_error(admin_client, sales_user, offline):
    row = make_row(sales_user, payload={"Last_Name": "L" * 81}, error_code="INVALID_DATA",
                   error_field="Last_Name", error_message="invalid data",
                   error_details={"api_name": "Last_Name", "maximum_length": 80})
    html = admin_client.get(reverse("row_detail", args=[row.pk])).content.decode()
    assert field_error(html, "Last_Name") == (
        "Bigin: INVALID_DATA – invalid data (at most 80 characters)")


def test_row_page_shows_an_error_without_a_field_above_the_form(admin_client, sales_user,
                                                                offline):
    row = make_row(sales_user, error_code="LIMIT_EXCEEDED", error_message="too many records")
    html = admin_client.get(reverse("row_detail", args=[row.pk])).content.decode()
    general = html.split('data-testid="form-errors"')[1].split("</div></div>")[0]
    assert "Bigin: LIMIT_EXCEEDED – too many records" in text_of(general)
    assert not re.search(r'id="error_\d+_id_', html)


def test_duplicate_shows_the_existing_record_and_a_link_into_bigin(admin_client, sales_user,
                                                                   offline):
    row = make_row(sales_user, payload={"Last_Name": "Twin", "Email": "twin@example.com"},
                   error_code="DUPLICATE_DATA", error_field="Email",
                   error_message="duplicate data",
                   error_details={"api_name": "Email", "duplicate_record": {
                       "id": "2034020000000777001", "module": {"api_name": "Contacts"}}})
    html = admin_client.get(reverse("row_detail", args=[row.pk])).content.decode()
    duplicate = html.split('data-testid="duplicate"')[1].split("</div>")[0]
    assert "2034020000000777001" in text_of(duplicate)
    link = re.search(r'href="([^"]+)"[^>]*>open in Bigin', duplicate)
    assert link and link.group(1).endswith("2034020000000777001")
    assert link.group(1).startswith("http://127.0.0.1:9/sandbox")


def test_linking_a_duplicate_to_the_existing_record_marks_it_created(admin_client, admin_user,
                                                                     sales_user, offline):
    row = make_row(sales_user, payload={"Last_Name": "Twin", "Email": "twin@example.com"},
                   error_code="DUPLICATE_DATA", error_field="Email",
                   error_message="duplicate data",
                   error_details={"duplicate_record": {"id": "2034020000000777001"}})
    response = admin_client.post(reverse("row_link", args=[row.pk]),
                                 {"bigin_id": "2034020000000777001"}, follow=True)
    assert "Linked to the existing Bigin record." in flashed(response)
    row.refresh_from_db()
    assert (row.status, row.bigin_id, row.linked_existing) == (
        Row.Status.CREATED, "2034020000000777001", True)
    assert (row.error_code, row.error_message, row.error_field) == ("", "", "")
    assert row.events.get(kind="linked").actor == admin_user
    mine = Client()
    mine.force_login(sales_user)
    assert "DUPLICATE_DATA" not in mine.get(reverse("my_rows")).content.decode()


def test_a_duplicate_bigin_found_is_linked_to_its_record(admin_client, sales_user, synced):
    first = create_row(module="Contacts", owner=sales_user,
                       payload={"Last_Name": "Twin", "Email": "twin@example.com"})
    start_run(user=sales_user, owner=sales_user)
    second = create_row(module="Contacts", owner=sales_user,
                        payload={"Last_Name": "Twin", "Email": "TWIN@example.com"})
    Row.objects.filter(pk=second.pk).update(duplicate_ok=True)  # let Bigin judge it
    start_run(user=sales_user, owner=sales_user)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.status, second.error_code) == (Row.Status.FAILED, "DUPLICATE_DATA")
    html = admin_client.get(reverse("row_detail", args=[second.pk])).content.decode()
    duplicate = html.split('data-testid="duplicate"')[1].split("</div>")[0]
    assert f"ID {first.bigin_id}" in text_of(duplicate)
    assert f'href="{synced.base_url}/records/Contacts/{first.bigin_id}"' in duplicate
    admin_client.post(reverse("row_link", args=[second.pk]), {"bigin_id": first.bigin_id})
    second.refresh_from_db()
    assert (second.status, second.bigin_id, second.linked_existing) == (
        Row.Status.CREATED, first.bigin_id, True)


@pytest.mark.parametrize("bigin_id", ["abc", "", "1" * 60, "١٢٣"])
def test_linking_needs_a_bigin_id(admin_client, sales_user, offline, bigin_id):
    row = make_row(sales_user, error_code="DUPLICATE_DATA")
    response = admin_client.post(reverse("row_link", args=[row.pk]), {"bigin_id": bigin_id},
                                 follow=True)
    assert "A Bigin record ID is a number." in flashed(response)
    row.refresh_from_db()
    assert row.status == Row.Status.FAILED


def test_history_shows_who_entered_each_edit_and_each_call(admin_client, admin_user,
                                                           sales_user, offline):
    row = create_row(module="Contacts", owner=sales_user,
                     payload={"Last_Name": "Old", "Title": "Clerk"})
    edit_row(row=row, payload={"Last_Name": "New", "Email": "new@example.com"},
             actor=admin_user)
    run = SubmissionRun.objects.create(created_by=sales_user, status="finished")
    Attempt.objects.create(
        run=run, module="Contacts", kind="insert", started_at=timezone.now(), http_status=202,
        request_body={"data": [{"Last_Name": "New"}]},
        response_body={"data": [{"code": "INVALID_DATA", "status": "error"}]},
        outcome="results", claim="c1", row_ids=[row.pk])
    Row.objects.filter(pk=row.pk).update(claims=" c1")
    html = admin_client.get(reverse("row_detail", args=[row.pk])).content.decode()
    history = text_of(html.split('data-testid="history"')[1].split("</ol>")[0])
    assert "Entered by sam: Entered (form)" in history
    assert "Edited by ada" in history
    assert "Last_Name: Old → New" in history
    assert "Title: Clerk → (empty)" in history
    assert "Email: (empty) → new@example.com" in history
    calls = text_of(html.split("Calls to Bigin")[1])
    assert f"Insert · HTTP 202 · 0 ms · answered · run {run.pk}" in calls
    assert '"Last_Name": "New"' in calls
    assert '"code": "INVALID_DATA"' in calls


def test_a_rows_calls_show_only_its_own_record_not_colleagues(sales_client, sales_user,
                                                              admin_user, offline):
    mine = create_row(module="Contacts", owner=sales_user, payload={"Last_Name": "Mine"})
    theirs = create_row(module="Contacts", owner=admin_user,
                        payload={"Last_Name": "Theirs", "Email": "private@example.com"})
    Attempt.objects.create(
        module="Contacts", kind="insert", started_at=timezone.now(), http_status=202,
        request_body={"data": [{"Last_Name": "Theirs", "Email": "private@example.com"},
                               {"Last_Name": "Mine"}], "trigger": []},
        response_body={"data": [{"code": "SUCCESS", "details": {"id": "111"}},
                                {"code": "INVALID_DATA", "details": {"api_name": "X"}}]},
        outcome="results", claim="c1", row_ids=[theirs.pk, mine.pk])
    Row.objects.filter(pk__in=[theirs.pk, mine.pk]).update(claims=" c1")
    html = sales_client.get(reverse("row_detail", args=[mine.pk])).content.decode()
    calls = text_of(html.split("Calls to Bigin")[1])
    assert "record 2 of 2" in calls
    assert '"Last_Name": "Mine"' in calls and '"code": "INVALID_DATA"' in calls
    assert '"trigger": []' in calls
    assert "Theirs" not in calls and "private@example.com" not in calls
    assert '"111"' not in calls


def test_a_search_made_for_a_row_is_shown_whole(admin_client, sales_user, offline):
    row = create_row(module="Contacts", owner=sales_user,
                     payload={"Last_Name": "Sought", "Email": "sought@example.com"})
    Attempt.objects.create(
        module="Contacts", kind="search", started_at=timezone.now(), http_status=200,
        request_body={"criteria": "(Email:equals:sought@example.com)"},
        response_body={"data": [{"id": "111", "Email": "sought@example.com"},
                                {"id": "222", "Email": "sought@example.com"}]},
        outcome="search", claim="c1", row_ids=[row.pk])
    Row.objects.filter(pk=row.pk).update(claims=" c1")
    html = admin_client.get(reverse("row_detail", args=[row.pk])).content.decode()
    calls = text_of(html.split("Calls to Bigin")[1])
    assert "(Email:equals:sought@example.com)" in calls
    assert '"111"' in calls and '"222"' in calls
    assert "record 1 of" not in calls


# --- sales staff ---------------------------------------------------------------------------


def test_sales_staff_see_their_failed_count_in_the_navigation(sales_client, sales_user,
                                                              admin_user, offline):
    for _ in range(2):
        make_row(sales_user, error_code="INVALID_DATA")
    make_row(admin_user, error_code="INVALID_DATA")  # someone else's
    html = sales_client.get(reverse("my_rows")).content.decode()
    nav = re.search(r'data-testid="nav-failed">\s*(.*?)</a>', html, re.S)
    assert nav and nav.group(1).strip() == "2 failed"


def test_sales_staff_cannot_open_the_review(sales_client, offline):
    assert sales_client.get(reverse("review")).status_code == 403
    assert sales_client.get(reverse("review_export")).status_code == 403


def test_sales_staff_fix_and_resubmit_their_own_row(sales_client, sales_user, synced):
    row = failed_contact(sales_user, "Mine")
    start_run(user=sales_user, owner=sales_user)
    row.refresh_from_db()
    assert (row.status, row.error_field) == (Row.Status.FAILED, "Account_Name")
    page = sales_client.get(reverse("row_detail", args=[row.pk])).content.decode()
    assert field_error(page, "Account_Name").startswith("Bigin: INVALID_DATA")
    account = existing_account_id(synced)
    response = sales_client.post(reverse("row_detail", args=[row.pk]),
                                 {"Last_Name": "Mine", "Account_Name": account, "resubmit": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('my_rows')}?run={Row.objects.get().run_id}"
    row.refresh_from_db()
    assert (row.status, row.payload["Account_Name"]) == (Row.Status.CREATED, {"id": account})
    assert len(row.bigin_id) == 19


def test_an_admin_who_resubmits_someones_row_comes_back_to_it(admin_client, sales_user,
                                                              synced):
    row = failed_contact(sales_user, "Theirs")
    start_run(user=sales_user, owner=sales_user)
    account = existing_account_id(synced)
    response = admin_client.post(reverse("row_detail", args=[row.pk]),
                                 {"Last_Name": "Theirs", "Account_Name": account,
                                  "resubmit": "1"}, follow=True)
    row.refresh_from_db()
    assert response.redirect_chain == [
        (f"{reverse('row_detail', args=[row.pk])}?run={row.run_id}", 302)]
    html = response.content.decode()
    assert f"Run {row.run_id}: Finished" in text_of(html.split('data-testid="run-progress"')[1])
    assert f"Bigin ID {row.bigin_id}" in text_of(html)
    assert row.status == Row.Status.CREATED


def test_an_admin_who_retries_someones_row_comes_back_to_it(admin_client, sales_user, synced):
    row = create_row(module="Contacts", owner=sales_user, payload={"Last_Name": "Again"})
    Row.objects.filter(pk=row.pk).update(status=Row.Status.FAILED, error_code="INTERNAL_ERROR")
    response = admin_client.post(reverse("row_retry", args=[row.pk]))
    row.refresh_from_db()
    assert response["Location"] == f"{reverse('row_detail', args=[row.pk])}?run={row.run_id}"
    assert row.status == Row.Status.CREATED


# --- 100,000 rows --------------------------------------------------------------------------

# Mostly created rows, as in a real queue: one row in twenty needs attention.
STATUS_MIX = (
    [Row.Status.CREATED] * 91 + [Row.Status.PENDING] * 3 + [Row.Status.DISCARDED]
    + [Row.Status.FAILED] * 2 + [Row.Status.UNKNOWN, Row.Status.NEEDS_REVIEW, "held"]
)
CODES = [("INVALID_DATA", "Phone"), ("INVALID_DATA", "Stage"), ("MANDATORY_NOT_FOUND", "Email"),
         ("DUPLICATE_DATA", "Email")]


@contextmanager
def own_timestamps():
    """Let bulk_create keep the created_at we give (auto_now_add would overwrite it)."""
    created_at = Row._meta.get_field("created_at")
    created_at.auto_now_add = False
    try:
        yield
    finally:
        created_at.auto_now_add = True


def many_rows(owners, count: int) -> None:
    with own_timestamps():
        _many_rows(owners, count)


def _many_rows(owners, count: int) -> None:
    start = timezone.now() - dt.timedelta(days=400)
    batch = []
    for i in range(count):
        status = STATUS_MIX[i % len(STATUS_MIX)]
        code, field = CODES[i % len(CODES)] if status == Row.Status.FAILED else ("", "")
        module = ("Contacts", "Accounts", "Pipelines")[i % 3]
        batch.append(Row(
            module=module, owner=owners[i % len(owners)],
            status=Row.Status.PENDING if status == "held" else status,
            hold=Row.Hold.DUPLICATE if status == "held" else "",
            hold_reason="Same Email as another row" if status == "held" else "",
            payload={"Last_Name": f"Person {i}", "Email": f"p{i}@example.com"},
            unique_key=f"email:p{i}@example.com", error_code=code, error_field=field,
            error_message="invalid data" if code else "",
            bigin_id=str(2034020000000000000 + i) if status == Row.Status.CREATED else "",
            created_at=start + dt.timedelta(minutes=5 * i),
        ))
        if len(batch) == 5000:
            Row.objects.bulk_create(batch)
            batch = []
    Row.objects.bulk_create(batch)


def plan(sql: str) -> str:
    """The database's plan for one captured query (its parameters are inlined)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(str(line[-1]) for line in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(str(line[0]) for line in cursor.fetchall())


def scans_every_row(text: str) -> bool:
    return bool(re.search(r"^SCAN queue_row$|Seq Scan on queue_row", text, re.M))


def review_queries() -> dict[str, dict[str, str]]:
    today = timezone.localdate()
    return {
        "unfiltered": {},
        "module and code": {"module": "Contacts", "error_code": "INVALID_DATA"},
        "owner and dates": {"owner": "sam",
                            "date_from": str(today - dt.timedelta(days=300)),
                            "date_to": str(today - dt.timedelta(days=200))},
        "one group": {"cause": cause_key({"status": "failed", "hold": "", "error_code":
                                          "INVALID_DATA", "error_field": "Phone",
                                          "module": "Contacts"})},
        "last page": {"module": "Pipelines", "page": "34"},
        "free text": {"text": "Person 12396"},
    }


@pytest.mark.slow
@pytest.mark.postgres
def test_review_of_100000_rows_is_a_few_fast_indexed_queries(admin_client, sales_user,
                                                             admin_user, offline,
                                                             django_assert_max_num_queries):
    started = time.monotonic()
    many_rows([sales_user, admin_user], 100_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"\n100,000 rows stored in {time.monotonic() - started:.1f}s ({connection.vendor})")
    counts = {}
    for name, params in review_queries().items():
        # Each page as the first one after a change to the rows: the counts a process
        # remembers (queue/counts_cache.py) would make later pages cheaper than the first and
        # hide what each filter costs.
        counts_cache.forget()
        with django_assert_max_num_queries(12) as captured:
            started = time.monotonic()
            response = admin_client.get(reverse("review"), params)
            elapsed = time.monotonic() - started
        assert response.status_code == 200
        assert listed_ids(response), name
        counts[name] = len(captured)
        print(f"{name}: {len(captured)} queries, {elapsed * 1000:.0f} ms")
        assert elapsed < 2, name
        for query in captured.captured_queries:
            assert float(query["time"]) < 0.5, (name, query["sql"])
            if 'FROM "queue_row"' not in query["sql"] or re.search(r'"owner_id" = \d',
                                                                    query["sql"]):
                continue  # not the review's own queries (the navigation's failed count is)
            how = plan(query["sql"])
            print(f"  {float(query['time']) * 1000:5.1f} ms {query['sql'][7:60]}…\n    "
                  + how.replace("\n", "\n    "))
            # A free-text search may read every row needing attention, but nothing else may.
            if name != "free text":
                assert not scans_every_row(how), (name, query["sql"], how)
    assert max(counts.values()) - min(counts.values()) <= 2, counts

