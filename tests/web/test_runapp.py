"""runapp's start-up refusals (the whole start is exercised by the README's `make run`)."""

from __future__ import annotations

import socket

import pytest
from django.core.management import CommandError, call_command


def test_runapp_refuses_a_port_another_server_listens_on():
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(CommandError, match=f"Cannot listen on 127.0.0.1:{port}.*--port"):
            call_command("runapp", "--port", str(port))
