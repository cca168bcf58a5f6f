"""CSV formula injection: neutralise cells on the way out, restore them on the way in.

A spreadsheet program opening a CSV runs a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula (``=HYPERLINK(…)``, ``+cmd|' /C calc'!A0``), and a leading tab or carriage
return hides such a start from naive checks. OWASP's advice
(https://owasp.org/www-community/attacks/CSV_Injection): prefix such cells with a single
quote, which the spreadsheet shows as text, and let the CSV writer quote the cell.

The pair is exact: ``restore(neutralise(v)) == v`` for every string, so a file exported here
and imported again gives back the values that were exported. To keep it exact, a value that
already starts with quotes before a trigger character gets one more quote too (``'=x`` is
written ``''=x``), and ``restore`` takes exactly one quote off such cells only. The cost,
stated plainly: a cell that someone typed as ``'=x`` in their own spreadsheet imports as
``=x``.

Plain Python, no Django: the exports, the import reader and the rejected-lines file use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_WAS_QUOTED = re.compile(r"''*[=+\-@\t\r]")


def neutralise(value: str) -> str:
    """``value`` as a spreadsheet will show it as text, never run it as a formula."""
    return "'" + value if _NEEDS_QUOTE.match(value) else value


def restore(value: str) -> str:
    """The value ``neutralise`` was given (other values pass unchanged)."""
    return value[1:] if _WAS_QUOTED.match(value) else value


def neutralise_row(cells: Iterable[Any]) -> list[Any]:
    """Each text cell neutralised; numbers and other values pass unchanged."""
    return [neutralise(c) if isinstance(c, str) else c for c in cells]


def restore_row(cells: Iterable[Any]) -> list[Any]:
    return [restore(c) if isinstance(c, str) else c for c in cells]
