"""Queue rows from a CSV or XLSX file through the same pipeline as the import page."""

from __future__ import annotations

import argparse
import json
import zoneinfo
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bigin_ui.imports.cells import Options
from bigin_ui.imports.checking import mappable_fields
from bigin_ui.imports.models import Import, ImportLine
from bigin_ui.imports.reading import FileProblem
from bigin_ui.imports.services import (
    ImportError_,
    check_import,
    configure_import,
    create_import,
    earlier_imports,
    mapping_of,
    options_of,
    queue_import,
    unmapped_headers,
    write_rejected,
)
from bigin_ui.metadata.schema import MODULES, MetadataMissing


class Command(BaseCommand):
    help = ("Queue rows from a CSV or XLSX file (header row: field API names or labels). "
            "Exit status 1 if any line was rejected.")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--module", required=True, choices=MODULES)
        parser.add_argument("--user", required=True, help="Username the rows are entered as.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check every line and report; queue nothing.")
        parser.add_argument("--timezone", help="Time zone for date/times without an offset "
                            "(default: the user's own zone).")
        parser.add_argument("--decimal-comma", action="store_true",
                            help="Numbers are written with a decimal comma (2.500,00).")
        parser.add_argument("--mapping", type=Path, help="JSON file: column header → field "
                            "API name (\"\" ignores a column).")
        parser.add_argument("--errors", type=Path, help="Write the rejected lines here as CSV, "
                            "with an 'errors' column.")
        parser.add_argument("--sheet", default="", help="XLSX sheet (default: the first).")
        parser.add_argument("--again", action="store_true", help="Queue a file that was "
                            "already imported into this module (same SHA-256) once more.")
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        module, path = options["module"], options["file"]
        users = get_user_model().objects
        try:
            user = users.get_by_natural_key(options["user"])
        except users.model.DoesNotExist:
            raise CommandError(f"No user named {options['user']!r}.") from None
        zone = options["timezone"]
        if zone:
            try:
                zoneinfo.ZoneInfo(zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise CommandError(f"Unknown time zone {zone!r}; use a name such as "
                                   "Europe/Berlin.") from None
        try:
            imp = create_import(path=path, file_name=path.name, module=module, created_by=user,
                                owner=user, sheet=options["sheet"], origin="command")
            mapping = mapping_of(imp)
            if options["mapping"]:
                # The file's columns override the automatic matches; others keep theirs.
                given = self.read_mapping(options["mapping"], imp.headers, module)
                mapping = {i: api for i, api in mapping.items()
                           if i not in given and api not in given.values()}
                mapping.update({i: api for i, api in given.items() if api})
            chosen = Options(time_zone=zone or options_of(imp).time_zone,
                             decimal="," if options["decimal_comma"] else ".")
            imp = configure_import(imp=imp, mapping=mapping, options=chosen)
        except MetadataMissing:
            raise CommandError(f"No metadata for {module}; run bigin_sync first.") from None
        except (FileProblem, ImportError_) as exc:
            raise CommandError(str(exc)) from None
        for header in unmapped_headers(imp):
            self.stderr.write(f"note: column {header!r} matches no field of {module}; ignored.")
        self.stderr.write(f"Date/times without an offset are read in "
                          f"{options_of(imp).time_zone}.")
        earlier = earlier_imports(imp).first()
        if earlier is not None and not options["dry_run"] and not options["again"]:
            Import.objects.filter(pk=imp.pk).update(status=Import.Status.DISCARDED)
            raise CommandError(f"This file was already imported into {module} (import "
                               f"{earlier.pk}, {earlier.created_at:%Y-%m-%d %H:%M}); nothing "
                               "was queued. Use --again to queue it once more.")
        imp = check_import(import_id=imp.pk)
        if imp.status == Import.Status.UNREADABLE:
            raise CommandError(imp.message)
        for line in ImportLine.objects.filter(batch=imp, ok=False).order_by("number").iterator():
            for where, messages in line.problems.items():
                for message in messages:
                    column = f"column {where!r}: " if where else ""
                    self.stderr.write(f"line {line.number}: {column}{message}")
        if options["errors"]:
            try:
                with options["errors"].open("w", encoding="utf-8", newline="") as out:
                    write_rejected(imp, out)
            except OSError as exc:
                raise CommandError(f"Cannot write {options['errors']}: {exc}") from None
        if options["dry_run"]:
            self.stdout.write(f"Dry run: {imp.lines_good} {module} line(s) would be queued; "
                              f"rejected {imp.lines_bad}.")
        else:
            imp = queue_import(import_id=imp.pk)
            self.stdout.write(f"Queued {imp.rows_queued} {module} row(s); rejected "
                              f"{imp.lines_bad}.")
        if imp.lines_bad:
            raise SystemExit(1)

    @staticmethod
    def read_mapping(path: Path, headers: list[str], module: str) -> dict[int, str]:
        try:
            given = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read the mapping {path}: {exc}") from None
        if not isinstance(given, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in given.items()):
            raise CommandError(f"{path}: the mapping is a JSON object of column → field.")
        missing = [k for k in given if k not in headers]
        if missing:
            raise CommandError(f"{path}: the file has no column {missing[0]!r}.")
        known = {f.api_name for f in mappable_fields(module)}
        wrong = [v for v in given.values() if v and v not in known]
        if wrong:
            raise CommandError(f"{path}: {wrong[0]!r} is not a field of {module} you can fill.")
        return {headers.index(k): v for k, v in given.items()}
