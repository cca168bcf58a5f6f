"""Running real app processes (workers, scripts) against the test databases."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent


def database_url(alias: str = "default") -> str:
    config = connections[alias].settings_dict
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{config['NAME']}"
    user = config.get("USER") or ""
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{config.get('HOST') or '127.0.0.1'}:{config.get('PORT') or 5432}/" \
           f"{config['NAME']}"


def app_env(sandbox_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIGIN_")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "bigin_ui.settings",
        "DATABASE_URL": database_url("default"),
        "SANDBOX_DATABASE_URL": database_url("sandbox"),
        "SECRET_KEY": settings.SECRET_KEY,
        "BIGIN_SANDBOX_ENABLED": "1",
        "BIGIN_SANDBOX_URL": sandbox_url,
        "TASKS_BACKEND": "database",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "db_worker", "--no-reload", "--interval",
         "0.2", "--no-startup-delay"],
        env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT,
    )


def wait_until(condition: Callable[[], bool], *, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for: {message}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
