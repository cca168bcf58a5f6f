"""What every management command shares: one error line instead of a traceback.

A command that cannot start (a setting it cannot read, a database it cannot open or reach, a
database driver that is not installed) says so in one line on stderr and exits 1, as Django
does for a CommandError. ``--traceback`` still shows the traceback, for whoever debugs it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bigin_ui.env import ConfigError


def port_number(text: str) -> int:
    """An argparse type: a TCP port (0 lets the system pick one)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is between 0 and 65535, not {port}")
    return port


def _startup_problem(exc: BaseException) -> str | None:
    """The one line to print for ``exc``, or None when it is not a start-up problem."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db.utils import InterfaceError, OperationalError

    reason = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, ConfigError):
        return f"Configuration: {reason}"
    if isinstance(exc, (OperationalError, InterfaceError)):
        # Also raised by a command already running ("database is locked" in an import on
        # SQLite, a PostgreSQL restart under db_worker): the reason leads, the hint is for
        # a database that could not be reached at all.
        return (f"The database cannot be used: {reason} (if it cannot be reached at all, "
                "check DATABASE_URL and SANDBOX_DATABASE_URL, and that the database server "
                "is running)")
    if isinstance(exc, ImproperlyConfigured):
        return f"Configuration: {reason}"
    return None


def main(argv: Sequence[str]) -> None:
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(list(argv))
    except Exception as exc:
        line = _startup_problem(exc)
        if line is None or "--traceback" in argv:
            raise
        sys.stderr.write(f"Error: {line}\n")
        sys.exit(1)
