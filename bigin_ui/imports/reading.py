"""Reading a spreadsheet line by line: CSV (any common delimiter, UTF-8) or XLSX (streamed).

Nothing here knows about Bigin. A file is opened once, its header read, and its lines
yielded one at a time so a 100,000-line file never sits in memory whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bigin_ui.csv_safety import restore, restore_row

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
SNIFF_LINES = 20
# An XLSX is a zip: a small file can unpack to gigabytes. Its sheets may be at most this many
# times the upload limit once unpacked.
XLSX_UNPACK_FACTOR = 20


class FileProblem(ValueError):
    """The file as a whole cannot be read; nothing in it was used."""


@dataclass(frozen=True)
class Percent:
    """A number Excel shows as a percentage (the cell holds 0.15 for 15 %)."""

    value: float | int


# What a cell can hold: text from a CSV; from an XLSX also native numbers, booleans,
# dates and date/times (naive, as Excel stores them), or a Percent.
Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | Percent | None


@dataclass
class Line:
    number: int  # the line in the file as a spreadsheet shows it (header = 1)
    cells: list[Cell]
    problem: str = ""  # the line could not be read as a whole (e.g. more cells than columns)


@dataclass
class Table:
    kind: str  # "csv" or "xlsx"
    headers: list[str]
    lines: Iterator[Line]
    sheets: list[str] = field(default_factory=list)
    sheet: str = ""
    delimiter: str = ""
    closer: Any = None

    def close(self) -> None:
        if self.closer is not None:
            self.closer()


def kind_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return "xlsx"
    if suffix in {".csv", ".txt", ".tsv"}:
        return "csv"
    raise FileProblem(f"{Path(name).name}: use a .csv or .xlsx file (an .xls from old Excel "
                      "versions must be saved as .xlsx first).")


def check_size(size: int, *, limit: int) -> None:
    if size > limit:
        raise FileProblem(f"The file is {size / 1_000_000:.1f} MB; the limit is "
                          f"{limit / 1_000_000:.1f} MB (setting BIGIN_IMPORT_MAX_BYTES).")


def open_table(path: Path, *, name: str = "", sheet: str = "", limit: int) -> Table:
    """Open ``path`` (called ``name`` by the person) and read its header row."""
    name = name or path.name
    kind = kind_of(name)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise FileProblem(f"No such file: {path}") from None
    except OSError as exc:
        raise FileProblem(f"Cannot read {path}: {exc.strerror or exc}") from None
    if not path.is_file():  # a directory, a device: open() would fail or read for ever
        raise FileProblem(f"Not a file: {path}")
    check_size(size, limit=limit)  # before a single byte is parsed
    if kind == "xlsx":
        return _open_xlsx(path, sheet=sheet, limit=limit)
    if sheet:
        raise FileProblem("A CSV file has no sheets; leave the sheet empty.")
    try:
        handle = path.open("rb")
    except OSError as exc:  # no permission to read it, most often
        raise FileProblem(f"Cannot read {path}: {exc.strerror or exc}") from None
    try:
        return _open_csv(handle)
    except BaseException:
        handle.close()
        raise


# --- CSV ---------------------------------------------------------------------------------


def _decoded_lines(handle: IO[bytes]) -> Iterator[str]:
    """Physical lines as text. Decoding line by line lets an encoding error name its line."""
    for number, raw in enumerate(handle, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileProblem(
                f"Line {number} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position "
                f"{exc.start + 1}). Save the file as \"CSV UTF-8\" and upload it again."
            ) from None
        if "\x00" in text:
            # Valid UTF-8, but no spreadsheet writes it in CSV text (a UTF-16 file without its
            # byte order mark looks like this), Bigin takes no such character, and
            # PostgreSQL could not even keep the line to show it.
            raise FileProblem(
                f"Line {number} holds a NUL character (byte 0x00 at position "
                f"{text.index(chr(0)) + 1}): this is not CSV text. Save the file as "
                "\"CSV UTF-8\" and upload it again.")
        yield text


def sniff_delimiter(sample: list[str]) -> str:
    """The delimiter that splits the header into most columns (more than one) without any of
    the first lines having more cells than the header.

    Counting characters would be fooled by a comma inside a quoted header, so each candidate
    is tried with the real CSV parser. Lines may have fewer cells than the header (some
    programs drop empty trailing cells), never more.
    """
    text = "".join(sample)
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
                    if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        # The last sampled line may be cut inside a quoted value; do not judge by it.
        body = rows[1:-1] if len(rows) > 2 else rows[1:]
        if any(len(r) > width for r in body):
            continue
        score = (sum(len(r) == width for r in body), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _open_csv(handle: IO[bytes]) -> Table:
    lines = _decoded_lines(handle)
    sample: list[str] = []
    for text in lines:
        sample.append(text)
        if len(sample) >= SNIFF_LINES:
            break
    delimiter = sniff_delimiter(sample)

    def physical() -> Iterator[str]:
        yield from sample
        yield from lines

    reader = csv.reader(physical(), delimiter=delimiter, strict=True)
    try:
        headers = next(reader)
    except StopIteration:
        raise FileProblem("The file is empty: the first line must name the columns.") from None
    except csv.Error as exc:
        raise FileProblem(f"Line {reader.line_num}: the header cannot be read ({exc}).") from None
    headers = [h.strip() for h in headers]
    if not any(headers):
        raise FileProblem("The first line must name the columns; it is blank.")

    def rows() -> Iterator[Line]:
        width = len(headers)
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise FileProblem(f"Line {start}: not valid CSV ({exc}). Nothing was "
                                  "imported; fix the line and upload the file again.") from None
            # A file this app exported has its formula-like cells quoted (csv_safety): the
            # values come back as they were.
            line = Line(number=start, cells=restore_row(cells))
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                line.problem = (f"{len(cells)} cells but only {width} columns "
                                f"(delimiter: {DELIMITER_NAMES[delimiter]})")
            yield line

    return Table(kind="csv", headers=headers, lines=rows(), delimiter=delimiter,
                 closer=handle.close)


# --- XLSX --------------------------------------------------------------------------------


def sheet_names(path: Path) -> list[str]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileProblem(f"Not a readable .xlsx file ({exc or type(exc).__name__}).") from None
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _open_xlsx(path: Path, *, sheet: str, limit: int) -> Table:
    import openpyxl

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileProblem(f"Not a readable .xlsx file ({exc}).") from None
    if unpacked > limit * XLSX_UNPACK_FACTOR:
        raise FileProblem("The workbook unpacks to more than "
                          f"{limit * XLSX_UNPACK_FACTOR / 1_000_000:.0f} MB; split it.")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileProblem(f"Not a readable .xlsx file ({exc or type(exc).__name__}).") from None
    names = list(book.sheetnames)
    if sheet and sheet not in names:
        book.close()
        raise FileProblem(f"No sheet named {sheet!r}; the workbook has: {', '.join(names)}.")
    worksheet = book[sheet or names[0]]
    # Excel keeps a stale dimension in some files; read-only mode trusts it unless reset.
    worksheet.reset_dimensions()
    cells = worksheet.iter_rows()
    header_row = next(cells, None)
    if header_row is None:
        book.close()
        raise FileProblem(f"Sheet {worksheet.title!r} is empty: its first row must name the "
                          "columns.")
    headers = ["" if c.value is None else str(c.value).strip() for c in header_row]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        book.close()
        raise FileProblem(f"The first row of sheet {worksheet.title!r} must name the columns.")

    def rows() -> Iterator[Line]:
        for number, row in enumerate(cells, start=2):
            yield Line(number=number, cells=[_native(c) for c in row])

    return Table(kind="xlsx", headers=headers, lines=rows(), sheets=names,
                 sheet=worksheet.title, closer=book.close)


def _native(cell: Any) -> Cell:
    value = cell.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        fmt = getattr(cell, "number_format", "") or ""
        if "%" in fmt:
            return Percent(value)
    if isinstance(value, str):
        return restore(value)  # an exported CSV saved as .xlsx keeps the quotes
    return value
