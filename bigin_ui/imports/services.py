"""An import's life: upload → mapping and options → check (the preview) → queue, or discard.

The browser and ``bigin_import`` both go through these functions. Checking and queueing
stream the file and write in batches, so a 100,000-line file is never held in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import shutil
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from bigin_ui.csv_safety import neutralise_row
from bigin_ui.imports.bulk import insert_many
from bigin_ui.imports.cells import Cell, Options, is_blank
from bigin_ui.imports.checking import LINE, LineChecker, mappable_fields
from bigin_ui.imports.models import Import, ImportLine, SavedMapping
from bigin_ui.imports.reading import FileProblem, Percent, check_size, open_table
from bigin_ui.metadata.fields import FieldMeta
from bigin_ui.metadata.schema import get_schema
from bigin_ui.queue.models import Row, RowEvent
from bigin_ui.queue.references import iter_row_refs
from bigin_ui.queue.rows import discard_rows, rows_visible_to, unique_key_for

BATCH = 1000
IN_LIST = 500  # values in one IN (...): below every database's parameter limit
ERRORS_COLUMN = "errors"


class ImportError_(ValueError):  # noqa: N801 - "ImportError" is Python's own
    """A request that does not fit the import's state; nothing was changed."""


# --- upload ------------------------------------------------------------------------------


def file_digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def fold(text: str) -> str:
    """Headers and field names compared ignoring case, spaces, underscores and hyphens."""
    return re.sub(r"[\s_\-]+", "", text).casefold()


def auto_mapping(headers: list[str], fields: list[FieldMeta],
                 saved: Mapping[str, str] | None = None) -> dict[int, str]:
    """Column position → field API name, by a saved mapping, then API name, then label.
    A field is filled by one column only; later columns naming it again are left out."""
    by_name: dict[str, str] = {}
    for meta in fields:
        # Bigin has two labels: the one shown (display_label) and the field's own.
        for label in (meta.label, meta.raw.get("display_label"), meta.raw.get("field_label")):
            if isinstance(label, str) and label:
                by_name.setdefault(fold(label), meta.api_name)
    for meta in fields:  # API names win over labels
        by_name[fold(meta.api_name)] = meta.api_name
    known = {m.api_name for m in fields}
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        key = fold(header)
        if not key:
            continue
        if saved is not None and key in saved:
            api = saved[key]
            api = api if api in known else ""
        else:
            api = by_name.get(key, "")
        if api and api not in mapping.values():
            mapping[index] = api
    return mapping


def saved_mapping(*, user: AbstractBaseUser, module: str) -> dict[str, str] | None:
    found = SavedMapping.objects.filter(user=user, module=module).first()
    return dict(found.columns) if found else None


def default_options(user: AbstractBaseUser) -> Options:
    """The person's own zone and number convention, as their entry form uses them (decided
    in queue.entry.form_context); the page states them and the person may change them."""
    from bigin_ui.queue.entry import form_context

    ctx = form_context(user)
    zone = getattr(ctx.time_zone, "key", None) or str(ctx.time_zone)
    separator = getattr(ctx, "decimal_separator", ".")
    return Options(time_zone=zone, decimal=separator if separator in {".", ","} else ".")


