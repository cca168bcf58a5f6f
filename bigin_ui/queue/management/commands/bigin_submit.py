from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from bigin_ui.metadata.schema import MODULES
from bigin_ui.queue.engine import execute_run
from bigin_ui.queue.models import SubmissionRun
from bigin_ui.queue.runs import run_progress, start_run


class Command(BaseCommand):
    help = ("Submit every pending row now (in the background). With --wait, see it through "
            "here and print a summary; exit status 1 if any row did not make it.")

    def add_arguments(self, parser):
        parser.add_argument("--module", choices=MODULES)
        parser.add_argument("--wait", action="store_true")
        parser.add_argument("--no-workflows", action="store_true",
                            help='Send "trigger": [] so Bigin workflows do not run.')

    def handle(self, *args, **options):
        run = start_run(user=None, origin="command", module=options["module"],
                        trigger=[] if options["no_workflows"] else None)
        self.stdout.write(f"Run {run.pk}: {run.rows_total} row(s) queued for submission.")
        if not options["wait"] or not run.rows_total:
            if not run.rows_total:
                self.stdout.write(run.message)
            return
        # Do the work here unless a worker already took the run; then just watch it.
        execute_run(run_id=run.pk)
        while True:
            run.refresh_from_db()
            if not run.active:
                break
            time.sleep(0.5)
        progress = run_progress(run)
        self.stdout.write(
            f"Run {run.pk} {run.status}: created {progress['created']}, failed "
            f"{progress['failed']}, unknown {progress['unknown'] + progress['reconciling']}, "
            f"needs review {progress['needs_review']}, still pending {progress['pending']}; "
            f"{run.calls} call(s), {run.credits} credit(s)."
        )
        if run.message:
            self.stdout.write(run.message)
        bad = progress["failed"] + progress["needs_review"] + progress["unknown"] + progress[
            "pending"]
        if run.status == SubmissionRun.Status.STOPPED or bad:
            raise SystemExit(1)
