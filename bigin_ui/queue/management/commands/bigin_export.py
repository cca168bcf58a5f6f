from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bigin_ui.metadata.schema import MODULES
from bigin_ui.queue.exports import csv_lines
from bigin_ui.queue.models import Row


class Command(BaseCommand):
    help = "Write rows to CSV: id, module, status, bigin_id, errors, then one column per field."

    def add_arguments(self, parser):
        parser.add_argument("--status", choices=Row.Status.values)
        parser.add_argument("--module", choices=MODULES)
        parser.add_argument("file", help="Output .csv path, or - for standard output.")

    def handle(self, *args, **options):
        rows = Row.objects.all()
        if options["status"]:
            rows = rows.filter(status=options["status"])
        if options["module"]:
            rows = rows.filter(module=options["module"])
        target = options["file"]
        count = rows.count()
        if target == "-":
            for line in csv_lines(rows):
                sys.stdout.write(line)
            return
        path = Path(target)
        try:
            with path.open("w", encoding="utf-8", newline="") as handle:
                for line in csv_lines(rows):
                    handle.write(line)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}") from exc
        self.stdout.write(f"Wrote {count} row(s) to {path}.")
