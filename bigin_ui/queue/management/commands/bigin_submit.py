from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db.models import Count

from bigin_ui.metadata.schema import MODULES
from bigin_ui.queue.engine import execute_run
from bigin_ui.queue.models import Row, RowEvent, SubmissionRun
from bigin_ui.queue.runs import start_run


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
        # The rows this run took: those still in it, and those it gave back to the queue
        # (Bigin kept failing, credits ran out), which left the run but count in the verdict.
        taken = set(Row.objects.filter(run=run).values_list("pk", flat=True))
        taken |= set(RowEvent.objects.filter(run=run).values_list("row_id", flat=True))
        counts = dict.fromkeys(Row.Status.values, 0)
        for status, n in (Row.objects.filter(pk__in=taken).values_list("status")
                          .annotate(n=Count("pk"))):
            counts[status] = n
        unsettled = counts["unknown"] + counts["reconciling"] + counts["sending"]
        self.stdout.write(
            f"Run {run.pk} {run.status}: created {counts['created']}, failed "
            f"{counts['failed']}, needs review {counts['needs_review']}, unknown {unsettled}, "
            f"left unsent (pending) {counts['pending']}; {run.calls} call(s), "
            f"{run.credits} credit(s)."
        )
        if run.message:
            self.stdout.write(run.message)
        problems = []
        if counts["pending"]:
            problems.append(f"{counts['pending']} row(s) were left unsent")
            reasons = (Row.objects.filter(pk__in=taken, status=Row.Status.PENDING)
                       .exclude(last_problem="").values_list("last_problem", flat=True)
                       .distinct()[:3])
            for reason in reasons:
                self.stdout.write(f"  unsent because: {reason}")
        if counts["failed"]:
            problems.append(f"{counts['failed']} failed")
        if counts["needs_review"]:
            problems.append(f"{counts['needs_review']} need review")
        if unsettled:
            problems.append(f"{unsettled} have an unknown outcome")
        if run.status == SubmissionRun.Status.STOPPED and not problems:
            problems.append("the run stopped")
        if problems:
            self.stderr.write("Not everything was sent: " + "; ".join(problems) + ".")
            raise SystemExit(1)
