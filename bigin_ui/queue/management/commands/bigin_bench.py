from __future__ import annotations

import json
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Benchmark submission against a local sandbox with a given latency and "
            "concurrency cap; prints calls, throughput, overhead, queries and memory.")

    def add_arguments(self, parser):
        parser.add_argument("--rows", default="10000",
                            help="Comma-separated row counts, e.g. 1000,10000,100000.")
        parser.add_argument("--latency-ms", type=int, default=200)
        parser.add_argument("--cap", type=int, default=5, help="Sandbox concurrency cap.")
        parser.add_argument("--baseline-rows", type=int, default=500,
                            help="Rows for the one-row-per-call baseline (0 to skip).")
        parser.add_argument("--database-url", help="Run the app side on this database "
                            "(e.g. PostgreSQL) instead of a temporary SQLite file.")
        parser.add_argument("--import", dest="import_lines", type=int, nargs="?", const=100_000,
                            help="Benchmark a spreadsheet import instead: check and queue "
                            "this many Contacts lines (default 100,000).")
        parser.add_argument("--file", help="(internal)")
        parser.add_argument("--web", action="store_true",
                            help="Benchmark the pages instead: seed --web-rows rows of one "
                            "user and --web-others of others, serve them with gunicorn and "
                            "print each page's median against /healthz and the 20-client mix.")
        parser.add_argument("--web-rows", type=int, default=100_000)
        parser.add_argument("--web-others", type=int, default=100_000)
        parser.add_argument("--clients", type=int, default=20)
        parser.add_argument("--repeat", type=int, default=15,
                            help="Requests per page for the one-client medians.")
        parser.add_argument("--loops", type=int, default=3,
                            help="Passes over the mix each concurrent client makes.")
        parser.add_argument("--web-server", default="4x1", metavar="WORKERSxTHREADS",
                            help="With --web: gunicorn's worker processes and threads each.")
        parser.add_argument("--keep", help="With --web: keep the seeded database in this "
                            "directory and reuse it on the next run.")
        parser.add_argument("--workers", help="Scale-out instead: comma-separated counts of "
                            "real db_worker processes, e.g. 1,2,4; each count submits "
                            "--runs runs of --rows rows in all.")
        parser.add_argument("--runs", type=int, default=1,
                            help="With --workers: concurrent runs (one per owner).")
        parser.add_argument("--helpers", type=int, help="With --workers: BIGIN_RUN_HELPERS "
                            "for the workers (default: workers - 1).")
        parser.add_argument("--phase", choices=["seed", "submit", "submit-runs",
                                                "import-prepare", "import", "web-seed"],
                            help="(internal)")

    def handle(self, *args, **options):
        from bigin_ui.queue.bench import BenchError

        try:
            self._dispatch(options)
        except BenchError as exc:
            raise CommandError(str(exc)) from None

    def _dispatch(self, options):
        from bigin_ui.queue import bench

        if options["phase"] in {"import-prepare", "import"} or options["import_lines"]:
            self.import_bench(options)
            return
        if options["phase"] == "seed":
            bench.seed(int(options["rows"]), owners=options["runs"])
            return
        if options["phase"] == "submit-runs":
            self.stdout.write(json.dumps(bench.submit_runs(options["runs"], timeout=1800),
                                         default=str))
            return
        if options["workers"]:
            self._workers(options)
            return
        if options["phase"] == "web-seed":
            from bigin_ui.queue import bench_web

            seeded = bench_web.seed(mine=options["web_rows"], others=options["web_others"])
            self.stdout.write(json.dumps(seeded))
            return
        if options["web"]:
            self._web(options)
            return
        if options["phase"] == "submit":
            self.stdout.write(json.dumps(bench.submit(), default=str))
            return
        try:
            rows = [int(n) for n in options["rows"].split(",") if n.strip()]
        except ValueError:
            raise CommandError("--rows takes whole numbers separated by commas") from None
        if not rows or min(rows) < 1:
            raise CommandError("--rows needs at least one positive number")
        self.stdout.write(f"Sandbox latency {options['latency_ms']} ms, cap "
                          f"{options['cap']}; modules {', '.join(bench.MODULE_SPREAD)}.")
        bench.run_benchmark(rows=rows, latency_ms=options["latency_ms"], cap=options["cap"],
                            baseline_rows=options["baseline_rows"],
                            database_url=options["database_url"], out=self.stdout)

    def import_bench(self, options):
        from pathlib import Path

        from bigin_ui.imports import bench

        if options["phase"] == "import-prepare":
            bench.prepare()
        elif options["phase"] == "import":
            self.stdout.write(json.dumps(bench.run_import(Path(options["file"]))))
        elif options["import_lines"] < 1:
            raise CommandError("--import needs a positive number of lines")
        else:
            bench.run_benchmark(lines=options["import_lines"],
                                database_url=options["database_url"], out=self.stdout)

    def _workers(self, options):
        from bigin_ui.queue import bench

        try:
            counts = [int(n) for n in options["workers"].split(",") if n.strip()]
            rows = int(options["rows"])
        except ValueError:
            raise CommandError("--workers and --rows take whole numbers (--workers 1,2,4)"
                               ) from None
        if not counts or min(counts) < 1 or options["runs"] < 1 or rows < options["runs"]:
            raise CommandError("--workers needs positive counts, --runs at least 1 and "
                               "--rows at least one row per run")
        if options["helpers"] is not None and options["helpers"] < 0:
            raise CommandError("--helpers cannot be negative")
        self.stdout.write(f"Sandbox latency {options['latency_ms']} ms, cap {options['cap']}; "
                          f"{rows} rows in {options['runs']} run(s); workers {counts}.")
        bench.run_workers_benchmark(
            workers=counts, runs=options["runs"], rows=rows, latency_ms=options["latency_ms"],
            cap=options["cap"], helpers=options["helpers"],
            database_url=options["database_url"], out=self.stdout)

    def _web(self, options):
        from bigin_ui.queue import bench_web

        if min(options["web_rows"], options["clients"], options["repeat"],
               options["loops"]) < 1 or options["web_others"] < 0:
            raise CommandError("--web-rows, --clients, --repeat and --loops must be positive")
        workers, _, threads = options["web_server"].partition("x")
        if not (workers.isdigit() and threads.isdigit() and int(workers) and int(threads)):
            raise CommandError("--web-server is WORKERSxTHREADS, e.g. 4x1")
        self.stdout.write(f"Web pages: gunicorn bigin_ui.wsgi, {workers} workers x {threads} "
                          "threads, loopback only.")
        try:
            bench_web.run_web_benchmark(
                workers=int(workers), threads=int(threads),
                mine=options["web_rows"], others=options["web_others"],
                clients=options["clients"], repeat=options["repeat"], loops=options["loops"],
                database_url=options["database_url"], out=self.stdout,
                keep=Path(options["keep"]) if options["keep"] else None)
        except bench_web.BenchError as exc:
            raise CommandError(str(exc)) from None
        except subprocess.CalledProcessError as exc:
            raise CommandError(f"{' '.join(map(str, exc.cmd[-3:]))} failed "
                               f"(exit {exc.returncode}).") from None
