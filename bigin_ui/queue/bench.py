"""The submission benchmark: a sandbox on a local port with a given latency and concurrency
cap, N queued rows across modules, one submit, and the figures that matter.

The parent process orchestrates; seeding and submitting run in child processes against a
throw-away database, so the submit process's peak memory is the engine's, not the seeding's.
"""

from __future__ import annotations

import collections
import json
import math
import os
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MODULE_SPREAD = ("Accounts", "Products", "Contacts")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def split_rows(total: int) -> dict[str, int]:
    base, extra = divmod(total, len(MODULE_SPREAD))
    return {m: base + (1 if i < extra else 0) for i, m in enumerate(MODULE_SPREAD)}


def minimum_calls(counts: dict[str, int], batch: int) -> int:
    return sum(math.ceil(n / batch) for n in counts.values() if n)


# --- child phases (run inside Django) ----------------------------------------------------------


def seed(total: int) -> None:
    from django.contrib.auth import get_user_model

    from bigin_ui.connection.services import build_client
    from bigin_ui.metadata.services import sync_metadata
    from bigin_ui.queue.models import Attempt, Row, RowEvent, SubmissionRun

    RowEvent.objects.all().delete()
    Attempt.objects.all().delete()
    Row.objects.all().delete()
    SubmissionRun.objects.all().delete()
    report = sync_metadata(client=build_client())
    if not report.ok:
        raise SystemExit(f"metadata sync failed: {report}")
    user, _ = get_user_model().objects.get_or_create(username="bench")
    stamp = int(time.time())
    batch: list[Row] = []
    for module, count in split_rows(total).items():
        for i in range(count):
            key = f"bench-{stamp}-{i}"
            if module == "Accounts":
                payload = {"Account_Name": f"Bench Company {key}", "Phone": "+1 555 0100"}
                unique = f"Account_Name:{payload['Account_Name'].casefold()}"
            elif module == "Products":
                payload = {"Product_Name": f"Bench Product {key}", "Unit_Price": 10}
                unique = f"Product_Name:{payload['Product_Name'].casefold()}"
            else:
                payload = {"Last_Name": f"Bench {i}", "Email": f"{key}@bench.example"}
                unique = f"Email:{payload['Email']}"
            batch.append(Row(module=module, owner=user, payload=payload, unique_key=unique))
            if len(batch) >= 2000:
                Row.objects.bulk_create(batch)
                batch = []
    if batch:
        Row.objects.bulk_create(batch)


