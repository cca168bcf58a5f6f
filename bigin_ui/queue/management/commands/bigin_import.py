from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bigin_ui.metadata.schema import MODULES, MetadataMissing
from bigin_ui.queue.imports import ImportFileError, import_file


class Command(BaseCommand):
    help = ("Queue rows from a CSV or XLSX file (header row: field API names or labels). "
            "Exit status 1 if any row was rejected.")

    def add_arguments(self, parser):
        parser.add_argument("--module", required=True, choices=MODULES)
        parser.add_argument("--user", required=True, help="Username the rows are entered as.")
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        module, path = options["module"], options["file"]
        try:
            user = get_user_model().objects.get_by_natural_key(options["user"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {options['user']!r}.") from None
        try:
            report = import_file(path=path, module=module, user=user)
        except MetadataMissing:
            raise CommandError(f"No metadata for {module}; run bigin_sync first.") from None
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        for problem in report.problems:
            for name, errors in problem.errors.items():
                where = "row" if name == "__all__" else name
                for error in errors:
                    self.stderr.write(f"line {problem.line}: {where}: {error}")
        self.stdout.write(
            f"Queued {len(report.queued)} {module} row(s); rejected {len(report.problems)}."
        )
        if report.problems:
            raise SystemExit(1)
