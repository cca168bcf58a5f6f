"""Fault knobs: their defaults and checks, the concurrency gate, latency and dropped answers."""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

from django.http import StreamingHttpResponse

log = logging.getLogger(__name__)

KNOB_DEFAULTS: dict[str, Any] = {
    "latency_ms": 0,
    "max_concurrency": 0,
    "rate_429": 0.0,
    "rate_500": 0.0,
    "rate_drop": 0.0,
    "drop_mode": "mid_body",
    "token_ttl_seconds": 3600,
    "token_throttle": True,
    "token_throttle_limit": 10,
    "strict_picklists": True,
    "multi_status": 202,
    "search_lag_seconds": 0.0,
    "seed": None,
    # Answer every write with this request-level refusal ("" = off): Bigin's credit
    # exhaustion (seen as any of three codes across Zoho builds) or a missing scope/permission.
    "refuse_writes": "",
}
REFUSALS: dict[str, tuple[int, str, dict[str, Any]]] = {
    "LIMIT_REACHED": (400, "API limit reached for the day", {}),
    "LIMIT_EXCEEDED": (400, "the API credit limit has been exceeded", {}),
    "MAX_DAILY_CALLS_EXCEEDED": (400, "maximum daily API calls exceeded", {}),
    "OAUTH_SCOPE_MISMATCH": (401, "invalid oauth scope to access this URL", {}),
    "NO_PERMISSION": (403, "permission denied", {"permissions": ["Create {module}"]}),
}
# Actions are accepted by POST knobs but not stored.
KNOB_ACTIONS = frozenset({"expire_tokens"})
DROP_MODES = ("mid_body", "before_headers")


class KnobError(ValueError):
    def __init__(self, knob: str, reason: str) -> None:
        super().__init__(f"{knob}: {reason}")
        self.knob = knob
        self.reason = reason


def _number(name: str, value: Any, *, integer: bool, low: float, high: float | None) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise KnobError(name, "must be a number")
    if integer and not float(value).is_integer():
        raise KnobError(name, "must be a whole number")
    if value < low or (high is not None and value > high):
        raise KnobError(name, f"must be between {low} and {high}" if high else f">= {low}")
    return int(value) if integer else float(value)


