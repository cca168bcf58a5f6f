"""A hostile upstream for tests: forwards every call to the sandbox (so records really are
stored), then answers writes in a chosen malformed shape, or huge, or a byte at a time."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

# name -> (status, content type, body); None body means "no body at all".
SHAPES: dict[str, tuple[int, str, bytes | None]] = {
    "truncated_json": (201, "application/json", b'{"data":[{"code":"SUCCESS","details":{"id'),
    "html_200": (200, "text/html", b"<!DOCTYPE html><html><body>Bad gateway</body></html>"),
    "data_is_a_string": (201, "application/json", b'{"data":"created"}'),
    "success_without_details": (
        201, "application/json",
        b'{"data":[{"code":"SUCCESS","message":"record added","status":"success"}]}'),
    "absurd_id": (
        201, "application/json",
        b'{"data":[{"code":"SUCCESS","status":"success","details":{"id":"'
        + b"9" * 60 + b'"}}]}'),
    "no_content_204": (204, "application/json", None),
    "html_400": (400, "text/html", b"<html><body>400 Bad Request</body></html>"),
    "empty_object": (201, "application/json", b"{}"),
}


class Hostile:
    """Runs on 127.0.0.1 on a free port; ``mode`` says how writes are answered."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.mode = "pass"
        self.writes = 0
        # Path prefix -> (status, content type, body) answered instead of forwarding.
        self.reads: dict[str, tuple[int, str, bytes | None]] = {}
        # Token requests: counted, and held this long before being forwarded.
        self.token_hits = 0
        self.token_delay = 0.0
        # Upserts (the reconciliation's writes) whose answers are cut too, after Bigin
        # stored them: the next this many.
        self.cut_upserts = 0
        self.session = requests.Session()
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                hostile.forward(self, "GET")

            def do_POST(self) -> None:
                hostile.forward(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def forward(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        if handler.path.startswith("/oauth/"):
            self.token_hits += 1
            if self.token_delay:
                time.sleep(self.token_delay)
        for prefix, (status, kind, payload) in self.reads.items():
            if handler.path.startswith(prefix):
                self.reply(handler, status, kind, payload)
                return
        headers = {k: v for k, v in handler.headers.items()
                   if k.lower() in {"authorization", "content-type"}}
        # The client may hang up (timeouts under test): then there is nothing to answer.
        with contextlib.suppress(OSError):
            self._answer(handler, method, body, headers)

    def _answer(self, handler: BaseHTTPRequestHandler, method: str, body: bytes | None,
                headers: dict[str, str]) -> None:
        answer = self.session.request(method, self.upstream + handler.path, data=body,
                                      headers=headers, timeout=30)
        is_insert = method == "POST" and handler.path.startswith("/bigin/v2/") and \
            "/" not in handler.path[len("/bigin/v2/"):].split("?")[0]
        if is_insert:
            self.writes += 1
        if method == "POST" and handler.path.split("?")[0].endswith("/upsert") and \
                self.cut_upserts > 0:
            self.cut_upserts -= 1
            self._cut(handler, answer)
            return
        if not is_insert or self.mode == "pass":
            self.reply(handler, answer.status_code, answer.headers.get("Content-Type", ""),
                       answer.content)
            return
        if self.mode in SHAPES:
            status, kind, payload = SHAPES[self.mode]
            self.reply(handler, status, kind, payload)
        elif self.mode == "fewer_results":
            data = answer.json()["data"]
            self.reply(handler, 202, "application/json", _json({"data": data[:-1]}))
        elif self.mode == "more_results":
            data = answer.json()["data"]
            self.reply(handler, 202, "application/json", _json({"data": data + data[-1:]}))
        elif self.mode == "cut_mid_body":
            self._cut(handler, answer)
        elif self.mode == "length_not_a_number":
            # "²" passes str.isdigit(); int() refuses it.
            handler.send_response(answer.status_code)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", "\u00b2")
            handler.end_headers()
            handler.wfile.write(answer.content)
            handler.close_connection = True
        elif self.mode == "cut_before_answer":
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
        elif self.mode == "huge_declared":
            handler.send_response(201)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(107_000_000))
            handler.end_headers()
            handler.wfile.write(b'{"data":[' + b" " * 10_000)
            handler.close_connection = True
        elif self.mode == "huge_chunked":
            self.stream(handler, _endless(b'{"data":[' , b" " * 65_536), pause=0)
        elif self.mode == "drip":
            self.stream(handler, _endless(b"", b" "), pause=2.0)
        else:
            raise AssertionError(self.mode)

    @staticmethod
    def _cut(handler: BaseHTTPRequestHandler, answer: requests.Response) -> None:
        """Bigin's real answer starts, then the connection drops with bytes still owed."""
        handler.send_response(answer.status_code)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(answer.content)))
        handler.end_headers()
        handler.wfile.write(answer.content[: len(answer.content) // 2])
        handler.wfile.flush()
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def reply(handler: BaseHTTPRequestHandler, status: int, kind: str,
              payload: bytes | None) -> None:
        handler.send_response(status)
        if kind:
            handler.send_header("Content-Type", kind)
        if payload is None:
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    @staticmethod
    def stream(handler: BaseHTTPRequestHandler, chunks: Iterator[bytes], *,
               pause: float) -> None:
        handler.send_response(201)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        handler.close_connection = True
        stop_at = time.monotonic() + 60
        try:
            for chunk in chunks:
                if time.monotonic() > stop_at:
                    return
                handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                handler.wfile.flush()
                if pause:
                    time.sleep(pause)
        except OSError:
            return  # the client hung up, as it should


def _endless(first: bytes, then: bytes) -> Iterator[bytes]:
    if first:
        yield first
    while True:
        yield then


def _json(value: object) -> bytes:
    import json

    return json.dumps(value).encode()


def point_app_at(settings, hostile: Hostile, sandbox_url: str) -> None:
    """The app's connection goes through ``hostile`` (API calls and tokens alike).

    The app still believes it talks to its sandbox, so the sandbox's control API stays open
    to the tests (it is admins-only once the app is connected to a real org).
    """
    assert hostile.upstream == sandbox_url.rstrip("/")
    settings.BIGIN_SANDBOX_URL = hostile.url
