"""Run the whole app on one machine: web server and background worker together.

This is the README's one-command start. It migrates, creates the demo logins when running
against the sandbox, starts gunicorn and `db_worker` as child processes, syncs metadata once
the web server answers, prints where to go, and stops both children on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from bigin_ui.cli import port_number
from bigin_ui.metadata.schema import MODULES


class Command(BaseCommand):
    help = "Start the web server and the worker together (Ctrl-C stops both)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        # argparse checks a string default with the type too, so a bad PORT is one line.
        parser.add_argument("--port", type=port_number, default=os.environ.get("PORT", "8000"))
        parser.add_argument("--threads", type=int, default=16)
        parser.add_argument("--no-worker", action="store_true",
                            help="Only the web server (run workers elsewhere).")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        shown_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
        base_url = f"http://{shown_host}:{port}"
        # Another server on the port would answer our start-up check, and the banner would
        # then point at it while our own web server fails to bind: refuse before starting.
        port_in_use(host, port)
        env = os.environ.copy()
        env.setdefault("BIGIN_SANDBOX_URL", f"{base_url}/sandbox")
        settings.BIGIN_SANDBOX_URL = env["BIGIN_SANDBOX_URL"]

        call_command("migrate", interactive=False, verbosity=0)
        call_command("migrate", database="sandbox", interactive=False, verbosity=0)
        # WhiteNoise serves static files from STATIC_ROOT with caching headers (and warns at
        # every start while the directory does not exist).
        call_command("collectstatic", interactive=False, verbosity=0)

        from bigin_ui.connection.services import active_config

        config = active_config()
        logins = ()
        if config.is_sandbox and not os.environ.get("BIGIN_ENTRY_KEYS"):
            # The sandbox has an Entry_Key unique field in every module: use it, so a lost
            # answer is settled by upsert (the safest path) and people never type the key.
            keys = ",".join(f"{m}=Entry_Key" for m in MODULES)
            env["BIGIN_ENTRY_KEYS"] = keys
            settings.BIGIN_ENTRY_KEYS = dict(item.split("=") for item in keys.split(","))
        if config.is_sandbox:
            from bigin_ui.web.demo import ensure_demo_users

            logins = ensure_demo_users()

        children: list[subprocess.Popen[bytes]] = []
        # One gunicorn process with threads: the built-in sandbox keeps per-process counters,
        # and the app calls its own sandbox while serving a page.
        web = [sys.executable, "-m", "gunicorn", "bigin_ui.wsgi:application",
               "--bind", f"{host}:{port}", "--workers", "1", "--threads",
               str(options["threads"]), "--timeout", "120", "--graceful-timeout", "10",
               "--access-logfile", str(settings.DATA_DIR / "access.log"),
               "--log-level", "warning"]
        children.append(subprocess.Popen(web, env=env))
        if not options["no_worker"] and settings.TASKS_BACKEND == "database":
            worker = [sys.executable, "manage.py", "db_worker", "--no-reload",
                      "--interval", "0.5"]
            children.append(subprocess.Popen(worker, env=env, cwd=settings.BASE_DIR))

        def stop(*_: Any, grace: float = 0.0) -> None:
            # After a Ctrl-C the children got the interrupt too and are already stopping; a
            # second signal would make the worker abort its task, so give them a moment.
            deadline = time.monotonic() + grace
            while grace and time.monotonic() < deadline and any(
                    child.poll() is None for child in children):
                time.sleep(0.1)
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()

        signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
        # Started from a script in the background, a process inherits "ignore SIGINT"; then
        # an interrupt would stop the children but not this process. Take it back.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            self._wait_until_up(f"{base_url}/healthz", children)
            self._sync_if_needed(config.is_sandbox)
            self._banner(base_url, config.label, logins)
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            failed = [c.args[2] if len(c.args) > 2 else c.args for c in children
                      if c.poll() is not None]
            stop()
            raise CommandError(f"A process stopped unexpectedly: {failed}")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the web server and the worker …")
            stop(grace=5.0)

    def _wait_until_up(self, url: str, children: list[subprocess.Popen[bytes]]) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(child.poll() is not None for child in children):
                raise CommandError("The web server or worker exited during start-up.")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise CommandError(f"The web server did not answer at {url} within 60 s.")

    def _sync_if_needed(self, sandbox: bool) -> None:
        from bigin_ui.metadata.models import ModuleMetadata

        if sandbox or not ModuleMetadata.objects.exists():
            try:
                call_command("bigin_sync", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
            except CommandError as exc:
                self.stderr.write(f"Metadata sync failed: {exc} (the forms need it; run "
                                  "`python manage.py bigin_sync` once Bigin is reachable).")

    def _banner(self, base_url: str, label: str, logins: tuple[Any, ...]) -> None:
        lines = ["", f"bigin_ui is running at {base_url}/  (sending to: {label})"]
        if logins:
            lines.append("Demo logins (sandbox mode only):")
            lines += [f"  {lg.username} / {lg.password}   ({lg.role})" for lg in logins]
        lines += ["Press Ctrl-C to stop the web server and the worker.", ""]
        self.stdout.write("\n".join(lines))


def port_in_use(host: str, port: int) -> None:
    """Raise a CommandError that says so when ``host:port`` cannot be listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As gunicorn does, so a port left in TIME_WAIT by a stopped server counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {host}:{port} ({exc.strerror}): another server is using "
                f"it. Stop it, or start on another port with --port.") from None
