"""`manage.py sandbox_serve` runs the app with its sandbox on a port, in its own process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.sandbox_control import SandboxControl

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sandbox_serve_creates_its_tables_and_answers(tmp_path):
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bigin_ui.settings",
           "BIGIN_UI_DATA_DIR": str(tmp_path), "SECRET_KEY": "serve-test",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
           "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.sqlite3'}",
           "BIGIN_SANDBOX_ENABLED": "1", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "sandbox_serve", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        banner = server.stdout.readline().strip()
        assert banner == f"Bigin sandbox at http://127.0.0.1:{port}/sandbox"
        base = f"http://127.0.0.1:{port}/sandbox"
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{base}/_control/stats", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "sandbox_serve never answered"
                time.sleep(0.1)
        control = SandboxControl(base)
        response = control.api("POST", "Contacts", json={"data": [{"Last_Name": "Served"}]})
        assert response.status_code == 201
        assert control.stats()["records_created"] == 1
    finally:
        server.terminate()
        server.wait(timeout=10)