def clean_knobs(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes, checked and typed; KnobError names the first bad one."""
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if name in KNOB_ACTIONS:
            if not isinstance(value, bool):
                raise KnobError(name, "must be true or false")
            cleaned[name] = value
        elif name not in KNOB_DEFAULTS:
            raise KnobError(name, "unknown knob")
        elif name in {"rate_429", "rate_500", "rate_drop"}:
            cleaned[name] = _number(name, value, integer=False, low=0, high=1)
        elif name in {"latency_ms", "max_concurrency"}:
            cleaned[name] = _number(name, value, integer=True, low=0, high=None)
        elif name == "token_ttl_seconds" or name == "token_throttle_limit":
            cleaned[name] = _number(name, value, integer=True, low=1, high=None)
        elif name == "search_lag_seconds":
            cleaned[name] = _number(name, value, integer=False, low=0, high=None)
        elif name in {"token_throttle", "strict_picklists"}:
            if not isinstance(value, bool):
                raise KnobError(name, "must be true or false")
            cleaned[name] = value
        elif name == "multi_status":
            if value not in (202, 207) or isinstance(value, bool):
                raise KnobError(name, "must be 202 or 207")
            cleaned[name] = int(value)
        elif name == "drop_mode":
            if value not in DROP_MODES:
                raise KnobError(name, f"must be one of {', '.join(DROP_MODES)}")
            cleaned[name] = value
        elif name == "refuse_writes":
            if value != "" and value not in REFUSALS:
                raise KnobError(name, "must be empty or one of " + ", ".join(REFUSALS))
            cleaned[name] = value
        elif name == "seed":
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise KnobError(name, "must be an integer or null")
            cleaned[name] = value
    return cleaned


def effective(stored: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults overlaid with the stored knobs (private "_" keys ride along for roll())."""
    return {**KNOB_DEFAULTS, **{k: v for k, v in stored.items()
                                if k in KNOB_DEFAULTS or k.startswith("_")}}


def public(knobs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in knobs.items() if not k.startswith("_")}


def refusal(knobs: Mapping[str, Any], module: str) -> tuple[int, dict[str, Any]] | None:
    """The status and Bigin-shaped error body the refuse_writes knob asks for, if any."""
    code = knobs.get("refuse_writes") or ""
    if code not in REFUSALS:
        return None
    status, message, details = REFUSALS[code]
    details = {k: [v.format(module=module) for v in vs] for k, vs in details.items()}
    return status, {"code": code, "details": details, "message": message, "status": "error"}


# -- randomness ---------------------------------------------------------------------------------

_rng_lock = threading.Lock()
_rng = random.Random()
_rng_seed: object = object()


def roll(knobs: Mapping[str, Any], rate: float) -> bool:
    """True with probability ``rate``.

    Setting the seed knob (even to the value it had) restarts the sequence, so a run is
    reproducible per process; ``_seed_version`` changes on every such setting.
    """
    global _rng_seed
    if rate <= 0:
        return False
    if rate >= 1:
        return True
    with _rng_lock:
        marker = (knobs.get("seed"), knobs.get("_seed_version"))
        if marker != _rng_seed:
            _rng_seed = marker
            _rng.seed(knobs.get("seed"))
        return _rng.random() < rate


# -- concurrency --------------------------------------------------------------------------------


class Gate:
    """Counts bigin/v2 requests in flight in this process.

    The count is per process: a sandbox served by several processes caps each one separately.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_flight = 0

    def enter(self, limit: int) -> int | None:
        """The number in flight including this one, or None when that would exceed ``limit``."""
        with self._lock:
            if limit and self.in_flight >= limit:
                return None
            self.in_flight += 1
            return self.in_flight

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


GATE = Gate()


def sleep_remainder(started: float, latency_ms: int) -> None:
    remaining = latency_ms / 1000 - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


# -- dropped answers ----------------------------------------------------------------------------


def client_socket(environ: Mapping[str, Any]) -> socket.socket | None:
    """The client's socket under gunicorn or Django's own servers (runserver, live_server)."""
    sock = environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        return sock
    # Django's servers: wsgi.input is a LimitedStream over the socket's buffered reader.
    stream: Any = environ.get("wsgi.input")
    for _ in range(6):
        if stream is None:
            return None
        if isinstance(stream, socket.socket):
            return stream
        sock = getattr(stream, "_sock", None)
        if isinstance(sock, socket.socket):
            return sock
        inner = getattr(stream, "raw", None)
        if inner is None:
            inner = getattr(getattr(stream, "_read", None), "__self__", None)
        stream = inner
    return None


def send_promptly(environ: Mapping[str, Any]) -> None:
    """Turn off Nagle's algorithm on this connection.

    Django's own servers write the headers and the body in separate sends; with Nagle and the
    client's delayed ACK every answer would wait ~40 ms, which swamps latency_ms and makes the
    test suite crawl. Servers that already do this (gunicorn) are unaffected.
    """
    sock = client_socket(environ)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def dropped_response(
    body: bytes, environ: Mapping[str, Any], mode: str
) -> StreamingHttpResponse:
    """An answer that never arrives whole.

    ``mid_body``: the status line, headers and a few bytes of the JSON go out, then the
    connection is shut although Content-Length promised the full body (requests raises
    ChunkedEncodingError). ``before_headers``: the connection is shut before anything is
    written (requests raises ConnectionError).
    """
    sock = client_socket(environ)

    def stream() -> Iterator[bytes]:
        if mode == "mid_body":
            yield body[: max(1, min(24, len(body) // 3))]
        if sock is None:
            # No socket to cut: fail the response so the server drops it as best it can.
            raise ConnectionAbortedError("sandbox dropped the answer")
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            log.debug("socket already closed", exc_info=True)

    response = StreamingHttpResponse(stream(), status=201,
                                     content_type="application/json;charset=UTF-8")
    response["Content-Length"] = str(len(body))
    return response
