from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bigin_ui.bigin.errors import BiginError
from bigin_ui.connection.services import active_config, build_client
from bigin_ui.metadata.schema import MODULES
from bigin_ui.queue.revalidate import revalidate


class Command(BaseCommand):
    # Lives with the queue, not the metadata app: after a sync, queued rows are checked
    # against the new rules (queue.revalidate), and metadata must not import the queue.
    help = "Fetch field, layout and tag metadata for every module, and the org's users."

    def add_arguments(self, parser):
        parser.add_argument("--module", action="append", choices=MODULES,
                            help="Only this module (repeatable).")

    def handle(self, *args, **options):
        from bigin_ui.metadata.services import sync_metadata

        config = active_config()
        self.stdout.write(f"Syncing metadata from {config.label} …")
        try:
            report = sync_metadata(client=build_client(config=config),
                                   modules=options["module"] or MODULES)
        except BiginError as exc:
            raise CommandError(f"Bigin: {exc}") from exc
        for item in report.modules:
            if item.ok:
                note = f", {len(item.changes)} change(s)" if item.changes else ""
                self.stdout.write(f"  {item.module}: {item.field_count} fields{note}")
                for change in item.changes:
                    self.stdout.write(f"    {change['kind']} {change['api_name']}: "
                                      f"{change['detail']}")
            else:
                self.stderr.write(f"  {item.module}: FAILED: {item.error}")
        if report.users_error:
            self.stderr.write(f"  users: FAILED: {report.users_error}")
        else:
            self.stdout.write(f"  users: {report.users}")
        held = revalidate(modules=report.changed_modules)
        for module, count in held.items():
            if count:
                self.stdout.write(f"  {module}: {count} queued row(s) no longer valid; held.")
        if not report.ok:
            raise CommandError("Metadata sync finished with errors (see above).")
