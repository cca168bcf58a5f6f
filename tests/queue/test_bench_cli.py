"""bigin_bench's bad input: an error line and a non-zero exit, never a traceback."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command


def test_a_database_that_cannot_be_migrated_is_an_error_line_naming_why():
    # Port 9 (discard) has no PostgreSQL: the child's migrate fails before any measuring.
    with pytest.raises(CommandError) as caught:
        call_command("bigin_bench", "--rows", "10", "--baseline-rows", "0",
                     "--database-url", "postgres://postgres@127.0.0.1:9/none")
    message = str(caught.value)
    assert message.startswith("migrating the benchmark's database failed: "), message
    assert "Traceback" not in message and "\n" not in message, message
    assert "127.0.0.1" in message and "9" in message, message
