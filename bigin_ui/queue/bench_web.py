"""The web benchmark: list pages at 100,000 rows, served by the production server.

The parent process makes a throw-away database, seeds it in a child process (``bulk_create``),
starts gunicorn as ``runapp`` would but with 4 workers of 1 thread (``--web-server``), and
measures over loopback only: each page's median for one client against ``/healthz``, then
pages/s and each page's p95 with 20 clients looping over the mix a bounded number of times.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bigin_ui.queue.bench import BenchError, _process_cpu, free_port

# Status mix of the seeded rows, per 100: mostly sent, a few of every kind an admin sees.
STATUS_MIX: tuple[tuple[str, str, int], ...] = (
    # (status, hold, share in %)
    ("created", "", 84),
    ("pending", "", 5),
    ("failed", "", 4),
    ("pending", "duplicate", 2),
    ("needs_review", "", 1),
    ("unknown", "", 1),
    ("discarded", "", 3),
)
MODULES = ("Contacts", "Accounts", "Products", "Calls")
OTHER_OWNERS = 4
RUN_ROWS = 5000
SEARCH_TERM = "Bench 4242"


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    who: str  # "sales" or "admin": whose session fetches it


@dataclass
class Sample:
    page: str
    seconds: float
    status: int


@dataclass
class Figures:
    single: dict[str, float] = field(default_factory=dict)  # page -> median seconds
    # page -> server CPU seconds per request: unlike wall time, barely moved by other work on
    # a shared machine.
    cpu: dict[str, float] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)  # page -> HTTP status
    mix_pages: int = 0
    mix_wall: float = 0.0
    mix_p95: dict[str, float] = field(default_factory=dict)
    mix_errors: int = 0
    # The 20 clients run on the same 2 cores as the server: what each side burnt in the mix.
    mix_client_cpu: float = 0.0
    mix_server_cpu: float = 0.0
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)


# --- the child phase (runs inside Django) ---------------------------------------------------


def _status_for(i: int) -> tuple[str, str]:
    slot = i % 100
    for status, hold, share in STATUS_MIX:
        if slot < share:
            return status, hold
        slot -= share
    return "created", ""


def _payload(module: str, i: int) -> dict[str, Any]:
    if module == "Contacts":
        return {"First_Name": "Bench", "Last_Name": f"Bench {i}",
                "Email": f"bench{i}@bench.example", "Phone": "+1 555 0100"}
    if module == "Accounts":
        return {"Account_Name": f"Bench Company {i}", "Phone": "+1 555 0100"}
    if module == "Products":
        return {"Product_Name": f"Bench Product {i}", "Unit_Price": 10}
    return {"Subject": f"Bench call {i}", "Call_Type": "Outbound",
            "Call_Start_Time": "2026-11-20T10:30:00+00:00", "Call_Duration": "05:00"}


def _rows_for(owner: Any, *, count: int, start: int, base: Any) -> Iterator[Any]:
    from bigin_ui.queue.models import Row

    for n in range(count):
        i = start + n
        module = MODULES[i % len(MODULES)]
        status, hold = _status_for(i)
        row = Row(module=module, owner=owner, payload=_payload(module, i), status=status,
                  hold=hold, unique_key=f"bench:{i}",
                  created_at=base - dt.timedelta(minutes=3 * n))
        if status == "created":
            row.bigin_id = str(5550000000100000000 + i)
        elif status == "failed":
            row.error_code, row.error_field = (("INVALID_DATA", "Email") if i % 2
                                               else ("DUPLICATE_DATA", "Phone"))
            row.error_message = "the value is not valid"
        elif hold:
            row.hold_reason = f"Same key as row {i - 1}."
        yield row


def seed(*, mine: int, others: int) -> dict[str, Any]:
    """Users, rows, a run and recent attempts; returns the session cookies to use."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.utils import timezone

    from bigin_ui.queue.models import Attempt, Row, SubmissionRun
    from bigin_ui.roles import ADMIN_GROUP, SALES_GROUP

    users = get_user_model().objects
    sales = users.create_user("bench", "bench@example.com", "bench-pw-1")
    sales.groups.add(Group.objects.get_or_create(name=SALES_GROUP)[0])
    admin = users.create_user("bench-admin", "benchadmin@example.com", "bench-pw-2")
    admin.groups.add(Group.objects.get_or_create(name=ADMIN_GROUP)[0])
    colleagues = [users.create_user(f"bench-other-{n}", f"o{n}@example.com", "bench-pw-3")
                  for n in range(OTHER_OWNERS)]

    # bulk_create would stamp every row "now": the spread over months is what the date
    # filters and the ordering by created_at work against.
    created_at = Row._meta.get_field("created_at")
    created_at.auto_now_add = False
    now = timezone.now()
    batch: list[Any] = []

    def flush(force: bool = False) -> None:
        if batch and (force or len(batch) >= 5000):
            Row.objects.bulk_create(batch)
            batch.clear()

    for row in _rows_for(sales, count=mine, start=0, base=now):
        batch.append(row)
        flush()
    per_other = others // max(1, len(colleagues))
    for n, colleague in enumerate(colleagues):
        for row in _rows_for(colleague, count=per_other, start=mine + n * per_other,
                             base=now - dt.timedelta(seconds=n + 1)):
            batch.append(row)
            flush()
    flush(force=True)
    created_at.auto_now_add = True

    run = SubmissionRun.objects.create(created_by=sales, origin="web", status="finished",
                                       rows_total=RUN_ROWS, rows_sent=RUN_ROWS)
    run_rows = Row.objects.filter(owner=sales).order_by("-id").values_list("pk", flat=True)
    Row.objects.filter(pk__in=list(run_rows[:RUN_ROWS])).update(run=run)
    Attempt.objects.bulk_create([
        Attempt(run=run, module="Contacts", kind="insert", started_at=now, credits=10,
                http_status=201, outcome="results") for _ in range(RUN_ROWS // 100)
    ])

    cookies = {}
    for role, user in (("sales", sales), ("admin", admin)):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        cookies[role] = client.cookies["sessionid"].value
    return {"cookies": cookies, "run": run.pk, "owner": colleagues[0].username,
            "day": (now - dt.timedelta(days=30)).date().isoformat()}


# --- the pages ---------------------------------------------------------------------------


def pages(*, run: int, owner: str, day: str, mine: int) -> list[Page]:
    """The mix: every list page with each of its filters, the entry form and /healthz.

    ``mine`` is kept for the old OFFSET pages' last page number (?page=N) in comparisons.
    """
    return [
        Page("healthz", "/healthz", "sales"),
        Page("my rows", "/records/", "sales"),
        Page("my rows, last page", "/records/?page=last", "sales"),
        Page("my rows, failed", "/records/?status=failed", "sales"),
        Page("my rows, search", f"/records/?q={SEARCH_TERM.replace(' ', '+')}", "sales"),
        Page("my rows, run", f"/records/?run={run}", "sales"),
        Page("run page", f"/runs/{run}/", "sales"),
        Page("entry form", "/records/Contacts/new/", "sales"),
        Page("review", "/review/", "admin"),
        Page("review, module", "/review/?module=Contacts", "admin"),
        Page("review, error code", "/review/?error_code=INVALID_DATA", "admin"),
        Page("review, field", "/review/?field=Phone", "admin"),
        Page("review, owner", f"/review/?owner={owner}", "admin"),
        Page("review, dates", f"/review/?date_from={day}", "admin"),
        Page("review, search", f"/review/?text={SEARCH_TERM.replace(' ', '+')}", "admin"),
        Page("review, cause", "/review/?cause=failed%7C%7CINVALID_DATA%7CEmail%7CContacts",
             "admin"),
        Page("all rows", "/rows/", "admin"),
        Page("all rows, status", "/rows/?status=failed", "admin"),
        Page("all rows, module", "/rows/?module=Accounts", "admin"),
        Page("all rows, owner", f"/rows/?owner={owner}", "admin"),
        Page("all rows, dates", f"/rows/?date_from={day}", "admin"),
        Page("all rows, search", f"/rows/?q={SEARCH_TERM.replace(' ', '+')}", "admin"),
    ]


# --- the parent --------------------------------------------------------------------------


class Fetcher:
    """One client: a kept-alive connection and a session cookie."""

    def __init__(self, port: int, cookies: dict[str, str]) -> None:
        self.port = port
        self.cookies = cookies
        self.conn: http.client.HTTPConnection | None = None

    def get(self, page: Page) -> Sample:
        headers = {"Cookie": f"sessionid={self.cookies[page.who]}"}
        started = time.perf_counter()
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                self.conn.request("GET", page.path, headers=headers)
                response = self.conn.getresponse()
                response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return Sample(page.name, time.perf_counter() - started, response.status)
            except (OSError, http.client.HTTPException):
                # The server closed a kept-alive connection between requests: reconnect once.
                self.close()
                if attempt:
                    raise
                started = time.perf_counter()
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def server_pids(pid: int) -> list[int]:
    """The gunicorn master and its workers."""
    pids = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def measure_single(port: int, cookies: dict[str, str], mix: list[Page], *,
                   repeat: int, server_pid: int | None = None) -> Figures:
    figures = Figures()
    fetcher = Fetcher(port, cookies)
    pids = server_pids(server_pid) if server_pid else []
    # What the idle server burns (the master's loop, workers' heartbeats) is not the pages'.
    idle_from = sum(_process_cpu(p) for p in pids)
    time.sleep(3)
    idle_rate = (sum(_process_cpu(p) for p in pids) - idle_from) / 3
    for page in mix:
        first = fetcher.get(page)  # warms caches and the template loader
        if first.status != 200:
            figures.missing[page.name] = first.status
            continue
        # /healthz costs about one clock tick of CPU: more requests to measure it at all.
        times_n = repeat * 4 if page.path == "/healthz" else repeat
        cpu_before, started = sum(_process_cpu(p) for p in pids), time.perf_counter()
        times = [fetcher.get(page).seconds for _ in range(times_n)]
        figures.single[page.name] = statistics.median(times)
        if pids:
            used = sum(_process_cpu(p) for p in pids) - cpu_before
            used -= idle_rate * (time.perf_counter() - started)
            figures.cpu[page.name] = max(used, 0.0) / times_n
    fetcher.close()
    return figures


def measure_mix(port: int, cookies: dict[str, str], mix: list[Page], figures: Figures, *,
                clients: int, loops: int, deadline_s: float,
                server_pid: int | None = None) -> None:
    samples: list[Sample] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + deadline_s

    def client(n: int) -> None:
        fetcher = Fetcher(port, cookies)
        mine: list[Sample] = []
        # Each client starts at another page, so the server sees the mix, not one page at a time.
        order = mix[n % len(mix):] + mix[:n % len(mix)]
        for _ in range(loops):
            for page in order:
                if time.monotonic() > stop_at:
                    break
                mine.append(fetcher.get(page))
        fetcher.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    pids = server_pids(server_pid) if server_pid else []
    server_before = sum(_process_cpu(p) for p in pids)
    client_before = time.process_time()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures.mix_wall = time.perf_counter() - started
    figures.mix_client_cpu = time.process_time() - client_before
    figures.mix_server_cpu = sum(_process_cpu(p) for p in pids) - server_before
    figures.load = os.getloadavg()
    figures.mix_pages = len(samples)
    figures.mix_errors = sum(1 for s in samples if s.status != 200)
    for page in mix:
        times = sorted(s.seconds for s in samples if s.page == page.name)
        if times:
            figures.mix_p95[page.name] = times[min(len(times) - 1, int(0.95 * len(times)))]


def report(figures: Figures, out: Any, *, clients: int) -> None:
    health = figures.single.get("healthz") or float("nan")
    health_cpu = figures.cpu.get("healthz") or float("nan")
    out.write(f"\nOne client, median of each page (ratio to /healthz {health * 1000:.1f} ms); "
              f"server CPU per request (ratio to /healthz {health_cpu * 1000:.1f} ms)\n")
    for name, seconds in figures.single.items():
        cpu = figures.cpu.get(name, float("nan"))
        out.write(f"  {name:28s} {seconds * 1000:8.1f} ms {seconds / health:7.1f}x   cpu "
                  f"{cpu * 1000:6.1f} ms {cpu / health_cpu:6.1f}x\n")
    for name, status in figures.missing.items():
        out.write(f"  {name:28s} not measured (HTTP {status})\n")
    rate = figures.mix_pages / figures.mix_wall if figures.mix_wall else 0.0
    out.write(f"\n{clients} clients on the mix: {figures.mix_pages} pages in "
              f"{figures.mix_wall:.1f} s = {rate:.1f} pages/s, {figures.mix_errors} errors\n")
    if figures.mix_pages:
        pages_n = figures.mix_pages
        out.write(f"  CPU per page: server {figures.mix_server_cpu / pages_n * 1000:.1f} ms, "
                  f"the clients {figures.mix_client_cpu / pages_n * 1000:.1f} ms "
                  f"({figures.mix_client_cpu / figures.mix_wall * 100:.0f} % of a core); "
                  f"load average after: {' '.join(f'{x:.2f}' for x in figures.load)}\n")
    for name, seconds in figures.mix_p95.items():
        out.write(f"  {name:28s} p95 {seconds * 1000:8.1f} ms\n")
    out.flush()


def _wait_for(url_port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", url_port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def run_web_benchmark(*, mine: int, others: int, clients: int, repeat: int, loops: int,
                      database_url: str | None, out: Any, keep: Path | None = None,
                      workers: int = 4, threads: int = 1) -> Figures:
    """``keep``: a directory kept between runs; its seeded database is reused when present
    (seeding 200,000 rows takes minutes, measuring again on the same data does not)."""
    root = Path(__file__).resolve().parents[2]
    workdir = keep or Path(tempfile.mkdtemp(prefix="bigin_webbench_"))
    workdir.mkdir(parents=True, exist_ok=True)
    seed_file = workdir / "seed.json"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIGIN_")}
    env.update({
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'app.sqlite3'}",
        "SANDBOX_DATABASE_URL": f"sqlite:///{workdir / 'sandbox.sqlite3'}",
        "SECRET_KEY": "bench-secret", "BIGIN_UI_DATA_DIR": str(workdir), "DEBUG": "0",
        "BIGIN_SANDBOX_ENABLED": "1", "BIGIN_SANDBOX_URL": f"http://127.0.0.1:{port}/sandbox",
        "LOG_LEVEL": "ERROR", "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(workdir / "static"),
        # The production settings, also when started from the test suite.
        "DJANGO_SETTINGS_MODULE": "bigin_ui.settings",
    })
    manage = [sys.executable, str(root / "manage.py")]
    server: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=root)
        subprocess.run([*manage, "migrate", "--database", "sandbox", "-v0"], env=env,
                       check=True, cwd=root)
        if seed_file.exists():
            seeded = json.loads(seed_file.read_text())
            out.write(f"Reusing the rows seeded in {workdir}.\n")
        else:
            t0 = time.perf_counter()
            done = subprocess.run([*manage, "bigin_bench", "--phase", "web-seed", "--web-rows",
                                   str(mine), "--web-others", str(others)], env=env,
                                  check=True, cwd=root, capture_output=True, text=True)
            seeded = json.loads(done.stdout.strip().splitlines()[-1])
            seed_file.write_text(json.dumps(seeded))
            out.write(f"Seeded {mine} rows of one user and {others} of {OTHER_OWNERS} others "
                      f"in {time.perf_counter() - t0:.0f} s.\n")
        # As runapp serves, but with the worker and thread counts the figures are quoted for.
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "bigin_ui.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
             "--timeout", "120",
             "--log-level", "warning"],
            env=env, cwd=root, stdout=subprocess.DEVNULL,
            stderr=(workdir / "server.log").open("wb"))
        _wait_for(port, server)
        # A kept database also keeps the token cache and its refresh history, and the kept
        # sandbox the tokens it issued: runs close together would spend the app's refresh
        # budget (BIGIN_REFRESH_BUDGET per ten minutes) and trip the sandbox's Zoho-like
        # throttle, and the sync below would be refused. Each run starts as on fresh ones.
        subprocess.run([*manage, "shell", "-c",
                        "from bigin_ui.connection.models import AccessToken; "
                        "from bigin_ui.sandbox.models import TokenIssue; "
                        "AccessToken.objects.all().delete(); "
                        "TokenIssue.objects.using('sandbox').all().delete()"],
                       env=env, check=True, cwd=root, capture_output=True)
        # The entry form needs field metadata: fetched from the sandbox this server mounts.
        synced = subprocess.run([*manage, "bigin_sync"], env=env, cwd=root,
                                capture_output=True, text=True)
        if synced.returncode:
            raise BenchError("The metadata sync before the pages failed:\n"
                             + (synced.stdout + synced.stderr).strip()[-2000:])
        mix = pages(run=seeded["run"], owner=seeded["owner"], day=seeded["day"], mine=mine)
        figures = measure_single(port, seeded["cookies"], mix, repeat=repeat,
                                 server_pid=server.pid)
        measured = [p for p in mix if p.name in figures.single]
        measure_mix(port, seeded["cookies"], measured, figures, clients=clients, loops=loops,
                    deadline_s=600, server_pid=server.pid)
        report(figures, out, clients=clients)
        errors = (workdir / "server.log").read_text(errors="replace").strip()
        (workdir / "server.log").unlink()
        if errors:
            out.write(f"\nServer errors (last lines):\n{errors[-3000:]}\n")
        return figures
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
