"""Reading an answer body within bounds: a maximum size and a deadline for the whole call."""

from __future__ import annotations

import contextlib
import time

import requests
import urllib3


class TooMuch(Exception):
    """The answer was larger than allowed or took longer than the call's deadline."""

    def __init__(self, message: str, *, status: int, head: str) -> None:
        super().__init__(message)
        self.status = status
        self.head = head
        self.duration = 0.0


def read_bounded(response: requests.Response, *, limit: int, deadline: float) -> bytes:
    """The body, read as it arrives, never more than ``limit`` bytes nor past ``deadline``
    (a perf_counter time)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise TooMuch(f"Bigin's answer was {int(declared):,} bytes, more than the "
                       f"{limit:,} allowed (BIGIN_MAX_ANSWER_BYTES); it was not read.",
                       status=response.status_code, head="")
    raw = response.raw
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.perf_counter() > deadline:
            raise _late(response, chunks, size)
        # No single read may wait past the deadline either (the read timeout alone would let
        # the last one run over by a whole timeout).
        _limit_wait(raw, deadline - time.perf_counter())
        try:
            # read1 returns what one socket read gives, so a drip is seen byte by byte and
            # the deadline above is checked between them.
            chunk = raw.read1(65536, decode_content=True)
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
            if time.perf_counter() >= deadline - 0.2:
                raise _late(response, chunks, size) from None
            raise
        if not chunk:
            break  # the end of the body (read1 returns nothing only there)
        size += len(chunk)
        if size > limit:
            head = b"".join(chunks)[:2000].decode("utf-8", "replace")
            raise TooMuch(f"Bigin's answer grew past the {limit:,} bytes allowed "
                           "(BIGIN_MAX_ANSWER_BYTES); it was not read to the end.",
                           status=response.status_code, head=head)
        chunks.append(chunk)
    return b"".join(chunks)


def _limit_wait(raw: object, seconds: float) -> None:
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is None:
        return
    with contextlib.suppress(OSError, ValueError):
        current = sock.gettimeout()
        wait = max(seconds, 0.05)
        if current is None or current > wait:
            sock.settimeout(wait)


def _late(response: requests.Response, chunks: list[bytes], size: int) -> TooMuch:
    head = b"".join(chunks)[:2000].decode("utf-8", "replace")
    return TooMuch(f"Bigin's answer was still arriving ({size:,} bytes) when the call's time "
                   "ran out (BIGIN_CALL_DEADLINE_SECONDS); it was not read to the end.",
                   status=response.status_code, head=head)
