"""Exceptions for request-level failures.

Per-record outcomes of a write are *not* exceptions: they are results (see results.py), because
one call can create some records and reject others.
"""

from __future__ import annotations

from typing import Any


class BiginError(Exception):
    """A call did not produce per-record results."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        status: int | None = None,
        details: dict[str, Any] | None = None,
        body: Any = None,
        duration: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.details = details or {}
        self.body = body
        self.duration = duration

    def __str__(self) -> str:
        prefix = f"{self.code}: " if self.code else ""
        return f"{prefix}{self.message}"


class OAuthError(BiginError):
    """The accounts server refused to issue a token (often with HTTP 200 and an error body)."""


class TokenThrottled(OAuthError):
    """Zoho's "too many requests continuously" answer on the token endpoint."""

    retryable = True


class TransportError(BiginError):
    """The request never reached the server (DNS, refused connection, connect timeout).

    Safe to send again: nothing can have been created.
    """

    retryable = True


class TokenUnavailable(OAuthError, TransportError):
    """No access token could be had: the accounts server was unreachable, too slow, answered
    something unreadable, or this connection used up its refresh budget.

    Raised before any request to Bigin left, so nothing was sent: rows stay pending.
    """

    retryable = True


class AmbiguousOutcome(BiginError):
    """The request was sent but no complete answer came back (read timeout, dropped connection).

    Records may or may not exist in Bigin now; never re-insert blindly.
    """


class UnreadableAnswer(AmbiguousOutcome):
    """Bigin (or something in front of it) answered a write, but not with a per-record answer
    that can be read: truncated or non-JSON body, 204, a body too large or too slow to read.

    The records may have been stored; like a lost answer, the rows are reconciled.
    """


class MalformedAnswer(BiginError):
    """A read (metadata, users) answered something that is not the list it should be; the
    caller must change nothing on the strength of it."""


class AuthenticationError(BiginError):
    """401: the access token was rejected (INVALID_TOKEN, AUTHENTICATION_FAILURE)."""


class ScopeError(BiginError):
    """401 OAUTH_SCOPE_MISMATCH or 403 NO_PERMISSION: the token lacks a scope or permission."""


class InvalidModuleError(BiginError):
    """400 INVALID_MODULE."""


class RecordLimitError(BiginError):
    """More records in one call than Bigin accepts (the client refuses before sending)."""


class CreditsExhausted(BiginError):
    """LIMIT_REACHED / LIMIT_EXCEEDED / MAX_DAILY_CALLS_EXCEEDED: the org's API credits for the
    rolling 24 hours are used up. Nothing was created; calling again only fails again."""


class RateLimited(BiginError):
    """429 TOO_MANY_REQUESTS (concurrency or credits)."""

    retryable = True


class ServerError(BiginError):
    """5xx from Bigin with no per-record data: the call as a whole failed and may be resent."""

    retryable = True


class RequestError(BiginError):
    """Any other request-level 4xx (bad body, missing parameter, unknown URL)."""
