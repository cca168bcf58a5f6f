"""The submission benchmark: a sandbox on a local port with a given latency and concurrency
cap, N queued rows across modules, one submit, and the figures that matter.

The parent process orchestrates; seeding and submitting run in child processes against a
throw-away database, so the submit process's peak memory is the engine's, not the seeding's.
"""

from __future__ import annotations

import collections
import contextlib
import json
import math
import os
import re
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
from collections.abc import Callable
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


def seed(total: int, owners: int = 1) -> None:
    """N rows across the modules; with several owners, every owner gets a share of each
    module, and the multi-worker benchmark submits one run per owner."""
    from django.contrib.auth import get_user_model

    from bigin_ui.connection.services import build_client
    from bigin_ui.metadata.services import sync_metadata
    from bigin_ui.queue.models import Attempt, CallSlot, Row, RowEvent, SubmissionRun

    RowEvent.objects.all().delete()
    Attempt.objects.all().delete()
    Row.objects.all().delete()
    SubmissionRun.objects.all().delete()
    CallSlot.objects.update(holder="", until=None)
    # The sandbox was reset, so the cached token is void; and a fresh database has no refresh
    # history, whose budget (five per ten minutes) repeated scenarios would otherwise use up.
    from bigin_ui.connection.models import AccessToken

    AccessToken.objects.all().delete()
    with contextlib.suppress(ImportError):
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.all().delete()
    report = sync_metadata(client=build_client())
    if not report.ok:
        raise SystemExit(f"metadata sync failed: {report}")
    users = [get_user_model().objects.get_or_create(username="bench" if n == 0 else
                                                    f"bench{n}")[0] for n in range(owners)]
    stamp = int(time.time())
    batch: list[Row] = []
    for module, count in split_rows(total).items():
        for i in range(count):
            user = users[i % owners]
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
    from django.db import connection

    if connection.vendor == "postgresql":
        # The deletes above leave dead rows behind; without this each scenario ran on a more
        # bloated table than the one before (1 worker: 2,063 -> 1,473 rows/s in three runs).
        connection.cursor().execute("VACUUM ANALYZE")


