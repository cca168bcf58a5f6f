"""The import pipeline: upload → mapping/options → check → queue → discard, on Contacts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from bigin_ui.imports.cells import Options
from bigin_ui.imports.checking import mappable_fields
from bigin_ui.imports.lookups import ValueResolver
from bigin_ui.imports.models import Import, ImportLine
from bigin_ui.imports.services import (
    ImportError_,
    auto_mapping,
    check_import,
    configure_import,
    create_import,
    discard_import,
    earlier_imports,
    mapping_of,
    options_of,
    queue_import,
    unmapped_headers,
    write_rejected,
)
from bigin_ui.metadata.services import store_module, store_users
from bigin_ui.queue.models import Row
from tests.factories import contacts_fields, field

pytestmark = pytest.mark.django_db

EXTRA = [
    field("Budget", "currency", length=16, decimal_place=2, custom_field=True),
    field("Birthday", "date", custom_field=True),
    field("Call_At", "datetime", custom_field=True),
    field("Lead_Status", "picklist", picklist=["Contacted", ("Not contacted", "Not Contacted")],
          custom_field=True),
    field("Hobbies", "multiselectpicklist", picklist=["Golf", "Chess", "Sailing"],
          custom_field=True),
    field("Entry_Key", "text", custom_field=True, unique={"casesensitive": "0"}),
]


@pytest.fixture(autouse=True)
def metadata(settings):
    settings.BIGIN_ENTRY_KEYS = {"Contacts": "Entry_Key"}
    store_module(module="Contacts", fields=contacts_fields() + EXTRA, layouts=[], tags=[])
    store_users(users=[{"id": "2034020000000457001", "full_name": "Sam Seller",
                        "email": "sam@example.com", "status": "active",
                        "time_zone": "Europe/Berlin"}])


@pytest.fixture
def staff(django_user_model, settings, tmp_path):
    settings.BIGIN_IMPORT_DIR = tmp_path / "uploads"
    from django.contrib.auth.models import Group

    from bigin_ui.roles import SALES_GROUP

    user = django_user_model.objects.create_user("sam", "sam@example.com", "pw-sales-123")
    user.groups.add(Group.objects.get_or_create(name=SALES_GROUP)[0])  # row actions need a role
    return user


def upload(tmp_path, user, text, name="people.csv", **options):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    imp = create_import(path=path, file_name=name, module="Contacts", created_by=user,
                        owner=user)
    if options:
        configure_import(imp=imp, mapping=mapping_of(imp),
                         options=Options(**{"time_zone": options_of(imp).time_zone,
                                            **options}))
    return check_import(import_id=imp.pk)


def line(imp, number):
    return ImportLine.objects.get(batch=imp, number=number)


def test_columns_match_by_api_name_or_label_ignoring_case_and_spacing():
    headers = ["last name", "E-MAIL", "email opt_out", "Company Name", "Shoe size", "Entry_Key"]
    mapping = auto_mapping(headers, mappable_fields("Contacts"))
    assert mapping == {0: "Last_Name", 1: "Email", 2: "Email_Opt_Out", 3: "Account_Name"}


def test_the_entry_key_is_never_offered():
    assert "Entry_Key" not in {f.api_name for f in mappable_fields("Contacts")}


def test_unknown_columns_are_ignored_and_listed(tmp_path, staff):
    imp = upload(tmp_path, staff, "Last_Name,Shoe size\nDoe,44\n")
    assert unmapped_headers(imp) == ["Shoe size"]
    assert line(imp, 2).payload["Last_Name"] == "Doe"


def test_checkbox_words_that_are_not_yes_or_no_are_errors_not_true(tmp_path, staff):
    imp = upload(tmp_path, staff, "Last_Name,Email_Opt_Out\nA,F\nB,maybe\nC,nein\nD,-\nE,no\n"
                                  "F,Yes\n")
    assert (imp.lines_good, imp.lines_bad) == (2, 4)
    for number in (2, 3, 4, 5):
        assert "not a checkbox value" in line(imp, number).problems["Email_Opt_Out"][0]
    assert line(imp, 6).payload["Email_Opt_Out"] is False
    assert line(imp, 7).payload["Email_Opt_Out"] is True


def test_decimal_separator_is_never_guessed(tmp_path, staff):
    text = "Last_Name;Budget\nA;2.500,00\nB;1.000,00\nC;2500.50\n"
    point = upload(tmp_path, staff, text)
    assert "decimal point" in line(point, 2).problems["Budget"][0]
    assert "decimal point" in line(point, 3).problems["Budget"][0]
    assert line(point, 4).payload["Budget"] == 2500.5
    comma = upload(tmp_path, staff, text, name="comma.csv", decimal=",")
    assert line(comma, 2).payload["Budget"] == 2500
    assert line(comma, 3).payload["Budget"] == 1000
    assert "decimal comma" in line(comma, 4).problems["Budget"][0]


def test_datetimes_without_offset_use_the_persons_zone_by_default(tmp_path, staff):
    imp = upload(tmp_path, staff, "Last_Name,Call_At\nA,2026-07-01 09:30\n")
    assert options_of(imp).time_zone == "Europe/Berlin"
    assert line(imp, 2).payload["Call_At"] == "2026-07-01T09:30:00+02:00"
    tokyo = upload(tmp_path, staff, "Last_Name,Call_At\nA,2026-07-01 09:30\n", name="t.csv",
                   time_zone="Asia/Tokyo")
    assert line(tokyo, 2).payload["Call_At"] == "2026-07-01T09:30:00+09:00"


def test_excel_cells_are_read_as_what_they_hold(tmp_path, staff):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Last Name", "Birthday", "Call At", "Budget", "Email Opt Out", "Hobbies"])
    sheet.append(["Doe", dt.datetime(1990, 5, 17), dt.datetime(2026, 1, 5, 14, 0), 1250.75,
                  True, "Golf;Sailing"])
    sheet["B2"].number_format = "dd/mm/yyyy"
    sheet["C2"].number_format = "dd/mm/yyyy hh:mm"
    path = tmp_path / "people.xlsx"
    book.save(path)
    imp = create_import(path=path, file_name="people.xlsx", module="Contacts",
                        created_by=staff, owner=staff)
    imp = check_import(import_id=imp.pk)
    assert imp.lines_bad == 0, list(ImportLine.objects.values_list("problems", flat=True))
    payload = line(imp, 2).payload
    assert payload["Birthday"] == "1990-05-17"
    assert payload["Call_At"] == "2026-01-05T14:00:00+01:00"
    assert payload["Budget"] == 1250.75
    assert payload["Email_Opt_Out"] is True
    assert payload["Hobbies"] == ["Golf", "Sailing"]


def excel_written(path, rows: list[str], strings: list[str]) -> None:
    """An .xlsx as Excel itself writes one (openpyxl writes a tidier subset): shared strings,
    inline strings, built-in date styles on serial numbers, t="b" booleans, formulas with
    their cached values, a stale dimension and styled empty rows at the end."""
    import zipfile
    from xml.sax.saxutils import escape

    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    kinds = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://'
            'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels"'
            ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{kinds}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{kinds}.worksheet+xml"/><Override PartName="/xl/styles.xml" '
            f'ContentType="{kinds}.styles+xml"/><Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{kinds}.sharedStrings+xml"/></Types>'),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}"><Relationship'
            f' Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} xmlns:r="{rel}"><sheets>'
            '<sheet name="Tabelle1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>'),
        # Styles: 0 general, 1 date (built-in 14), 2 date and time (22), 3 text (49).
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {ns}><fonts count="1"><font>'
            '<sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill>'
            '<patternFill patternType="none"/></fill></fills><borders count="1"><border/>'
            '</borders>'
            '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="4">'
            '<xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>'
            '<xf numFmtId="22" applyNumberFormat="1"/><xf numFmtId="49" applyNumberFormat="1"/>'
            '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            '</cellStyles></styleSheet>'),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><sst {ns} count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">'
            + "".join(f"<si><t>{escape(t)}</t></si>" for t in strings) + "</sst>"),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><dimension ref="A1:F40"/>'
            f'<sheetData>{"".join(rows)}</sheetData></worksheet>'),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)


def serial(moment: dt.datetime) -> str:
    """Excel's serial number for ``moment``, written with Excel's 17 significant digits."""
    days = (moment - dt.datetime(1899, 12, 30)) / dt.timedelta(days=1)
    return repr(days)


def test_a_workbook_as_excel_writes_it_is_read_cell_by_cell_and_never_guessed(tmp_path, staff):
    strings = ["Last Name", "Birthday", "Call At", "Budget", "Email Opt Out", "Phone",
               "Doe", "00123", "2500", "Roe", "2.500,00", "F", "T", "Poe", "17.05.1990",
               "45000"]
    s = {text: i for i, text in enumerate(strings)}

    def shared(ref, text, style=0):
        return f'<c r="{ref}" t="s" s="{style}"><v>{s[text]}</v></c>'

    birthday, call_at = serial(dt.datetime(1990, 5, 17)), serial(dt.datetime(2026, 1, 5, 14))
    rows = [
        '<row r="1">' + "".join(shared(f"{c}1", strings[i]) for i, c in enumerate("ABCDEF"))
        + "</row>",
        # Shared strings, date styles on serials, a t="b" boolean, digits kept as text.
        f'<row r="2" spans="1:6">{shared("A2", "Doe")}<c r="B2" s="1"><v>{birthday}</v></c>'
        f'<c r="C2" s="2"><v>{call_at}</v></c><c r="D2"><v>1250.75</v></c>'
        f'<c r="E2" t="b"><v>1</v></c>{shared("F2", "00123", 3)}</row>',
        # An inline string, a number stored as text, formulas with their cached values.
        '<row r="3"><c r="A3" t="inlineStr"><is><t>Roe</t></is></c>'
        f'<c r="B3" s="1"><f>B2+1</f><v>{float(birthday) + 1!r}</v></c>'
        f'{shared("D3", "2500", 3)}<c r="E3" t="b"><f>FALSE()</f><v>0</v></c>'
        '<c r="F3" t="str"><f>"+49 "&amp;"30 1234"</f><v>+49 30 1234</v></c></row>',
        # Values that read two ways: errors on their cells, never a guess.
        f'<row r="4">{shared("A4", "Poe")}{shared("B4", "17.05.1990")}'
        f'<c r="C4"><v>{call_at}</v></c>{shared("D4", "2.500,00")}{shared("E4", "F")}'
        '</row>',
        f'<row r="5">{shared("A5", "Poe")}<c r="B5"><v>45000</v></c>{shared("E5", "T")}'
        '</row>',
        # Excel keeps formatted but empty rows at the end.
        '<row r="6" spans="1:6"><c r="A6" s="3"/><c r="B6" s="1"/></row>',
        '<row r="7" spans="1:6"/>',
        '<row r="40"><c r="C40" s="2"/></row>',
    ]
    path = tmp_path / "people.xlsx"
    excel_written(path, rows, strings)
    imp = create_import(path=path, file_name="people.xlsx", module="Contacts",
                        created_by=staff, owner=staff)
    imp = check_import(import_id=imp.pk)
    numbers = sorted(ImportLine.objects.filter(batch=imp).values_list("number", flat=True))
    assert numbers == [2, 3, 4, 5]  # the empty rows at the end are no lines at all
    assert (imp.lines_good, imp.lines_bad) == (2, 2)
    doe = line(imp, 2).payload
    assert doe["Birthday"] == "1990-05-17"
    assert doe["Call_At"] == "2026-01-05T14:00:00+01:00"
    assert doe["Budget"] == 1250.75
    assert doe["Email_Opt_Out"] is True
    assert doe["Phone"] == "00123"  # digits stored as text keep their leading zeros
    roe = line(imp, 3).payload
    assert roe["Last_Name"] == "Roe"
    assert roe["Birthday"] == "1990-05-18"  # the formula's cached value
    assert roe["Budget"] == 2500  # a number stored as text
    assert roe["Email_Opt_Out"] is False
    assert roe["Phone"] == "+49 30 1234"
    poe = line(imp, 4).problems
    # A date written the German way, a serial number without a date style, "2.500,00"
    # under the decimal point, "F" for a checkbox: each an error on its own cell.
    assert set(poe) == {"Birthday", "Call At", "Budget", "Email Opt Out"}, poe
    assert "2.500,00" in poe["Budget"][0]
    assert set(line(imp, 5).problems) == {"Birthday", "Email Opt Out"}


def test_picklists_reject_unknown_values_with_suggestions(tmp_path, staff):
    imp = upload(tmp_path, staff, "Last_Name,Lead_Status\nA,Contactd\nB,not contacted\n")
    assert "Closest: Contacted" in line(imp, 2).problems["Lead_Status"][0]
    assert line(imp, 3).payload["Lead_Status"] == "Not Contacted"


def test_picklist_values_sent_as_new_when_chosen(tmp_path, staff):
    imp = upload(tmp_path, staff, "Last_Name,Lead_Status\nA,Met at fair\n",
                 new_picklist_values=True)
    assert line(imp, 2).payload["Lead_Status"] == "Met at fair"


def test_missing_required_value_is_reported_on_its_column(tmp_path, staff):
    imp = upload(tmp_path, staff, "Last_Name,Email\n,a@example.com\nB,not-an-email\n")
    assert line(imp, 2).problems["Last_Name"]
    assert line(imp, 3).problems["Email"]


def test_queue_links_rows_to_their_lines_and_only_once(tmp_path, staff):
    imp = upload(tmp_path, staff, "Last_Name,Email\nA,a@example.com\n,bad\nC,c@example.com\n")
    assert Row.objects.count() == 0  # checking queues nothing
    imp = queue_import(import_id=imp.pk)
    assert imp.status == Import.Status.QUEUED and imp.rows_queued == 2
    rows = Row.objects.filter(import_line__batch=imp).order_by("pk")
    assert [r.payload["Last_Name"] for r in rows] == ["A", "C"]
    assert rows[0].unique_key == "Email:a@example.com"
    assert rows[0].owner == staff
    assert "import" in rows[0].events.get().message
    with pytest.raises(ImportError_):
        queue_import(import_id=imp.pk)
    assert Row.objects.count() == 2


def test_the_same_file_again_is_recognised(tmp_path, staff):
    text = "Last_Name\nA\n"
    first = queue_import(import_id=upload(tmp_path, staff, text).pk)
    again = upload(tmp_path, staff, text, name="copy.csv")
    assert list(earlier_imports(again)) == [first]


def test_discard_an_import_while_its_rows_are_pending(tmp_path, staff):
    imp = queue_import(import_id=upload(tmp_path, staff, "Last_Name\nA\nB\n").pk)
    assert discard_import(imp=imp, actor=staff) == 2
    assert set(Row.objects.values_list("status", flat=True)) == {"discarded"}


def test_discard_refused_once_a_row_was_sent(tmp_path, staff):
    imp = queue_import(import_id=upload(tmp_path, staff, "Last_Name\nA\nB\n").pk)
    Row.objects.filter(pk=Row.objects.first().pk).update(status=Row.Status.CREATED)
    with pytest.raises(ImportError_, match="already sent"):
        discard_import(imp=imp, actor=staff)
    assert Row.objects.filter(status="pending").count() == 1


def test_rejected_lines_file_is_ready_to_fix_and_upload_again(tmp_path, staff):
    imp = upload(tmp_path, staff, "Last_Name,Email_Opt_Out\nGood,yes\nBad,F\n")
    out = io.StringIO()
    write_rejected(imp, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["Last_Name", "Email_Opt_Out", "errors"]
    assert rows[1][:2] == ["Bad", "F"]
    assert rows[1][2].startswith("line 3: Email_Opt_Out: 'F' is not a checkbox value")
    assert len(rows) == 2


def test_a_mapping_saved_is_offered_next_time(tmp_path, staff):
    imp = upload(tmp_path, staff, "Surname,Notes\nDoe,x\n")
    configure_import(imp=Import.objects.get(pk=imp.pk), mapping={0: "Last_Name",
                                                                 1: "Description"},
                     options=options_of(imp), save_mapping=True)
    path = tmp_path / "next.csv"
    path.write_text("SURNAME,notes\nRoe,y\n", encoding="utf-8")
    again = create_import(path=path, file_name="next.csv", module="Contacts", created_by=staff,
                          owner=staff)
    assert mapping_of(again) == {0: "Last_Name", 1: "Description"}


def test_two_columns_for_one_field_are_refused(tmp_path, staff):
    imp = upload(tmp_path, staff, "A,B\nx,y\n")
    with pytest.raises(ImportError_, match="Two columns"):
        configure_import(imp=Import.objects.get(pk=imp.pk),
                         mapping={0: "Last_Name", 1: "Last_Name"}, options=options_of(imp))


class FakeBigin:
    def __init__(self, records):
        self.records = records
        self.calls = 0

    def search(self, module, **kwargs):
        self.calls += 1
        return self.records


def test_lookup_by_unique_value_matches_exactly_one(tmp_path, staff):
    Row.objects.create(module="Accounts", owner=staff, payload={"Account_Name": "Zylker"})
    Row.objects.create(module="Accounts", owner=staff, payload={"Account_Name": "Twin"})
    Row.objects.create(module="Accounts", owner=staff, payload={"Account_Name": "twin"})
    bigin = FakeBigin([{"id": "2034020000000111001", "Account_Name": "Zylker Travels"}])
    resolver = ValueResolver(owner=staff, client=bigin)
    path = tmp_path / "people.csv"
    path.write_text("Last_Name,Company Name\nA,zylker\nB,Twin\nC,Nobody\nD,Zylker\n",
                    encoding="utf-8")
    imp = create_import(path=path, file_name="people.csv", module="Contacts", created_by=staff,
                        owner=staff)
    imp = check_import(import_id=imp.pk, resolver=resolver)
    zylker = Row.objects.get(payload__Account_Name="Zylker")
    assert line(imp, 2).payload["Account_Name"] == {"$row": zylker.pk}
    assert "matches 2 records" in line(imp, 3).problems["Company Name"][0]
    assert "No Accounts record" in line(imp, 4).problems["Company Name"][0]
    assert bigin.calls == 3  # "zylker" and "Zylker" were looked up once


def test_a_file_that_breaks_midway_leaves_nothing_checked(tmp_path, staff):
    imp = upload(tmp_path, staff, 'Last_Name\nA\n"B" x\n')
    assert imp.status == Import.Status.UNREADABLE
    assert "Line 3" in imp.message
    assert not ImportLine.objects.filter(batch=imp).exists()


def test_rejected_lines_of_an_excel_file_read_back_as_the_same_values(tmp_path, staff):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Last Name", "Birthday", "Call At", "Budget", "Email Opt Out"])
    sheet.append(["Doe", dt.datetime(1990, 5, 17), dt.datetime(2026, 1, 5, 14, 0), 1250.75,
                  "maybe"])
    path = tmp_path / "people.xlsx"
    book.save(path)
    imp = create_import(path=path, file_name="people.xlsx", module="Contacts",
                        created_by=staff, owner=staff)
    configure_import(imp=imp, mapping=mapping_of(imp),
                     options=Options(time_zone="Europe/Berlin", decimal=","))
    imp = check_import(import_id=imp.pk)
    out = io.StringIO()
    write_rejected(imp, out)
    fixed = list(csv.reader(io.StringIO(out.getvalue())))[1][:5]
    assert fixed == ["Doe", "1990-05-17", "2026-01-05 14:00", "1250,75", "maybe"]


def test_the_defaults_are_the_persons_own_zone_and_number_convention(tmp_path, staff):
    from bigin_ui.people.services import save_profile

    save_profile(user=staff, time_zone="America/Chicago", decimal_separator=",")
    imp = upload(tmp_path, staff, "Last_Name;Budget\nA;2.500,50\n")
    assert options_of(imp) == Options(time_zone="America/Chicago", decimal=",")
    assert line(imp, 2).payload["Budget"] == 2500.5


def test_a_row_reference_that_became_invisible_is_rejected_when_queueing(
        tmp_path, staff, django_user_model):
    company = Row.objects.create(module="Accounts", owner=staff,
                                 payload={"Account_Name": "Mine"})
    imp = upload(tmp_path, staff, f"Last_Name,Company Name\nA,row:{company.pk}\nB,\n")
    assert imp.lines_good == 2
    other = django_user_model.objects.create_user("olga", "olga@example.com", "pw-o-123456")
    Row.objects.filter(pk=company.pk).update(owner=other)  # no longer sam's to refer to
    imp = queue_import(import_id=imp.pk)
    assert (imp.rows_queued, imp.lines_good, imp.lines_bad) == (1, 1, 1)
    assert "no longer exists" in line(imp, 2).problems[""][0]
    assert Row.objects.filter(module="Contacts").get().payload["Last_Name"] == "B"