class QueryCounter:
    """Counts SQL statements on every connection, in every thread."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()
        self.shapes: collections.Counter[str] = collections.Counter()

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        with self.lock:
            self.count += 1
            self.shapes[sql[:90]] += 1
        return execute(sql, params, many, context)

    def install(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created

        def attach(sender: Any, connection: Any, **kwargs: Any) -> None:
            if self not in connection.execute_wrappers:
                connection.execute_wrappers.append(self)

        connection_created.connect(attach, weak=False)
        for conn in connections.all():
            attach(None, conn)


def submit() -> dict[str, Any]:
    from django.db.models import Count

    from bigin_ui.queue.models import Attempt, Row
    from bigin_ui.queue.runs import start_run

    counter = QueryCounter()
    counter.install()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    profile_to = os.environ.get("BENCH_PROFILE")
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    if os.environ.get("BENCH_RSS_TRACE"):  # a timeline, to tell steady growth from one spike

        def rss_trace() -> None:
            t0 = time.perf_counter()
            while True:
                time.sleep(2)
                with open("/proc/self/status") as fh:
                    rss = next(x for x in fh if x.startswith("VmRSS")).split()[1]
                sys.stderr.write(f"rss {time.perf_counter() - t0:6.1f}s {int(rss) // 1024} MB\n")

        threading.Thread(target=rss_trace, daemon=True).start()
    run = start_run(user=None, origin="bench")  # the immediate backend runs it inline
    if profile_to:
        profiler.disable()
        profiler.dump_stats(profile_to)
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    if os.environ.get("BENCH_QUERY_SHAPES"):
        for shape, n in counter.shapes.most_common(15):
            sys.stderr.write(f"{n:7d}  {shape}\n")
    run.refresh_from_db()
    statuses = dict(Row.objects.values_list("status").annotate(n=Count("pk")))
    inserts = Attempt.objects.filter(kind__in=["insert", "upsert"]).count()
    return {
        "rows": run.rows_total,
        "wall_s": wall,
        "cpu_s": cpu,
        "calls": inserts,
        "queries": counter.count,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": rss_before / 1024,
        "statuses": statuses,
        "run_status": run.status,
        "message": run.message,
    }


# --- the parent ------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    rows: int
    batch: int


# The sandbox's control API takes writes only with its per-install token; the benchmark's
# server gets this one through its environment.
CONTROL_TOKEN = secrets.token_urlsafe(24)


def _control(base: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}/_control/{path}", data=data,
                                     headers={"Content-Type": "application/json",
                                              "X-Sandbox-Control-Token": CONTROL_TOKEN},
                                     method="POST" if data is not None else "GET")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read() or b"{}")


def run_benchmark(*, rows: list[int], latency_ms: int, cap: int, baseline_rows: int,
                  database_url: str | None, out: Any) -> list[dict[str, Any]]:
    root = Path(__file__).resolve().parents[2]
    workdir = Path(tempfile.mkdtemp(prefix="bigin_bench_"))
    port = free_port()
    base = f"http://127.0.0.1:{port}/sandbox"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIGIN_")}
    env.update({
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'app.sqlite3'}",
        "SANDBOX_DATABASE_URL": f"sqlite:///{workdir / 'sandbox.sqlite3'}",
        "SECRET_KEY": "bench-secret", "BIGIN_UI_DATA_DIR": str(workdir),
        "BIGIN_SANDBOX_ENABLED": "1", "BIGIN_SANDBOX_URL": base,
        "BIGIN_SANDBOX_CONTROL_TOKEN": CONTROL_TOKEN,
        "BIGIN_MAX_CONCURRENCY": str(cap), "TASKS_BACKEND": "immediate",
        "BIGIN_SEARCH_LAG_SECONDS": "1", "LOG_LEVEL": "WARNING",
        # The benchmark measures the engine, not the daily allowance (100,000 rows use
        # 10,000 credits, twice the default).
        "BIGIN_DAILY_CREDITS": "1000000000",
    })
    manage = [sys.executable, str(root / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=root)
    subprocess.run([*manage, "migrate", "--database", "sandbox", "-v0"], env=env, check=True,
                   cwd=root)
    server = subprocess.Popen([*manage, "sandbox_serve", "--port", str(port)], env=env, cwd=root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = []
    try:
        _wait_for(f"{base}/_control/stats")
        scenarios = [Scenario(f"batched N={n}", n, 100) for n in rows]
        if baseline_rows:
            scenarios.append(Scenario(f"one row per call N={baseline_rows}", baseline_rows, 1))
        for scenario in scenarios:
            _control(base, "reset", {})
            _control(base, "knobs", {"latency_ms": latency_ms, "max_concurrency": cap})
            child_env = {**env, "BIGIN_BATCH_SIZE": str(scenario.batch)}
            subprocess.run([*manage, "bigin_bench", "--phase", "seed", "--rows",
                            str(scenario.rows)], env=child_env, check=True, cwd=root)
            sandbox_cpu_before = _process_cpu(server.pid)
            spy = os.environ.get("BENCH_PYSPY")
            prefix = [str(Path(sys.executable).parent / "py-spy"), "record", "-o", spy,
                      "--format", "raw", "-r", "200",
                      *os.environ.get("BENCH_PYSPY_ARGS", "").split(), "--"] if spy else []
            done = subprocess.run([*prefix, *manage, "bigin_bench", "--phase", "submit"],
                                  env=child_env, check=True, cwd=root, capture_output=True,
                                  text=True)
            # The last JSON line: a profiler wrapped around the child may print after it.
            figures = json.loads(next(line for line in reversed(done.stdout.splitlines())
                                      if line.startswith("{")))
            if os.environ.get("BENCH_QUERY_SHAPES") or os.environ.get("BENCH_RSS_TRACE"):
                out.write(done.stderr)
            sandbox_cpu = _process_cpu(server.pid) - sandbox_cpu_before
            stats = _control(base, "stats")
            figures.update(scenario=scenario.name, batch=scenario.batch,
                           min_calls=minimum_calls(split_rows(scenario.rows), scenario.batch),
                           sandbox_429=stats.get("responses_429", 0),
                           sandbox_cpu_s=sandbox_cpu,
                           ideal_rows_s=scenario.batch * cap / (latency_ms / 1000)
                           if latency_ms else float("inf"))
            results.append(figures)
            _print(figures, out)
    finally:
        server.terminate()
        server.wait(timeout=10)
        # The throw-away databases reach hundreds of MB at N = 100,000.
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used: the sandbox shares this machine, and
    its share is what the app cannot have."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"sandbox did not start at {url}")


def _print(f: dict[str, Any], out: Any) -> None:
    rows_s = f["rows"] / f["wall_s"] if f["wall_s"] else 0.0
    ideal = f["ideal_rows_s"]
    share = f"{100 * rows_s / ideal:.0f}% of ideal {ideal:.0f}" if ideal != float("inf") else ""
    per_batch = f["queries"] / f["calls"] if f["calls"] else 0
    out.write(
        f"\n{f['scenario']} (batch {f['batch']})\n"
        f"  rows              {f['rows']} -> {f['statuses']}\n"
        f"  calls             {f['calls']} (minimum {f['min_calls']})\n"
        f"  wall time         {f['wall_s']:.2f} s\n"
        f"  throughput        {rows_s:.0f} rows/s ({share})\n"
        f"  429s provoked     {f['sandbox_429']}\n"
        f"  local CPU         {1000 * f['cpu_s'] / max(f['rows'], 1):.3f} ms per row\n"
        f"  sandbox CPU       {1000 * f['sandbox_cpu_s'] / max(f['rows'], 1):.3f} ms per row "
        f"(the simulated Bigin, same machine)\n"
        f"  SQL queries       {f['queries']} total, {per_batch:.1f} per call\n"
        f"  peak memory       {f['peak_rss_mb']:.0f} MB RSS (before submit "
        f"{f['rss_before_mb']:.0f} MB)\n"
    )
    out.flush()
