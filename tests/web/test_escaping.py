"""Text from Bigin (or the sandbox) carrying script is shown escaped on every page.

The hostile values go in the way they would in production: a Bigin admin's field label,
tooltip and picklist value through the sandbox's customisation API, a record name through
Bigin's API, and Bigin's error message on a rejected row. Then every page of the URL conf
that answers GET is fetched as the row's owner and as an admin.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io

import pytest
from django.core.management import call_command
from django.test import Client

from bigin_ui.imports.models import Import
from bigin_ui.queue.models import Row, SubmissionRun
from bigin_ui.queue.rows import create_row
from bigin_ui.queue.runs import start_run
from tests.urlconf import fill, url_patterns

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
HOSTILE = f"Evil {SCRIPT}{ATTRIBUTE}"
# What must never reach a page unescaped.
RAW_MARKERS = ("<script>alert(1)", "<img src=x onerror")


@pytest.fixture
def hostile(synced, sales_user, admin_user, tmp_path):
    """A sandbox and an app holding hostile text in every place Bigin's text can reach."""
    call_command("bigin_sync", stdout=None)  # a first sync, so the next one reports changes
    synced.fields(module="Contacts", add={
        "api_name": "Evil_Tier", "field_label": f"Tier {ATTRIBUTE}{SCRIPT}",
        "data_type": "picklist", "pick_list_values": [HOSTILE, "Plain"],
        "tooltip": HOSTILE,
    })
    synced.fields(module="Contacts", update="Title",
                  changes={"field_label": f"Title {SCRIPT}{ATTRIBUTE}"})
    call_command("bigin_sync", stdout=None)
    # The org's own details as Bigin gave them (no page shows them today; one that starts to
    # is covered here).
    from bigin_ui.metadata.services import store_org

    store_org(org={"id": "1", "zgid": ATTRIBUTE, "company_name": HOSTILE,
                   "time_zone": "Europe/Berlin"})
    # A record in Bigin whose name is hostile (found by lookups, listed by the sandbox page).
    answer = synced.api("POST", "Contacts", json={"data": [{"Last_Name": HOSTILE}]})
    assert answer.status_code in {201, 202}, answer.text
    # A company in Bigin with a hostile name, remembered from a lookup, that rows refer to.
    company = synced.api("POST", "Accounts", json={"data": [{"Account_Name": HOSTILE}]})
    assert company.status_code in {201, 202}, company.text
    company_id = str(company.json()["data"][0]["details"]["id"])
    from bigin_ui.metadata.models import RecordName

    RecordName.objects.create(module="Accounts", bigin_id=company_id, name=HOSTILE)
    # A queued row with hostile values, sent once (its call is on the row page) ...
    created = create_row(module="Contacts", owner=sales_user,
                         payload={"Last_Name": HOSTILE, "Evil_Tier": HOSTILE})
    start_run(user=sales_user, origin="web", row_ids=[created.pk])
    created.refresh_from_db()
    assert created.status == Row.Status.CREATED, created.error_message
    # ... and a row Bigin refused with a hostile message, on the hostile field.
    failed = create_row(module="Contacts", owner=sales_user,
                        payload={"Last_Name": HOSTILE, "Evil_Tier": HOSTILE,
                                 "Account_Name": {"id": company_id}})
    Row.objects.filter(pk=failed.pk).update(
        status=Row.Status.FAILED, error_code="INVALID_DATA", error_message=HOSTILE,
        error_field="Evil_Tier", error_details={"api_name": "Evil_Tier",
                                                "expected_data_type": HOSTILE})
    run = SubmissionRun.objects.create(created_by=sales_user, message=HOSTILE,
                                       status=SubmissionRun.Status.FINISHED)
    record_id = synced.records("Contacts")[0]["id"]
    # An import whose preview names the hostile picklist value among its suggestions.
    sheet = tmp_path / "people.csv"
    with sheet.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([["Last_Name", "Evil_Tier"], ["Imported", "Evil"],
                                   ["Also", "Plain"]])
    with contextlib.suppress(SystemExit):
        call_command("bigin_import", "--module", "Contacts", "--user", sales_user.username,
                     "--dry-run", str(sheet), stdout=io.StringIO(), stderr=io.StringIO())
    imported = Import.objects.latest("pk")
    return {"row": str(failed.pk), "created": str(created.pk), "run": str(run.pk),
            "module": "Contacts", "record_id": record_id, "import": str(imported.pk)}


def _clients(sales_user, admin_user) -> dict[str, Client]:
    clients = {}
    for role, user in (("owner", sales_user), ("admin", admin_user)):
        client = Client()
        client.force_login(user)
        clients[role] = client
    return clients


