"""Queueing rows from a CSV or XLSX file, through the same form and rules as the web."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tablib
from django.contrib.auth.models import AbstractBaseUser
from django.utils.datastructures import MultiValueDict

from bigin_ui.metadata.fields import FieldMeta
from bigin_ui.metadata.schema import get_schema
from bigin_ui.queue.entry import entry_exclusions, make_form
from bigin_ui.queue.rows import create_row

TRUE_WORDS = {"true", "yes", "y", "1", "on", "x"}
FALSE_WORDS = {"false", "no", "n", "0", "off", ""}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, header); nothing was queued."""


@dataclass
class RowProblem:
    line: int  # 1-based line in the file, header = 1
    errors: dict[str, list[str]]


@dataclass
class ImportReport:
    queued: list[int] = field(default_factory=list)  # row primary keys
    problems: list[RowProblem] = field(default_factory=list)


def load_table(path: Path) -> tablib.Dataset:
    suffix = path.suffix.lower()
    try:
        if suffix in {".xlsx", ".xlsm"}:
            with path.open("rb") as handle:
                return tablib.Dataset().load(handle, format="xlsx")
        if suffix in {".csv", ".txt", ""}:
            text = path.read_text(encoding="utf-8-sig")
            return tablib.Dataset().load(text, format="csv")
    except FileNotFoundError:
        raise ImportFileError(f"No such file: {path}") from None
    except UnicodeDecodeError:
        raise ImportFileError(f"{path} is not UTF-8 text; save the CSV as UTF-8.") from None
    except Exception as exc:  # tablib raises a variety of parser errors
        raise ImportFileError(f"Cannot read {path}: {exc}") from exc
    raise ImportFileError(f"{path}: use a .csv or .xlsx file.")


def map_headers(headers: list[str], fields: tuple[FieldMeta, ...]) -> list[str]:
    """Column names → field API names; a column may use the API name or the field label."""
    by_api = {f.api_name: f.api_name for f in fields}
    by_label = {f.label.casefold(): f.api_name for f in fields}
    mapped, unknown = [], []
    for header in headers:
        name = (header or "").strip()
        api = by_api.get(name) or by_label.get(name.casefold()) or (
            "$se_module" if name == "$se_module" else None)
        if api is None:
            unknown.append(name or "(blank)")
        mapped.append(api or "")
    if unknown:
        known = ", ".join(f.api_name for f in fields)
        raise ImportFileError(
            f"Unknown column(s): {', '.join(unknown)}. Use field API names or labels: {known}."
        )
    return mapped


def form_data(meta_by_name: dict[str, FieldMeta], values: dict[str, Any]) -> MultiValueDict:
    data = MultiValueDict()
    for name, raw in values.items():
        text = "" if raw is None else str(raw).strip()
        meta = meta_by_name.get(name)
        kind = meta.kind if meta else ""
        if kind == "boolean":
            word = text.lower()
            if word in TRUE_WORDS:
                data.setlist(name, ["on"])
            elif word not in FALSE_WORDS:
                data.setlist(name, [text])  # the form will say it is not a checkbox value
            continue
        if kind == "multiselectpicklist":
            data.setlist(name, [p.strip() for p in text.split(";") if p.strip()])
            continue
        data.setlist(name, [text])
    return data


def import_file(*, path: Path, module: str, user: AbstractBaseUser) -> ImportReport:
    schema = get_schema(module)
    excluded = entry_exclusions(module)
    fields = tuple(f for f in schema.entry_fields if f.api_name not in excluded)
    table = load_table(path)
    if not table.headers:
        raise ImportFileError(f"{path} has no header row.")
    columns = map_headers(list(table.headers), fields)
    meta_by_name = {f.api_name: f for f in fields}
    report = ImportReport()
    for offset, record in enumerate(table, start=2):
        values = dict(zip(columns, record, strict=False))
        if all(v in (None, "") for v in values.values()):
            continue
        form = make_form(module=module, user=user, data=form_data(meta_by_name, values),
                         schema=schema)
        if form.is_valid():
            row = create_row(module=module, payload=form.payload, owner=user, source="import")
            report.queued.append(row.pk)
        else:
            report.problems.append(RowProblem(
                line=offset,
                errors={k: [str(m) for m in v] for k, v in form.errors.items()},
            ))
    return report
