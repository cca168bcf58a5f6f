from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bigin_ui.queue.models import Row
from tests.factories import store_contacts_metadata

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def metadata():
    store_contacts_metadata()


def write_csv(tmp_path, text):
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_queues_valid_lines_and_reports_the_rest(tmp_path, staff, capsys):
    path = write_csv(tmp_path, "Last_Name,Email,Email Opt Out\n"
                               "Good,good@example.com,yes\n"
                               ",nolast@example.com,no\n"
                               "Bad,bad-email,no\n")
    with pytest.raises(SystemExit) as exit_info:
        call_command("bigin_import", "--module", "Contacts", "--user", "sam", str(path))
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "line 3: column 'Last_Name':" in err
    assert "line 4: column 'Email':" in err
    row = Row.objects.get()
    assert row.payload == {"Last_Name": "Good", "Email": "good@example.com",
                           "Email_Opt_Out": True}


def test_import_of_only_good_lines_exits_zero(tmp_path, staff, capsys):
    path = write_csv(tmp_path, "Last_Name\nOne\nTwo\n")
    call_command("bigin_import", "--module", "Contacts", "--user", "sam", str(path))
    assert "Queued 2 Contacts row(s); rejected 0." in capsys.readouterr().out
    assert Row.objects.count() == 2


def test_import_reads_xlsx(tmp_path, staff):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Last Name", "Mobile"])
    sheet.append(["Excel", "+1 555 0100"])
    path = tmp_path / "people.xlsx"
    book.save(path)
    call_command("bigin_import", "--module", "Contacts", "--user", "sam", str(path))
    assert Row.objects.get().payload == {"Last_Name": "Excel", "Mobile": "+1 555 0100",
                                         "Email_Opt_Out": False}


def test_unknown_column_is_ignored_with_a_notice(tmp_path, staff, capsys):
    path = write_csv(tmp_path, "Last_Name,Shoe_Size\nA,44\n")
    call_command("bigin_import", "--module", "Contacts", "--user", "sam", str(path))
    assert "column 'Shoe_Size' matches no field of Contacts; ignored" in capsys.readouterr().err
    assert Row.objects.get().payload["Last_Name"] == "A"


def test_missing_file_and_unknown_user_are_clear_errors(tmp_path, staff):
    with pytest.raises(CommandError, match="No such file"):
        call_command("bigin_import", "--module", "Contacts", "--user", "sam",
                     str(tmp_path / "nope.csv"))
    with pytest.raises(CommandError, match="No user"):
        call_command("bigin_import", "--module", "Contacts", "--user", "ghost",
                     str(write_csv(tmp_path, "Last_Name\nA\n")))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_path_that_is_not_a_readable_file_is_a_clear_error(tmp_path, staff, kind):
    folder = tmp_path / f"people.{kind}"
    folder.mkdir()
    with pytest.raises(CommandError, match="Not a file"):
        call_command("bigin_import", "--module", "Contacts", "--user", "sam", str(folder))
    assert not Row.objects.exists()


