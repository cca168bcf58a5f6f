"""When a request reached the app, for the sandbox's latency (``latency_ms`` is a call's whole
time, as Bigin's own answer time would be)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

ARRIVED = "bigin_ui.sandbox.arrived"


def arrival_stamp(get_response: Callable[[HttpRequest], HttpResponse]
                  ) -> Callable[[HttpRequest], HttpResponse]:
    """First in the chain: the rest of the app's middleware then counts towards the
    simulated latency instead of coming on top of it."""

    def middleware(request: HttpRequest) -> HttpResponse:
        request.META[ARRIVED] = time.monotonic()
        return get_response(request)

    return middleware