def store_upload(source: IO[bytes], *, name: str) -> Path:
    folder = Path(settings.BIGIN_IMPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    with target.open("wb") as out:
        shutil.copyfileobj(source, out, 1 << 20)
    return target


@transaction.atomic
def create_import(*, path: Path, file_name: str, module: str, created_by: AbstractBaseUser,
                  owner: AbstractBaseUser, sheet: str = "", origin: str = "web") -> Import:
    """Record an uploaded file and read its header; raises FileProblem for a bad file."""
    limit = settings.BIGIN_IMPORT_MAX_BYTES
    if not path.exists():
        raise FileProblem(f"No such file: {path}")
    check_size(path.stat().st_size, limit=limit)
    table = open_table(path, name=file_name, sheet=sheet, limit=limit)
    table.close()
    sha256, size = file_digest(path)
    fields = mappable_fields(module)
    mapping = auto_mapping(table.headers, fields,
                           saved_mapping(user=created_by, module=module))
    options = default_options(owner)
    return Import.objects.create(
        created_by=created_by, owner=owner, origin=origin, module=module, file_name=file_name,
        file_path=str(path), sha256=sha256, size=size, sheet=table.sheet,
        headers=table.headers, mapping={str(k): v for k, v in mapping.items()},
        options=options_dict(options),
    )


def options_dict(options: Options) -> dict[str, Any]:
    return {"time_zone": options.time_zone, "decimal": options.decimal,
            "new_picklist_values": options.new_picklist_values}


def options_of(imp: Import) -> Options:
    return Options(time_zone=imp.options.get("time_zone") or settings.TIME_ZONE,
                   decimal=imp.options.get("decimal", "."),
                   new_picklist_values=bool(imp.options.get("new_picklist_values")))


def mapping_of(imp: Import) -> dict[int, str]:
    return {int(k): v for k, v in imp.mapping.items() if v}


def unmapped_headers(imp: Import) -> list[str]:
    mapped = mapping_of(imp)
    return [h or f"column {i + 1}" for i, h in enumerate(imp.headers) if i not in mapped]


@transaction.atomic
def configure_import(*, imp: Import, mapping: Mapping[int, str], options: Options,
                     save_mapping: bool = False) -> Import:
    if imp.status not in {Import.Status.UPLOADED, Import.Status.CHECKED}:
        raise ImportError_("This import can no longer be changed.")
    known = {f.api_name for f in mappable_fields(imp.module)}
    chosen = [api for api in mapping.values() if api]
    unknown = [api for api in chosen if api not in known]
    if unknown:
        raise ImportError_(f"{unknown[0]} is not a field of {imp.module} you can fill.")
    twice = sorted({api for api in chosen if chosen.count(api) > 1})
    if twice:
        raise ImportError_(f"Two columns fill {twice[0]}; choose one of them.")
    imp.mapping = {str(k): v for k, v in mapping.items() if v}
    imp.options = options_dict(options)
    imp.status = Import.Status.UPLOADED
    imp.save(update_fields=["mapping", "options", "status"])
    if save_mapping:
        columns = {fold(h): mapping.get(i, "") for i, h in enumerate(imp.headers) if fold(h)}
        SavedMapping.objects.update_or_create(user=imp.created_by, module=imp.module,
                                              defaults={"columns": columns})
    return imp


def earlier_imports(imp: Import) -> QuerySet[Import]:
    """Imports of the same file into the same module whose rows were queued."""
    return Import.objects.filter(sha256=imp.sha256, module=imp.module, status__in=[
        Import.Status.QUEUEING, Import.Status.QUEUED]).exclude(pk=imp.pk)


# --- checking (the preview) ----------------------------------------------------------------


def cell_text(cell: Cell, *, decimal: str = ".") -> str:
    """A cell as text for the rejected-lines file, written so that the same import (same
    options) reads it back as the same value once the problem is fixed."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, dt.datetime):
        if cell.time() == dt.time(0, 0) and cell.tzinfo is None:
            return cell.date().isoformat()  # Excel's date cells are midnight date/times
        return cell.isoformat(sep=" ", timespec="minutes" if not cell.second else "seconds")
    if isinstance(cell, (dt.date, dt.time)):
        return cell.isoformat()
    if isinstance(cell, Percent):
        return _number_text(cell.value * 100, decimal)
    if isinstance(cell, (int, float)):
        return _number_text(cell, decimal)
    return str(cell)


def _number_text(value: float | int, decimal: str) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = repr(value) if isinstance(value, float) else str(value)
    return text.replace(".", decimal)


def _progress(imp: Import, **fields: int) -> None:
    Import.objects.filter(pk=imp.pk).update(**fields)


def check_import(*, import_id: int, resolver: Any = None) -> Import:
    """Read every line, check it with the module's form, store the outcome per line."""
    imp = Import.objects.get(pk=import_id)
    updated = Import.objects.filter(pk=imp.pk, status__in=[
        Import.Status.UPLOADED, Import.Status.VALIDATING]).update(
        status=Import.Status.VALIDATING, lines_done=0, lines_good=0, lines_bad=0, message="")
    if not updated:
        raise ImportError_("This import is not waiting to be checked.")
    ImportLine.objects.filter(batch=imp).delete()
    path = Path(imp.file_path)
    try:
        table = open_table(path, name=imp.file_name, sheet=imp.sheet,
                           limit=settings.BIGIN_IMPORT_MAX_BYTES)
    except FileProblem as exc:
        return _unreadable(imp, str(exc))
    checker = LineChecker(module=imp.module, owner=imp.owner, headers=imp.headers,
                          mapping=mapping_of(imp), options=options_of(imp), resolver=resolver)
    good = bad = 0
    batch: list[dict[str, Any]] = []
    try:
        with checker.zone():
            for line in table.lines:
                if all(is_blank(c) for c in line.cells):
                    continue
                if line.problem:
                    result_payload, problems = None, {LINE: [line.problem]}
                else:
                    checked = checker.check(line.cells)
                    result_payload, problems = checked.payload, checked.problems
                ok = result_payload is not None
                # The file's cells are kept for rejected lines only (the preview and the
                # rejected-lines file); a good line is its payload.
                cells = [] if ok else [cell_text(c, decimal=checker.options.decimal)
                                       for c in line.cells]
                good, bad = good + ok, bad + (not ok)
                batch.append({"batch_id": imp.pk, "number": line.number, "cells": cells,
                              "payload": result_payload, "problems": problems, "ok": ok})
                if len(batch) >= BATCH:
                    insert_many(ImportLine, batch)
                    batch = []
                    _progress(imp, lines_done=good + bad, lines_good=good, lines_bad=bad)
    except FileProblem as exc:
        ImportLine.objects.filter(batch=imp).delete()
        return _unreadable(imp, str(exc))
    finally:
        table.close()
    insert_many(ImportLine, batch)
    Import.objects.filter(pk=imp.pk).update(
        status=Import.Status.CHECKED, lines_total=good + bad, lines_done=good + bad,
        lines_good=good, lines_bad=bad)
    imp.refresh_from_db()
    return imp


def check_failed(*, import_id: int, error: Exception) -> None:
    """A check that stopped on an unexpected error: nothing was queued; say so."""
    ImportLine.objects.filter(batch_id=import_id).delete()
    Import.objects.filter(pk=import_id, status=Import.Status.VALIDATING).update(
        status=Import.Status.UNREADABLE, finished_at=timezone.now(),
        message=f"The check stopped on an unexpected error ({type(error).__name__}); nothing "
                "was queued. Try again, or tell an admin.")


def queue_failed(*, import_id: int, error: Exception) -> None:
    """Queueing stopped midway: the rows queued so far stay (each is linked to its line);
    the import can be queued on from where it stopped."""
    Import.objects.filter(pk=import_id, status=Import.Status.QUEUEING).update(
        status=Import.Status.CHECKED,
        message=f"Queueing stopped on an unexpected error ({type(error).__name__}) after "
                "some rows; confirm again to queue the rest.")


def _unreadable(imp: Import, message: str) -> Import:
    Import.objects.filter(pk=imp.pk).update(status=Import.Status.UNREADABLE, message=message,
                                            finished_at=timezone.now())
    imp.refresh_from_db()
    return imp


# --- queueing ------------------------------------------------------------------------------


def queue_import(*, import_id: int) -> Import:
    """The checked good lines become pending rows, in batches, each linked to its line."""
    imp = Import.objects.select_related("owner", "created_by").get(pk=import_id)
    if not Import.objects.filter(pk=imp.pk, status__in=[
            Import.Status.CHECKED, Import.Status.QUEUEING]).update(
            status=Import.Status.QUEUEING, lines_done=0):
        raise ImportError_("Only a checked import can be queued, and only once.")
    schema = get_schema(imp.module)
    queued = Row.objects.filter(import_line__batch=imp).count()  # a resumed run
    last = 0
    while True:
        # A range scan of the (batch, ok, number) index; lines a resumed run already linked
        # to rows are skipped here rather than filtered in SQL, which would read every line's
        # data for each batch.
        batch = list(ImportLine.objects.filter(batch=imp, ok=True, number__gt=last).order_by(
            "number").values_list("pk", "number", "payload", "row_id")[:BATCH])
        if not batch:
            break
        last = batch[-1][1]
        lines = [Good(pk, number, payload) for pk, number, payload, row_id in batch
                 if row_id is None]
        if lines:
            queued += _queue_lines(imp, lines, schema=schema)
            _progress(imp, lines_done=queued, rows_queued=queued)
    Import.objects.filter(pk=imp.pk).update(status=Import.Status.QUEUED, rows_queued=queued,
                                            lines_done=queued, finished_at=timezone.now())
    imp.refresh_from_db()
    forget_upload(imp)
    return imp


class Good(NamedTuple):
    """A checked good line on its way to becoming a row (tuples: no model per line)."""

    pk: int
    number: int
    payload: dict[str, Any]


@transaction.atomic
def _queue_lines(imp: Import, lines: list[Good], *, schema: Any) -> int:
    lines = _refs_still_visible(imp, lines)
    if not lines:
        return 0
    keys = [uuid.uuid4() for _ in lines]
    insert_many(Row, [
        {"uuid": key, "module": imp.module, "owner_id": imp.owner_id, "payload": line.payload,
         "unique_key": unique_key_for(imp.module, line.payload, schema=schema)}
        for key, line in zip(keys, lines, strict=True)])
    pk_of: dict[uuid.UUID, int] = {}
    for start in range(0, len(keys), IN_LIST):
        pk_of.update(Row.objects.filter(uuid__in=keys[start:start + IN_LIST]).values_list(
            "uuid", "pk"))
    row_ids = [pk_of[key] for key in keys]
    refs = {(pk, ref) for pk, line in zip(row_ids, lines, strict=True)
            for ref in iter_row_refs(line.payload) if ref != pk}
    if refs:
        through = Row.depends_on.through
        through.objects.bulk_create([through(from_row_id=a, to_row_id=b) for a, b in refs])
    insert_many(RowEvent, [
        {"row_id": pk, "actor_id": imp.created_by_id, "kind": "entered",
         "message": f"Entered (import {imp.pk}, line {line.number})"}
        for pk, line in zip(row_ids, lines, strict=True)])
    # One prepared statement for the batch: bulk_update's CASE expression costs more than
    # the inserts themselves.
    table = connection.ops.quote_name(ImportLine._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET row_id = %s WHERE id = %s",  # noqa: S608
                           list(zip(row_ids, [line.pk for line in lines], strict=True)))
    return len(lines)


def _refs_still_visible(imp: Import, lines: list[Good]) -> list[Good]:
    """The lines whose row:N references the owner may still see (as create_row demands of
    every way in); the others are rejected now, worded as the form words a missing row."""
    wanted = {ref for line in lines for ref in iter_row_refs(line.payload)}
    if not wanted:
        return lines
    visible = set(rows_visible_to(imp.owner).filter(pk__in=wanted).values_list("pk", flat=True))
    keep, lost = [], []
    for line in lines:
        (keep if set(iter_row_refs(line.payload)) <= visible else lost).append(line)
    for line in lost:
        ImportLine.objects.filter(pk=line.pk).update(
            ok=False, problems={LINE: ["The queued row this refers to no longer exists."]})
    if lost:
        Import.objects.filter(pk=imp.pk).update(lines_good=F("lines_good") - len(lost),
                                                lines_bad=F("lines_bad") + len(lost))
    return keep


# --- afterwards ------------------------------------------------------------------------------


def discard_import(*, imp: Import, actor: AbstractBaseUser) -> int:
    """Discard the import's rows that are still pending; refused once any row has been sent."""
    if imp.active:
        raise ImportError_("This import is still being checked or queued; wait until it is "
                           "done.")
    rows = Row.objects.filter(import_line__batch=imp)
    if rows.exclude(status__in=[Row.Status.PENDING, Row.Status.DISCARDED]).exists():
        raise ImportError_("Some of this import's rows were already sent; discard rows one by "
                           "one from My rows instead.")
    count = 0
    pks = list(rows.filter(status=Row.Status.PENDING).values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        count += discard_rows(rows=Row.objects.filter(pk__in=pks[start:start + BATCH]),
                              actor=actor, reason=f"Import {imp.pk} discarded")
    Import.objects.filter(pk=imp.pk).update(status=Import.Status.DISCARDED,
                                            finished_at=timezone.now())
    imp.refresh_from_db()
    forget_upload(imp)
    return count


def forget_upload(imp: Import) -> None:
    """Delete an uploaded copy once nothing will read it again (queued or discarded); a
    file the command line named is the person's own and stays."""
    path = Path(imp.file_path)
    if imp.origin == "web" and path.parent == Path(settings.BIGIN_IMPORT_DIR):
        path.unlink(missing_ok=True)


def problem_text(problems: Mapping[str, list[str]]) -> str:
    return "; ".join(f"{where}: {msg}" if where else msg
                     for where, messages in problems.items() for msg in messages)


def rejected_lines(imp: Import) -> Iterator[list[str]]:
    """The rejected lines as the file had them, plus an ``errors`` column: fix, re-upload."""
    yield [*imp.headers, ERRORS_COLUMN]
    width = len(imp.headers)
    for line in ImportLine.objects.filter(batch=imp, ok=False).order_by("number").iterator(
            chunk_size=BATCH):
        cells = list(line.cells[:width]) + [""] * (width - len(line.cells))
        yield [*cells, f"line {line.number}: {problem_text(line.problems)}"]


def write_rejected(imp: Import, out: IO[str]) -> int:
    writer = csv.writer(out)
    count = -1
    for count, cells in enumerate(rejected_lines(imp)):  # noqa: B007
        writer.writerow(neutralise_row(cells))  # the file goes back into a spreadsheet
    return max(count, 0)


# --- starting the background work ---------------------------------------------------------


def start_check(*, imp: Import) -> Import:
    """Check the file in the background (django-tasks); the page shows the progress."""
    from bigin_ui.imports.tasks import check_import_task

    if not Import.objects.filter(pk=imp.pk, status=Import.Status.UPLOADED).update(
            status=Import.Status.VALIDATING, lines_done=0, lines_good=0, lines_bad=0):
        raise ImportError_("This import is already being checked.")
    result = check_import_task.enqueue(imp.pk)
    Import.objects.filter(pk=imp.pk).update(task_id=str(result.id)[:64])
    imp.refresh_from_db()
    return imp


def start_queue(*, imp: Import, again: bool = False) -> Import:
    """Queue the checked good lines in the background. A file already queued once is
    queued again only when the person says so (``again``)."""
    from bigin_ui.imports.tasks import queue_import_task

    earlier = earlier_imports(imp).first()
    if earlier is not None and not again:
        raise ImportError_(f"This file was already imported into {imp.module} on "
                           f"{timezone.localtime(earlier.created_at):%Y-%m-%d %H:%M} (import "
                           f"{earlier.pk}); tick \"Queue it again\" if you mean to.")
    if not imp.lines_good:
        raise ImportError_("No line passed the check; there is nothing to queue.")
    if not Import.objects.filter(pk=imp.pk, status=Import.Status.CHECKED).update(
            status=Import.Status.QUEUEING, lines_done=0):
        raise ImportError_("This import was already queued.")
    result = queue_import_task.enqueue(imp.pk)
    Import.objects.filter(pk=imp.pk).update(task_id=str(result.id)[:64])
    imp.refresh_from_db()
    return imp


def display_value(value: Any) -> str:
    """A payload value as the preview shows it: what will be sent, readable."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        if "$row" in value:
            return f"row:{value['$row']}"
        if set(value) <= {"id", "name"}:
            return str(value.get("name") or value.get("id"))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(value)
    if isinstance(value, list) and all(isinstance(v, dict) and set(v) == {"name"}
                                       for v in value):
        return "; ".join(str(v["name"]) for v in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return str(value)
