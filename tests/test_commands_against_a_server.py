"""The scripts' commands end to end against a separate Bigin-compatible server, reached only
through the BIGIN_* variables: OAuth refresh, metadata, import, submit, export."""

from __future__ import annotations

import csv
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from bigin_ui.sandbox.constants import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_REFRESH_TOKEN,
)
from tests.processes import ROOT

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "server-secret",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'server-app.sqlite3'}",
           "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'server.sqlite3'}",
           "BIGIN_SANDBOX_ENABLED": "1", "BIGIN_UI_DATA_DIR": str(tmp_path / "server")}
    process = subprocess.Popen([sys.executable, "manage.py", "sandbox_serve", "--port",
                                str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/sandbox"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/_control/stats", timeout=2)  # noqa: S310
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)


def run(args, env, **kwargs):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, **kwargs)


def test_sync_import_submit_export_against_a_bigin_compatible_server(server, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin", "SECRET_KEY": "app-secret",
        "BIGIN_UI_DATA_DIR": str(tmp_path / "app"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
        "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "BIGIN_SANDBOX_ENABLED": "0",
        "BIGIN_CLIENT_ID": SANDBOX_CLIENT_ID, "BIGIN_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
        "BIGIN_REFRESH_TOKEN": SANDBOX_REFRESH_TOKEN,
        "BIGIN_API_DOMAIN": server, "BIGIN_ACCOUNTS_URL": server,
        "BIGIN_RETRY_BASE_SECONDS": "0.05",
    }
    assert run(["migrate", "-v0"], env).returncode == 0
    made = run(["shell", "-c", "from django.contrib.auth.models import User; "
                "User.objects.create_user('importer')"], env)
    assert made.returncode == 0, made.stderr

    synced = run(["bigin_sync"], env)
    assert synced.returncode == 0, synced.stderr
    assert "Contacts:" in synced.stdout and "Bigin US" in synced.stdout

    people = tmp_path / "people.csv"
    people.write_text(
        "Last Name,Email,Company Name\n"
        "Okafor,chidi.okafor@example.com,\n"
        # A company ID the server does not have: our form cannot know, the server says so.
        "Nowhere,no.where@example.com,2034020000009999999\n",
        encoding="utf-8",
    )
    imported = run(["bigin_import", "--module", "Contacts", "--user", "importer",
                    str(people)], env)
    assert imported.returncode == 0, imported.stderr
    assert "Queued 2 Contacts row(s); rejected 0." in imported.stdout

    submitted = run(["bigin_submit", "--wait"], env)
    assert submitted.returncode == 1  # one row was rejected by the server
    assert "created 1, failed 1" in submitted.stdout

    out = tmp_path / "rows.csv"
    exported = run(["bigin_export", str(out)], env)
    assert exported.returncode == 0, exported.stderr
    rows = {r["Last_Name"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["Okafor"]["status"] == "created" and len(rows["Okafor"]["bigin_id"]) == 19
    assert (rows["Nowhere"]["status"], rows["Nowhere"]["error_code"],
            rows["Nowhere"]["error_field"]) == ("failed", "INVALID_DATA", "Account_Name")


def test_commands_fail_with_a_clear_line_when_the_server_refuses_the_token(server, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin", "SECRET_KEY": "app-secret",
        "BIGIN_UI_DATA_DIR": str(tmp_path / "app"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
        "BIGIN_SANDBOX_ENABLED": "0",
        "BIGIN_CLIENT_ID": SANDBOX_CLIENT_ID, "BIGIN_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
        "BIGIN_REFRESH_TOKEN": "1000.revoked", "BIGIN_API_DOMAIN": server,
        "BIGIN_ACCOUNTS_URL": server,
    }
    assert run(["migrate", "-v0"], env).returncode == 0
    synced = run(["bigin_sync"], env)
    assert synced.returncode == 1
    assert "invalid_code" in synced.stderr
    assert "Traceback" not in synced.stderr


# A command that cannot start says why in one line (stderr) and exits non-zero: a database
# URL it cannot parse, reach, open or drive, a setting it cannot read, a port that is none.
BAD_STARTS = {
    "unparsable database URL": (["bigin_export", "out.csv"], {"DATABASE_URL": "nonsense"},
                                "DATABASE_URL is not a database URL this app can use"),
    "malformed database URL": (["bigin_submit"],
                               {"SANDBOX_DATABASE_URL": "postgres://a@h:port/x"},
                               "SANDBOX_DATABASE_URL is not a database URL"),
    "database server down": (["bigin_export", "out.csv"],
                             {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/x"},
                             "The database cannot be used"),
    "database file cannot be created": (["bigin_submit"],
                                        {"DATABASE_URL": "sqlite:////nonexistent/dir/x.db"},
                                        "The database cannot be used"),
    "driver not installed": (["bigin_sync"], {"DATABASE_URL": "mysql://a@b/c"},
                             "mysqlclient"),
    "unreadable setting": (["bigin_sync"], {"BIGIN_BATCH_SIZE": "many"},
                           "BIGIN_BATCH_SIZE must be a whole number"),
    "data directory that cannot be made": (["bigin_submit"],
                                           {"BIGIN_UI_DATA_DIR": "/dev/null/bigin"},
                                           "point BIGIN_UI_DATA_DIR at a directory"),
    "port out of range": (["runapp", "--port", "99999999"], {},
                          "a port is between 0 and 65535"),
    "PORT not a number": (["runapp"], {"PORT": "http"}, "not a port number: 'http'"),
    "sandbox port not a number": (["sandbox_serve", "--port", "x"], {}, "not a port number"),
}


@pytest.mark.parametrize("case", list(BAD_STARTS))
def test_a_command_that_cannot_start_says_why_in_one_line(case, tmp_path):
    args, extra, words = BAD_STARTS[case]
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "app-secret",
           "BIGIN_UI_DATA_DIR": str(tmp_path / "app"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
           "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.sqlite3'}", **extra}
    args = [str(tmp_path / a) if a == "out.csv" else a for a in args]
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()[-1]) < 400  # a line, not a dump