class QueryCounter:
    """Counts SQL statements on the default database's connections, in every thread that
    ``counts`` (all of them unless told), with their shapes (the start of each statement)."""

    def __init__(self, counts: Callable[[threading.Thread], bool] | None = None) -> None:
        self.count = 0
        self.executions = 0
        self.lock = threading.Lock()
        self.raw: collections.Counter[str] = collections.Counter()
        self.counts = counts

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if context["connection"].alias == "default" and (
                self.counts is None or self.counts(threading.current_thread())):
            if many:
                params = list(params)
            with self.lock:
                self.count += 1
                # executemany runs the statement once per parameter set: a per-row statement
                # however it is sent.
                self.executions += len(params) if many else 1
                self.raw[sql] += 1
        return execute(sql, params, many, context)

    @property
    def shapes(self) -> collections.Counter[str]:
        """Statements by kind and table (worked out at the end: not on the measured path)."""
        out: collections.Counter[str] = collections.Counter()
        with self.lock:
            for sql, n in self.raw.items():
                out[shape(sql)] += n
        return out

    def _attach(self, sender: Any, connection: Any, **kwargs: Any) -> None:
        if self not in connection.execute_wrappers:
            connection.execute_wrappers.append(self)

    def install(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created

        connection_created.connect(self._attach, weak=False)
        for conn in connections.all():
            self._attach(None, conn)

    def uninstall(self) -> None:
        """Stop counting on new connections (and on this thread's current ones)."""
        from django.db import connections
        from django.db.backends.signals import connection_created

        connection_created.disconnect(self._attach)
        for conn in connections.all():
            if self in conn.execute_wrappers:
                conn.execute_wrappers.remove(self)


def shape(sql: str) -> str:
    """A statement's kind and table, e.g. ``UPDATE queue_row``, for the breakdown."""
    words = sql[:400].replace('"', "").split()
    verb = words[0].upper() if words else ""
    table = ""
    for key in ("FROM", "INTO", "UPDATE"):
        if key in (w.upper() for w in words[:40]):
            index = [w.upper() for w in words].index(key)
            if index + 1 < len(words):
                table = words[index + 1]
            break
    if verb == "UPDATE":
        table = words[1] if len(words) > 1 else ""
    return f"{verb} {table}".strip()


def submit() -> dict[str, Any]:
    from django.db.models import Count, Max, Min, Sum
    from django.utils import timezone

    from bigin_ui.queue.models import Attempt, Row
    from bigin_ui.queue.runs import start_run

    counter = QueryCounter()
    counter.install()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    profile_to = os.environ.get("BENCH_PROFILE")
    profilers: list[Any] = []
    if profile_to:
        # CPU time (not wall time) of every thread: the engine's work is spread over the
        # submitting thread, the send pool and the heartbeat.
        import cProfile

        def profile_thread(*_: Any) -> None:
            thread_profiler = cProfile.Profile(time.thread_time)
            profilers.append(thread_profiler)
            thread_profiler.enable()

        threading.setprofile(profile_thread)
        profiler = cProfile.Profile(time.thread_time)
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
    begun = timezone.now()
    run = start_run(user=None, origin="bench")  # the immediate backend runs it inline
    ended = timezone.now()
    if profile_to:
        import pstats

        profiler.disable()
        threading.setprofile(None)  # type: ignore[arg-type]
        merged = pstats.Stats(profiler)
        for thread_profiler in profilers:
            merged.add(thread_profiler)
        merged.dump_stats(profile_to)
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    run.refresh_from_db()
    statuses = dict(Row.objects.values_list("status").annotate(n=Count("pk")))
    inserts = Attempt.objects.filter(kind__in=["insert", "upsert"]).count()
    # How long calls took as the client saw them: with the slots' share of the wall time,
    # this tells time lost inside calls (a slow upstream) from time lost between them.
    calls = Attempt.objects.filter(kind__in=["insert", "upsert"]).aggregate(
        total=Sum("duration_ms"), first=Min("started_at"), last=Max("started_at"))
    call_ms = calls["total"] or 0
    # The run's own work before its first call (taking the rows, flagging duplicates) and
    # after the start of its last (waiting for it, settling, finishing).
    before_first = (calls["first"] - begun).total_seconds() if calls["first"] else 0.0
    after_last = (ended - calls["last"]).total_seconds() if calls["last"] else 0.0
    return {
        "rows": run.rows_total,
        "wall_s": wall,
        "cpu_s": cpu,
        "calls": inserts,
        "call_ms_total": call_ms,
        "before_first_s": before_first,
        "after_last_s": after_last,
        "queries": counter.count,
        "executions": counter.executions,
        "query_shapes": dict(counter.shapes.most_common()),
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


def bench_env(*, workdir: Path, base: str, database_url: str | None, cap: int,
              tasks_backend: str) -> dict[str, str]:
    """The environment of the benchmark's child processes: throw-away databases in
    ``workdir``, the sandbox at ``base``, and none of the caller's BIGIN_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIGIN_")}
    env.update({
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'app.sqlite3'}",
        "SANDBOX_DATABASE_URL": f"sqlite:///{workdir / 'sandbox.sqlite3'}",
        "SECRET_KEY": "bench-secret", "BIGIN_UI_DATA_DIR": str(workdir),
        "BIGIN_SANDBOX_ENABLED": "1", "BIGIN_SANDBOX_URL": base,
        "BIGIN_SANDBOX_CONTROL_TOKEN": CONTROL_TOKEN,
        "BIGIN_MAX_CONCURRENCY": str(cap), "TASKS_BACKEND": tasks_backend,
        "BIGIN_SEARCH_LAG_SECONDS": "1", "LOG_LEVEL": "WARNING",
        # The benchmark measures the engine, not the daily allowance (100,000 rows use
        # 10,000 credits, twice the default).
        "BIGIN_DAILY_CREDITS": "1000000000",
    })
    return env


def _last_error(stderr: str, returncode: int) -> str:
    """The message of the last exception a child printed (``SomeError: why``)."""
    found = re.findall(r"^[\w.]*(?:Error|Exception): (.+)$", stderr, flags=re.MULTILINE)
    if found:
        return found[-1].strip()
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else f"exit status {returncode}"


class BenchError(Exception):
    """A step before the measurements failed; the command prints it as an error line."""


def start_sandbox(*, manage: list[str], env: dict[str, str], root: Path,
                  port: int) -> subprocess.Popen[bytes]:
    """Migrate the throw-away databases and start the sandbox on ``port``."""
    for extra in ([], ["--database", "sandbox"]):
        done = subprocess.run([*manage, "migrate", *extra, "-v0"], env=env, cwd=root,
                              stderr=subprocess.PIPE, text=True)
        if done.returncode:
            # The child's last line says why (a database that does not exist, say); its
            # traceback is no help to the person who typed the command.
            raise BenchError("migrating the benchmark's database failed: "
                             + _last_error(done.stderr, done.returncode))
    return subprocess.Popen([*manage, "sandbox_serve", "--port", str(port)], env=env,
                            cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _set_up(*, prefix: str, database_url: str | None, cap: int, tasks_backend: str,
            extra: dict[str, str] | None = None,
            ) -> tuple[Path, Path, str, dict[str, str], list[str], subprocess.Popen[bytes]]:
    """A throw-away directory, the children's environment, and the sandbox started on a
    free port: what the submit and the workers benchmarks both begin with."""
    root = Path(__file__).resolve().parents[2]
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    port = free_port()
    base = f"http://127.0.0.1:{port}/sandbox"
    env = {**bench_env(workdir=workdir, base=base, database_url=database_url, cap=cap,
                       tasks_backend=tasks_backend), **(extra or {})}
    manage = [sys.executable, str(root / "manage.py")]
    server = start_sandbox(manage=manage, env=env, root=root, port=port)
    return root, workdir, base, env, manage, server


def run_benchmark(*, rows: list[int], latency_ms: int, cap: int, baseline_rows: int,
                  database_url: str | None, out: Any) -> list[dict[str, Any]]:
    root, workdir, base, env, manage, server = _set_up(
        prefix="bigin_bench_", database_url=database_url, cap=cap, tasks_backend="immediate")
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
            if os.environ.get("BENCH_RSS_TRACE"):
                out.write(done.stderr)
            sandbox_cpu = _process_cpu(server.pid) - sandbox_cpu_before
            stats = _control(base, "stats")
            figures.update(scenario=scenario.name, batch=scenario.batch, cap=cap,
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
    slots_busy = (100 * f.get("call_ms_total", 0) / 1000 / (f["wall_s"] * f["cap"])
                  if f["wall_s"] and f.get("cap") else 0.0)
    out.write(
        f"\n{f['scenario']} (batch {f['batch']})\n"
        f"  rows              {f['rows']} -> {f['statuses']}\n"
        f"  calls             {f['calls']} (minimum {f['min_calls']})\n"
        f"  wall time         {f['wall_s']:.2f} s\n"
        f"  throughput        {rows_s:.0f} rows/s ({share})\n"
        f"  429s provoked     {f['sandbox_429']}\n"
        f"  call time         {f.get('call_ms_total', 0) / max(f['calls'], 1):.0f} ms per call "
        f"on average; slots busy {slots_busy:.0f}% of the wall time; "
        f"{f.get('before_first_s', 0):.2f} s before the first call, "
        f"{f.get('after_last_s', 0):.2f} s after the last began\n"
        f"  local CPU         {1000 * f['cpu_s'] / max(f['rows'], 1):.3f} ms per row\n"
        f"  sandbox CPU       {1000 * f['sandbox_cpu_s'] / max(f['rows'], 1):.3f} ms per row "
        f"(the simulated Bigin, same machine)\n"
        f"  SQL queries       {f['queries']} total, {per_batch:.1f} per call"
        f" ({f.get('executions', f['queries']) / max(f['calls'], 1):.1f} with executemany "
        "counted per row)\n"
        + "".join(f"    {n / max(f['calls'], 1):5.2f} per call  {kind}\n"
                  for kind, n in f.get("query_shapes", {}).items()
                  if n / max(f['calls'], 1) >= 0.05)
        + f"  peak memory       {f['peak_rss_mb']:.0f} MB RSS (before submit "
        f"{f['rss_before_mb']:.0f} MB)\n"
    )
    out.flush()


# --- several worker processes (issue 13, scale-out) -------------------------------------------


def submit_runs(owners: int, timeout: float) -> dict[str, Any]:
    """One run per owner, queued for the real workers the parent started; waits for all of
    them to end. Runs in a child process against the shared database."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Max
    from django.utils import timezone

    from bigin_ui.queue.models import Attempt, Row, RunHelper, SubmissionRun
    from bigin_ui.queue.runs import start_run

    users = get_user_model().objects.filter(username__startswith="bench").order_by("pk")
    started = timezone.now()
    runs = [start_run(user=user, owner=user, origin="bench") for user in users[:owners]]
    deadline = time.monotonic() + timeout
    active = [SubmissionRun.Status.QUEUED, SubmissionRun.Status.RUNNING]
    while SubmissionRun.objects.filter(pk__in=[r.pk for r in runs], status__in=active).exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"runs still active after {timeout:.0f} s")
        time.sleep(0.05)
    done = SubmissionRun.objects.filter(pk__in=[r.pk for r in runs])
    ended = done.aggregate(last=Max("finished_at"))["last"]
    inserts = Attempt.objects.filter(kind__in=["insert", "upsert"])
    return {
        "rows": sum(r.rows_total for r in done),
        "wall_s": (ended - started).total_seconds(),
        "runs": [{"rows": r.rows_total, "status": r.status,
                  "wall_s": (r.finished_at - started).total_seconds()} for r in done],
        "calls": inserts.count(),
        "calls_by_worker": dict(inserts.values_list("worker").annotate(n=Count("pk"))),
        "helpers_joined": RunHelper.objects.filter(run__in=done).count(),
        # How long each call took as the client saw it (200 ms of it is the sandbox's
        # latency): far above the latency, the calls wait for CPU, not for slots.
        "call_ms": sorted(inserts.values_list("duration_ms", flat=True)),
        "statuses": dict(Row.objects.values_list("status").annotate(n=Count("pk"))),
    }


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU jiffies of the whole machine: other people's work included."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return float(sum(values) - idle), float(sum(values))


class BackendCpu(threading.Thread):
    """CPU used by the PostgreSQL backends serving one database, sampled from /proc.

    Backends are separate processes named after their database; one that ends between two
    samples loses at most a sample's worth of its CPU. SQLite runs inside the workers, so
    there the workers' CPU already includes the database's.
    """

    def __init__(self, database: str, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.marker = f" {database} ".encode()
        self.every = every
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while True:
            self.sample()
            if self.done.wait(self.every):
                self.sample()
                return

    def sample(self) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if self.marker not in (entry / "cmdline").read_bytes().replace(b"\0", b" "):
                    continue
            except OSError:
                continue
            pid = int(entry.name)
            cpu = _process_cpu(pid)
            self.first.setdefault(pid, 0.0 if self.is_alive() else cpu)
            self.last[pid] = cpu

    def stop(self) -> float:
        self.done.set()
        self.join()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def run_workers_benchmark(*, workers: list[int], runs: int, rows: int, latency_ms: int,
                          cap: int, helpers: int | None, database_url: str | None,
                          out: Any) -> list[dict[str, Any]]:
    """For each worker count: seed, start that many ``manage.py db_worker`` processes, queue
    one run per owner, and time until every run ended. Rows/s per count and the ratio to one
    worker, with the CPU each side used (this machine runs the sandbox and the database too).
    """
    root, workdir, base, env, manage, server = _set_up(
        prefix="bigin_bench_workers_", database_url=database_url, cap=cap,
        tasks_backend="database", extra={"PYTHONUNBUFFERED": "1"})
    per_owner = split_rows(rows // runs)
    results: list[dict[str, Any]] = []
    try:
        _wait_for(f"{base}/_control/stats")
        for count in workers:
            _control(base, "reset", {})
            _control(base, "knobs", {"latency_ms": latency_ms, "max_concurrency": cap})
            subprocess.run([*manage, "bigin_bench", "--phase", "seed", "--rows", str(rows),
                            "--runs", str(runs)], env=env, check=True, cwd=root)
            # Every worker beyond the first may join a run: with fewer runs than workers that
            # is what puts the extra workers to use; with more, helpers of a finished run find
            # it closed and the worker takes the next task. The submitting process queues the
            # helpers, so it reads the setting too (the web server, in production).
            extra = count - 1 if helpers is None else helpers
            worker_env = {**env, "BIGIN_RUN_HELPERS": str(extra)}
            procs = [subprocess.Popen(
                [*manage, "db_worker", "--no-reload", "--interval", "0.1",
                 "--no-startup-delay", "--worker-id", f"bench-w{n}"],
                env=worker_env, cwd=root, stdout=(workdir / f"w{count}-{n}.log").open("ab"),
                stderr=subprocess.STDOUT) for n in range(count)]
            try:
                time.sleep(3)  # Django started in every worker before the clock starts
                cpu_before = [_process_cpu(p.pid) for p in procs]
                sandbox_before = _process_cpu(server.pid)
                busy_before = _machine_busy()
                database = env["DATABASE_URL"]
                backends = BackendCpu(database.rsplit("/", 1)[-1].split("?")[0]) \
                    if database.startswith("postgres") else None
                if backends is not None:
                    # Backends that exist before the clock starts count from their CPU then;
                    # ones that start during the run count in full.
                    backends.sample()
                    backends.first = dict(backends.last)
                    backends.start()
                done = subprocess.run([*manage, "bigin_bench", "--phase", "submit-runs",
                                       "--runs", str(runs)], env=worker_env, check=True,
                                      cwd=root,
                                      capture_output=True, text=True)
                busy_after = _machine_busy()
                db_cpu = backends.stop() if backends is not None else 0.0
                app_cpu = sum(_process_cpu(p.pid) - b for p, b in zip(procs, cpu_before,
                                                                        strict=True))
                sandbox_cpu = _process_cpu(server.pid) - sandbox_before
            finally:
                for proc in procs:
                    proc.terminate()
                for proc in procs:
                    try:
                        proc.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
            figures = json.loads(next(line for line in reversed(done.stdout.splitlines())
                                      if line.startswith("{")))
            stats = _control(base, "stats")
            busy = busy_after[0] - busy_before[0]
            total = busy_after[1] - busy_before[1]
            figures.update(
                workers=count, helpers=extra, run_count=runs, app_cpu_s=app_cpu,
                sandbox_cpu_s=sandbox_cpu, db_cpu_s=db_cpu,
                machine_busy_cores=(os.cpu_count() or 1) * busy / total if total else 0.0,
                sandbox_429=stats.get("responses_429", 0),
                max_in_flight=stats.get("max_in_flight", 0),
                min_calls=runs * minimum_calls(per_owner, 100),
                ideal_rows_s=100 * cap / (latency_ms / 1000) if latency_ms else float("inf"),
            )
            figures["ratio"] = (figures["rows"] / figures["wall_s"]) / (
                results[0]["rows"] / results[0]["wall_s"]) if results else 1.0
            results.append(figures)
            _print_workers(figures, out)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
    out.write("\nworkers | rows/s | % of ideal | × first | app CPU/row | sandbox CPU/row | "
              "database CPU/row | machine busy (cores)\n")
    for f in results:
        rate = f["rows"] / f["wall_s"]
        out.write(f"{f['workers']:7d} | {rate:6.0f} | {100 * rate / f['ideal_rows_s']:9.0f}% | "
                  f"{f['ratio']:6.2f}× | {1000 * f['app_cpu_s'] / f['rows']:8.3f} ms | "
                  f"{1000 * f['sandbox_cpu_s'] / f['rows']:12.3f} ms | "
                  f"{1000 * f['db_cpu_s'] / f['rows']:13.3f} ms | "
                  f"{f['machine_busy_cores']:.2f} of {os.cpu_count()}\n")
    out.flush()
    return results


def _pct(values: list[int], pct: int) -> int:
    return values[min(len(values) - 1, len(values) * pct // 100)] if values else 0


def _print_workers(f: dict[str, Any], out: Any) -> None:
    rate = f["rows"] / f["wall_s"] if f["wall_s"] else 0.0
    per_run = ", ".join(f"{r['rows']} rows {r['status']} at {r['wall_s']:.2f} s"
                        for r in f["runs"])
    by_worker = ", ".join(str(n) for n in sorted(f["calls_by_worker"].values(), reverse=True))
    out.write(
        f"\n{f['workers']} worker(s), {f['run_count']} run(s), {f['helpers']} helper(s) per run\n"
        f"  rows              {f['rows']} -> {f['statuses']}\n"
        f"  runs              {per_run}\n"
        f"  calls             {f['calls']} (minimum {f['min_calls']}); per worker: {by_worker}"
        f"; helpers joined {f['helpers_joined']}\n"
        f"  wall time         {f['wall_s']:.2f} s\n"
        f"  call duration     median {_pct(f['call_ms'], 50)} ms, p90 {_pct(f['call_ms'], 90)} ms\n"
        f"  throughput        {rate:.0f} rows/s ({100 * rate / f['ideal_rows_s']:.0f}% of ideal "
        f"{f['ideal_rows_s']:.0f}); {f['ratio']:.2f}× the first count\n"
        f"  429s provoked     {f['sandbox_429']} (most calls in flight at once: "
        f"{f['max_in_flight']})\n"
        f"  app CPU           {1000 * f['app_cpu_s'] / max(f['rows'], 1):.3f} ms per row "
        f"(all workers)\n"
        f"  sandbox CPU       {1000 * f['sandbox_cpu_s'] / max(f['rows'], 1):.3f} ms per row\n"
        f"  database CPU      {1000 * f['db_cpu_s'] / max(f['rows'], 1):.3f} ms per row "
        f"(PostgreSQL backends of this database)\n"
        f"  machine busy      {f['machine_busy_cores']:.2f} of {os.cpu_count()} cores "
        f"(every process on the machine)\n"
    )
    out.flush()
