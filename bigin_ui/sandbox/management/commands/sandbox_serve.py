"""Serve the whole app (the sandbox under /sandbox/) on a port, threaded, without autoreload.

For benchmarks and multi-process tests that need a Bigin to talk to:
``manage.py sandbox_serve --host 127.0.0.1 --port 8765``.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.core.servers import basehttp
from django.core.servers.basehttp import WSGIServer, get_internal_wsgi_application

from bigin_ui.cli import port_number


class _Server(WSGIServer):
    # Benchmarks open many connections at once; Django's default backlog of 10 refuses some.
    request_queue_size = 128


class Command(BaseCommand):
    help = "Run the app with its Bigin sandbox on a port (threaded, no autoreload)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=port_number, default=8765)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        call_command("migrate", database="sandbox", interactive=False, verbosity=0)
        handler = get_internal_wsgi_application()
        display = f"[{host}]" if ":" in host else host
        self.stdout.write(f"Bigin sandbox at http://{display}:{port}/sandbox", ending="\n")
        self.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            basehttp.run(host, port, handler, ipv6=":" in host, threading=True,
                         server_cls=_Server)