def test_export_has_fixed_columns_then_one_per_field(tmp_path, staff):
    Row.objects.create(module="Contacts", owner=staff, status=Row.Status.FAILED,
                       payload={"Last_Name": "Doe", "Tag": [{"name": "A"}]},
                       error_code="INVALID_DATA", error_message="invalid data",
                       error_field="Phone")
    out = tmp_path / "rows.csv"
    call_command("bigin_export", "--status", "failed", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    header = list(rows[0])
    assert header[:7] == ["id", "module", "status", "bigin_id", "error_code", "error_message",
                          "error_field"]
    assert "Last_Name" in header and "Created_Time" not in header
    assert rows[0]["Last_Name"] == "Doe"
    assert rows[0]["Tag"] == '[{"name":"A"}]'
    assert rows[0]["error_field"] == "Phone"


def test_the_same_file_again_is_refused_unless_asked(tmp_path, staff, capsys):
    path = write_csv(tmp_path, "Last_Name\nOnce\n")
    call_command("bigin_import", "--module", "Contacts", "--user", "sam", str(path))
    with pytest.raises(CommandError, match="already imported"):
        call_command("bigin_import", "--module", "Contacts", "--user", "sam", str(path))
    assert Row.objects.count() == 1
    call_command("bigin_import", "--module", "Contacts", "--user", "sam", "--again", str(path))
    assert Row.objects.count() == 2


def test_dry_run_decimal_comma_timezone_mapping_and_errors_file(tmp_path, staff, capsys):
    path = write_csv(tmp_path, "Surname;Opt\nGood;no\nBad;F\n")
    mapping = tmp_path / "mapping.json"
    mapping.write_text('{"Surname": "Last_Name", "Opt": "Email_Opt_Out"}', encoding="utf-8")
    errors = tmp_path / "errors.csv"
    with pytest.raises(SystemExit) as exit_info:
        call_command("bigin_import", "--module", "Contacts", "--user", "sam", "--dry-run",
                     "--decimal-comma", "--timezone", "Europe/Berlin", "--mapping",
                     str(mapping), "--errors", str(errors), str(path))
    assert exit_info.value.code == 1
    out, err = capsys.readouterr()
    assert "Dry run: 1 Contacts line(s) would be queued; rejected 1." in out
    assert "line 3: column 'Opt': 'F' is not a checkbox value" in err
    assert "Europe/Berlin" in err
    assert Row.objects.count() == 0
    assert list(csv.reader(errors.open(encoding="utf-8")))[1][:2] == ["Bad", "F"]


@pytest.mark.parametrize(("args", "message"), [
    (["--timezone", "Mars/Base"], "Unknown time zone"),
    (["--sheet", "Two"], "no sheets"),
])
def test_bad_arguments_are_one_clear_error(tmp_path, staff, args, message):
    path = write_csv(tmp_path, "Last_Name\nA\n")
    with pytest.raises(CommandError, match=message):
        call_command("bigin_import", "--module", "Contacts", "--user", "sam", *args, str(path))


def test_a_bad_mapping_file_is_a_clear_error(tmp_path, staff):
    path = write_csv(tmp_path, "Last_Name\nA\n")
    mapping = tmp_path / "m.json"
    for text, message in (("{", "Cannot read the mapping"), ('{"Nope": "Last_Name"}',
                                                            "no column 'Nope'"),
                          ('{"Last_Name": "Shoe"}', "not a field")):
        mapping.write_text(text, encoding="utf-8")
        with pytest.raises(CommandError, match=message):
            call_command("bigin_import", "--module", "Contacts", "--user", "sam", "--mapping",
                         str(mapping), str(path))
    with pytest.raises(CommandError, match="Cannot read the mapping"):
        call_command("bigin_import", "--module", "Contacts", "--user", "sam", "--mapping",
                     str(tmp_path / "missing.json"), str(path))


@pytest.fixture(scope="module")
def command_line(tmp_path_factory):
    """A migrated throw-away database for running manage.py as a person would."""
    import subprocess
    import sys
    from pathlib import Path

    folder = tmp_path_factory.mktemp("cli")
    root = Path(__file__).resolve().parents[2]
    env = {"PATH": "/usr/bin:/bin", "BIGIN_UI_DATA_DIR": str(folder), "SECRET_KEY": "test",
           "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=root, env=env,
                   check=True)

    def run(*args):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=root, env=env,
                              capture_output=True, text=True)

    return run


@pytest.mark.slow
@pytest.mark.parametrize("args", [
    ["--module", "Leads", "--user", "sam", "x.csv"],
    ["--module", "Contacts", "--user", "sam", "missing.csv"],
    ["--module", "Contacts", "--timezone", "Mars/Base", "--user", "nobody", "x.csv"],
])
def test_bad_command_lines_end_without_a_traceback(command_line, args):
    done = command_line("bigin_import", *args)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(("CommandError:", "manage.py"))
