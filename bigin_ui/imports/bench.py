"""The import benchmark: N Contacts lines in a CSV, checked and queued on a throw-away
database, with lines/s and peak memory. ``bigin_bench --import`` runs it.

The parent prepares a temporary database and the file; the child process does only the
import, so its peak memory is the import's.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CITIES = ("Berlin", "Chennai", "Austin", "Lyon", "Osaka")


def write_file(path: Path, lines: int) -> None:
    """Lines as a person's export would have them: names, e-mails, phones, a checkbox."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["First Name", "Last Name", "Email", "Phone", "Mailing City",
                         "Email Opt Out", "Description"])
        for i in range(lines):
            writer.writerow([f"Ann{i}", f"Bench {i}", f"ann.{i}@bench.example",
                             f"+1 555 {i:07d}", CITIES[i % len(CITIES)],
                             "yes" if i % 3 == 0 else "no", f"Met at fair, stand {i % 97}"])


def prepare() -> None:
    """(child) Metadata as the sandbox offers it, and the importing user."""
    from django.contrib.auth import get_user_model

    from bigin_ui.metadata.services import store_module, store_users
    from bigin_ui.sandbox import catalog

    store_module(module="Contacts", fields=catalog.base_fields("Contacts"), layouts=[],
                 tags=[])
    store_users(users=[{"id": catalog.oid(457001), "full_name": "Bench User",
                        "email": "bench@example.com", "status": "active",
                        "time_zone": "Europe/Berlin"}])
    get_user_model().objects.get_or_create(username="bench", email="bench@example.com")


def run_import(path: Path) -> dict[str, Any]:
    """(child) Check and queue the file; figures for each phase."""
    from django.contrib.auth import get_user_model

    from bigin_ui.imports.services import check_import, create_import, queue_import

    user = get_user_model().objects.get(username="bench")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    profile_to = os.environ.get("BENCH_PROFILE")
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start, cpu_start = time.perf_counter(), time.process_time()
    imp = create_import(path=path, file_name=path.name, module="Contacts", created_by=user,
                        owner=user, origin="bench")
    imp = check_import(import_id=imp.pk)
    checked, cpu_checked = time.perf_counter(), time.process_time() - cpu_start
    imp = queue_import(import_id=imp.pk)
    done, cpu = time.perf_counter(), time.process_time() - cpu_start
    if profile_to:
        profiler.disable()
        profiler.dump_stats(profile_to)
    return {"lines": imp.lines_total, "good": imp.lines_good, "bad": imp.lines_bad,
            "queued": imp.rows_queued, "check_s": checked - start, "queue_s": done - checked,
            "cpu_s": cpu, "check_cpu_s": cpu_checked,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_before_mb": rss_before / 1024}


def run_benchmark(*, lines: int, database_url: str | None, out: Any) -> dict[str, Any]:
    root = Path(__file__).resolve().parents[2]
    workdir = Path(tempfile.mkdtemp(prefix="bigin_bench_import_"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIGIN_")}
    env.update({
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'app.sqlite3'}",
        "SANDBOX_DATABASE_URL": f"sqlite:///{workdir / 'sandbox.sqlite3'}",
        "SECRET_KEY": "bench-secret", "BIGIN_UI_DATA_DIR": str(workdir),
        "BIGIN_SANDBOX_ENABLED": "0", "TASKS_BACKEND": "immediate", "LOG_LEVEL": "WARNING",
        "BIGIN_IMPORT_MAX_BYTES": str(1 << 31),
    })
    manage = [sys.executable, str(root / "manage.py")]
    try:
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=root)
        subprocess.run([*manage, "bigin_bench", "--phase", "import-prepare"], env=env,
                       check=True, cwd=root)
        path = workdir / "contacts.csv"
        write_file(path, lines)
        done = subprocess.run([*manage, "bigin_bench", "--phase", "import", "--file", str(path)],
                              env=env, check=True, cwd=root, capture_output=True, text=True)
        figures = json.loads(next(line for line in reversed(done.stdout.splitlines())
                                  if line.startswith("{")))
        figures["file_mb"] = path.stat().st_size / 1_000_000
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    total = figures["check_s"] + figures["queue_s"]
    out.write(
        f"\nImport of {figures['lines']} Contacts lines ({figures['file_mb']:.1f} MB CSV)\n"
        f"  good / bad        {figures['good']} / {figures['bad']}, queued {figures['queued']}\n"
        f"  check (preview)   {figures['check_s']:.1f} s, "
        f"{figures['lines'] / figures['check_s']:.0f} lines/s "
        f"(CPU {figures['check_cpu_s']:.1f} s)\n"
        f"  queue             {figures['queue_s']:.1f} s, "
        f"{figures['queued'] / max(figures['queue_s'], 1e-9):.0f} rows/s "
        f"(CPU {figures['cpu_s'] - figures['check_cpu_s']:.1f} s)\n"
        f"  checked + queued  {total:.1f} s, {figures['lines'] / total:.0f} lines/s\n"
        f"  CPU time          {figures['cpu_s']:.1f} s, {figures['lines'] / figures['cpu_s']:.0f} "
        "lines per CPU second (one process: the rate when it has a core to itself)\n"
        f"  peak memory       {figures['peak_rss_mb']:.0f} MB RSS (before the import "
        f"{figures['rss_before_mb']:.0f} MB)\n"
    )
    out.flush()
    return figures
