"""Small request/response helpers shared by the views."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def cursor_args(request: HttpRequest) -> dict[str, object]:
    """Where a keyset-paged list starts: ``after``/``before`` cursors or the last page."""
    return {"after": request.GET.get("after", "")[:64],
            "before": request.GET.get("before", "")[:64],
            "last": request.GET.get("page") == "last"}


def filter_query(request: HttpRequest, *, drop: tuple[str, ...] = ()) -> str:
    """The request's filters as a query string, without paging (for links to other pages)."""
    skip = {"page", "after", "before", *drop}
    return urlencode([(k, v) for k, v in request.GET.items() if k not in skip and v])