def test_hostile_text_is_escaped_on_every_page(hostile, sales_user, admin_user):
    clients = _clients(sales_user, admin_user)
    query = {"q": "Evil", "module": "Contacts", "target": "Account_Name"}
    pages_seen = {}
    for route, name, params in url_patterns():
        url = fill(route, name, params, hostile)
        for role, client in clients.items():
            urls = [url]
            if name == "row_detail":
                urls.append(fill(route, name, params, {**hostile, "row": hostile["created"]}))
            for target in urls:
                response = client.get(target, query)
                if not response.get("Content-Type", "").startswith("text/html"):
                    continue
                body = b"".join(response) if response.streaming else response.content
                text = body.decode()
                for marker in RAW_MARKERS:
                    assert marker not in text, f"{role} GET {target}: {marker!r} unescaped"
                pages_seen[(role, target)] = text
    # The oracle only counts if the hostile text did reach the pages that show it, escaped.
    escaped_script = html.escape(SCRIPT, quote=False)
    new_form = pages_seen[("owner", "/records/Contacts/new/")]
    assert escaped_script in new_form  # tooltip, label and picklist value
    row_page = pages_seen[("owner", f"/rows/{hostile['row']}/")]
    assert escaped_script in row_page  # Bigin's error message
    # The company's name from Bigin, where the row's form shows the record it refers to.
    assert f"Chosen: {html.escape(HOSTILE)}" in row_page
    assert escaped_script in pages_seen[("admin", "/review/")]
    assert escaped_script in pages_seen[("admin", "/settings/connection/")]  # metadata changes
    assert escaped_script in pages_seen[("owner", "/lookup/Contacts/")]  # a Bigin record name
    assert escaped_script in pages_seen[("owner", "/sandbox/")]  # the sandbox's recent records
    import_page = pages_seen[("owner", f"/imports/{hostile['import']}/")]
    assert "Evil" in import_page and html.escape(ATTRIBUTE) in import_page  # suggestions
    assert len({target for _role, target in pages_seen}) >= 10


def test_a_hostile_tooltip_is_not_markup_in_the_form(hostile, sales_user):
    client = Client()
    client.force_login(sales_user)
    text = client.get("/records/Contacts/new/").content.decode()
    assert html.escape(HOSTILE) in text or html.escape(HOSTILE, quote=False) in text


def test_no_template_or_module_marks_text_safe():
    """Autoescape is the only defence the templates need; nothing opts out of it."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    opt_outs = re.compile(r"\|\s*safe\b|\|\s*safeseq\b|autoescape\s+off|mark_safe|SafeString"
                          r"|format_html|SafeText")
    offenders = []
    for folder, pattern in (("templates", "*.html"), ("bigin_ui", "*.html"),
                            ("bigin_ui", "*.py")):
        for path in (root / folder).rglob(pattern):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if opt_outs.search(line):
                    offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offenders == []


def test_bigins_error_text_on_the_connection_page_is_escaped(synced, settings, admin_user):
    """What the GET walk above cannot reach: Bigin's and Zoho's own error text, shown after
    POSTs (the connection test's report, a refused grant code on the form)."""
    import json

    from bigin_ui.sandbox.constants import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
    from tests.hostile import Hostile, point_app_at

    upstream = Hostile(synced.base_url)
    point_app_at(settings, upstream, synced.base_url)
    try:
        client = Client()
        client.force_login(admin_user)
        upstream.reads["/bigin/v2/users"] = (400, "application/json", json.dumps(
            {"code": "INVALID_REQUEST", "status": "error", "message": HOSTILE,
             "details": {"reason": HOSTILE}}).encode())
        report = client.post("/settings/connection/test/", follow=True).content.decode()
        upstream.reads["/oauth/"] = (200, "application/json",
                                     json.dumps({"error": HOSTILE}).encode())
        refused = client.post("/settings/connection/", {
            "mode": "live", "dc": "eu", "client_id": SANDBOX_CLIENT_ID,
            "client_secret": SANDBOX_CLIENT_SECRET, "grant_code": "1000.code",
            "accounts_url": upstream.url, "api_domain": upstream.url}).content.decode()
    finally:
        upstream.close()
    for page in (report, refused):
        for marker in RAW_MARKERS:
            assert marker not in page
    assert html.escape(SCRIPT, quote=False) in report  # the hostile text did reach the page
    assert html.escape(SCRIPT, quote=False) in refused  # Zoho's error, on the form
