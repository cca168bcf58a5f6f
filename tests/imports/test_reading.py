"""Reading files the way spreadsheet programs write them."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from bigin_ui.imports.reading import FileProblem, Percent, open_table

LIMIT = 10_000_000


def write(tmp_path, data: bytes, name="people.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read(path, **kwargs):
    table = open_table(path, limit=kwargs.pop("limit", LIMIT), **kwargs)
    try:
        return table, [(line.number, line.cells, line.problem) for line in table.lines]
    finally:
        table.close()


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_recognised(tmp_path, delimiter):
    text = delimiter.join(["Last_Name", "Email", "Phone"]) + "\r\n" + delimiter.join(
        ["Doe", "doe@example.com", "+1 555"]) + "\r\n"
    table, lines = read(write(tmp_path, text.encode()))
    assert table.headers == ["Last_Name", "Email", "Phone"]
    assert lines == [(2, ["Doe", "doe@example.com", "+1 555"], "")]


def test_semicolon_file_with_decimal_commas_is_not_split_on_commas(tmp_path):
    # What German Excel writes: ';' between cells, ',' as the decimal mark.
    text = "Product_Name;Unit_Price\r\nWidget;2.500,00\r\nGadget;1,5\r\n"
    table, lines = read(write(tmp_path, text.encode()))
    assert table.delimiter == ";"
    assert [cells for _, cells, _ in lines] == [["Widget", "2.500,00"], ["Gadget", "1,5"]]


def test_utf8_with_bom_as_excel_writes_it(tmp_path):
    table, lines = read(write(tmp_path, "\ufeffLast_Name,City\r\nMüller,Köln\r\n".encode()))
    assert table.headers == ["Last_Name", "City"]
    assert lines[0][1] == ["Müller", "Köln"]


def test_other_encodings_are_an_error_naming_the_line(tmp_path):
    data = "Last_Name\r\nSmith\r\nMüller\r\n".encode("cp1252")
    with pytest.raises(FileProblem, match="Line 3 is not UTF-8"):
        read(write(tmp_path, data))
    far = ("Last_Name\r\n" + "Smith\r\n" * 100 + "Müller\r\n").encode("cp1252")
    with pytest.raises(FileProblem, match="Line 102 is not UTF-8"):
        read(write(tmp_path, far))


def test_quoted_cells_with_delimiters_and_newlines(tmp_path):
    text = 'Last_Name,Description\r\n"Doe, Jr.","two\r\nlines"\r\nNext,x\r\n'
    _, lines = read(write(tmp_path, text.encode()))
    assert lines[0] == (2, ["Doe, Jr.", "two\r\nlines"], "")
    assert lines[1][0] == 4  # the quoted newline used up line 3


def test_malformed_csv_names_the_line_and_the_reason(tmp_path):
    text = 'Last_Name,Email\r\nGood,a@b.co\r\n"Doe" Jr,x\r\n'
    table = open_table(write(tmp_path, text.encode()), limit=LIMIT)
    with pytest.raises(FileProblem, match=r"Line 3: not valid CSV \(.+\)"):
        list(table.lines)
    table.close()


def test_unterminated_quote_is_an_error(tmp_path):
    text = 'Last_Name,Email\r\n"Open,a@b.co\r\n'
    table = open_table(write(tmp_path, text.encode()), limit=LIMIT)
    with pytest.raises(FileProblem, match="not valid CSV"):
        list(table.lines)
    table.close()


def test_extra_cells_are_a_problem_of_that_line(tmp_path):
    _, lines = read(write(tmp_path, b"Last_Name,Email\r\nA,a@b.co,surprise\r\nB,b@b.co,\r\n"))
    assert "3 cells but only 2 columns" in lines[0][2]
    assert lines[1][2] == ""


def test_size_limit_is_enforced_before_parsing(tmp_path):
    path = write(tmp_path, b"Last_Name\r\n" + b"x\r\n" * 1000)
    with pytest.raises(FileProblem, match="limit is"):
        open_table(path, limit=100)


def test_empty_and_headerless_files(tmp_path):
    with pytest.raises(FileProblem, match="empty"):
        open_table(write(tmp_path, b""), limit=LIMIT)
    with pytest.raises(FileProblem, match="blank"):
        open_table(write(tmp_path, b",,\r\na,b,c\r\n"), limit=LIMIT)


def test_other_file_types_are_refused(tmp_path):
    with pytest.raises(FileProblem, match=r"\.xls"):
        open_table(write(tmp_path, b"x", name="old.xls"), limit=LIMIT)


def excel_book(tmp_path, name="people.xlsx"):
    """A workbook as Excel saves it: real date cells, numbers, booleans, a percent format."""
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Notes"
    first.append(["ignore me"])
    sheet = book.create_sheet("Contacts")
    sheet.append(["Last Name", "Date of Birth", "Call at", "Score", "Opt out", "Share"])
    sheet.append(["Doe", dt.datetime(1990, 5, 17), dt.datetime(2026, 4, 1, 9, 30), 2500.5,
                  True, 0.15])
    sheet["B2"].number_format = "dd/mm/yyyy"
    sheet["C2"].number_format = "dd/mm/yyyy hh:mm"
    sheet["F2"].number_format = "0%"
    path = tmp_path / name
    book.save(path)
    return path


def test_xlsx_native_cells_on_a_chosen_sheet(tmp_path):
    table, lines = read(excel_book(tmp_path), sheet="Contacts")
    assert table.sheets == ["Notes", "Contacts"]
    assert table.headers[:2] == ["Last Name", "Date of Birth"]
    number, cells, _ = lines[0]
    assert number == 2
    assert cells == ["Doe", dt.datetime(1990, 5, 17), dt.datetime(2026, 4, 1, 9, 30), 2500.5,
                     True, Percent(0.15)]


def test_xlsx_first_sheet_by_default_and_unknown_sheet(tmp_path):
    table, _ = read(excel_book(tmp_path))
    assert table.sheet == "Notes"
    with pytest.raises(FileProblem, match="No sheet named 'Leads'"):
        open_table(excel_book(tmp_path), sheet="Leads", limit=LIMIT)


def test_a_csv_renamed_to_xlsx_is_a_clear_error(tmp_path):
    with pytest.raises(FileProblem, match="Not a readable .xlsx"):
        open_table(write(tmp_path, b"Last_Name\r\nA\r\n", name="fake.xlsx"), limit=LIMIT)


def test_lines_missing_trailing_empty_cells_do_not_hide_the_delimiter(tmp_path):
    table, lines = read(write(tmp_path, b"Last_Name;Email;City\r\nDoe;d@example.com\r\n"
                                        b"Roe;r@example.com;Rome\r\n"))
    assert table.delimiter == ";"
    assert lines[0][1] == ["Doe", "d@example.com"]


@pytest.mark.parametrize(("data", "where"), [
    (b"Last_Name,Title\r\nA\x00b,x\r\n", "Line 2"),
    (b"Last\x00_Name,Title\r\nAb,x\r\n", "Line 1"),
    (b"Last_Name,Title\r\n" + b"Ok,x\r\n" * 30 + b"Bad,\x00\r\n", "Line 32"),
    # What Excel's "Unicode Text" is when its byte order mark is lost: UTF-16, NULs between.
    ("Last_Name\tTitle\r\nDoe\tDr\r\n".encode("utf-16-le"), "Line 1"),
])
def test_a_nul_character_makes_the_file_unreadable_naming_the_line(tmp_path, data, where):
    # Valid UTF-8, but Bigin takes no NUL and PostgreSQL cannot even store one to show it.
    with pytest.raises(FileProblem, match=f"{where} holds a NUL character"):
        read(write(tmp_path, data))
