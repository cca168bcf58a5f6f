"""OAuth 2.0 against Zoho Accounts: refresh-token grant, grant-code exchange, token caching.

Zoho allows roughly ten access tokens per refresh token per ten minutes and then answers
"Access Denied" for a quarter of an hour, so the access token is cached in a shared store and
refreshed by one process at a time (a lease in the store), five minutes before it expires or
once after Bigin rejects it.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from bigin_ui.bigin.errors import OAuthError, TokenThrottled, TokenUnavailable
from bigin_ui.bigin.reading import read_bounded

log = logging.getLogger(__name__)

REFRESH_MARGIN_SECONDS = 300
LEASE_SECONDS = 30.0
WAIT_FOR_OTHER_REFRESH_SECONDS = 40.0
# Zoho locks a refresh token out after about ten refreshes in ten minutes. Whatever happens
# (a slow or failing accounts server, Bigin rejecting fresh tokens), this connection asks at
# most this many times per window, counted across processes in the token store.
REFRESH_BUDGET = 5
REFRESH_WINDOW_SECONDS = 600.0
FAILURE_PAUSE_SECONDS = 60.0

# Token-endpoint error codes and what a person should do about them.
_OAUTH_MESSAGES = {
    "invalid_code": (
        "Zoho rejected the grant code or refresh token (invalid_code): it was already used, "
        "has expired, or was revoked. Generate a new one in the API console."
    ),
    "invalid_client": (
        "Zoho does not know this client ID (invalid_client). Check the client ID and that the "
        "data centre matches the one the self-client was created in."
    ),
    "invalid_client_secret": "Zoho rejected the client secret (invalid_client_secret).",
    "invalid_redirect_uri": "Zoho rejected the redirect URI (invalid_redirect_uri).",
}


@dataclass(frozen=True)
class CachedToken:
    access_token: str
    expires_at: float  # epoch seconds
    api_domain: str = ""

    def fresh(self, now: float, margin: float = REFRESH_MARGIN_SECONDS) -> bool:
        return bool(self.access_token) and self.expires_at - margin > now


# How long a token read from the store is reused before reading it again. Reading it (and
# decrypting it) before every call was a statement per call; a token refreshed meanwhile by
# another process does not end this one's (Zoho keeps several alive), and a token Bigin
# refuses is named in ``reject``, which skips the memo.
MEMO_SECONDS = 10.0


class TokenStore(Protocol):
    """Shared storage for the current access token plus a refresh lease."""

    def load(self) -> CachedToken | None: ...

    def save(self, token: CachedToken) -> None: ...

    def try_acquire(self, owner: str, seconds: float) -> bool:
        """Take the refresh lease unless someone else holds an unexpired one."""
        ...

    def release(self, owner: str) -> None: ...

    def refresh_attempts(self) -> list[float]:
        """When refreshes were last attempted (epoch seconds), successful or not."""
        ...

    def note_refresh_attempt(self, at: float, keep_after: float) -> None:
        """Record an attempt, forgetting those before ``keep_after``."""
        ...


class MemoryTokenStore:
    """A process-local store, for scripts and unit tests."""

    def __init__(self) -> None:
        self._token: CachedToken | None = None
        self._holder: tuple[str, float] | None = None
        self._attempts: list[float] = []

    def load(self) -> CachedToken | None:
        return self._token

    def save(self, token: CachedToken) -> None:
        self._token = token

    def try_acquire(self, owner: str, seconds: float) -> bool:
        now = time.time()
        if self._holder and self._holder[0] != owner and self._holder[1] > now:
            return False
        self._holder = (owner, now + seconds)
        return True

    def release(self, owner: str) -> None:
        if self._holder and self._holder[0] == owner:
            self._holder = None

    def refresh_attempts(self) -> list[float]:
        return list(self._attempts)

    def note_refresh_attempt(self, at: float, keep_after: float) -> None:
        self._attempts = [t for t in self._attempts if t > keep_after] + [at]


def parse_expires_in(body: dict[str, Any]) -> float:
    """Seconds until expiry; older Zoho answers gave milliseconds plus ``expires_in_sec``."""
    if "expires_in_sec" in body:
        return float(body["expires_in_sec"])
    try:
        return float(body.get("expires_in", 3600))
    except (TypeError, ValueError):
        return 3600.0


def _token_error(body: Any, status: int) -> OAuthError:
    if not isinstance(body, dict):
        return OAuthError(
            f"The accounts server answered HTTP {status} without a token.", status=status,
            code="NO_TOKEN", body=body,
        )
    error = str(body.get("error") or "")
    description = str(body.get("error_description") or "")
    if error == "Access Denied" or "too many requests" in description.lower():
        return TokenThrottled(
            "Zoho is throttling token requests (more than about ten in ten minutes). Wait "
            "15 to 30 minutes before trying again.",
            code="Access Denied", status=status, body=body,
        )
    message = _OAUTH_MESSAGES.get(error) or (
        f"The accounts server refused to issue a token ({error or 'no access_token'}"
        f"{': ' + description if description else ''})."
    )
    return OAuthError(message, code=error or "NO_TOKEN", status=status, body=body)


class OAuthClient:
    """Issues access tokens from a refresh token, sharing them through a TokenStore."""

    def __init__(
        self,
        *,
        accounts_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        store: TokenStore,
        session: requests.Session,
        timeout: tuple[float, float] = (5.0, 30.0),
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        refresh_budget: int = REFRESH_BUDGET,
    ) -> None:
        self.accounts_url = accounts_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.store = store
        self.session = session
        self.timeout = timeout
        self.clock = clock
        self.sleep = sleep
        self.owner = uuid.uuid4().hex
        self.refresh_count = 0  # refreshes this instance made; for tests and diagnostics
        self.refresh_budget = refresh_budget
        # After a failed refresh, callers in this process get the same answer for a while
        # instead of each asking the accounts server again.
        self._failed: tuple[float, TokenUnavailable] | None = None
        # The token last read from the store, reused for MEMO_SECONDS (see there).
        self._memo: tuple[float, CachedToken] | None = None
        # Threads of one process share this client (and its store owner id, which the store's
        # lease lets re-enter): this lock keeps them to one refresh at a time as well.
        self._local = threading.Lock()
        # The store's lease must outlast the slowest token call, or a second process would
        # start its own refresh while the first still waits for its answer.
        self.lease_seconds = max(LEASE_SECONDS, sum(timeout) + 5.0)

    # -- public -------------------------------------------------------------------------

    def token(self, *, reject: str | None = None) -> CachedToken:
        """A usable access token. ``reject`` names a token Bigin just refused (force refresh)."""
        memo = self._memo
        if memo is not None and self.clock() < memo[0] and self._usable(memo[1], reject):
            return memo[1]
        deadline = self.clock() + max(WAIT_FOR_OTHER_REFRESH_SECONDS, self.lease_seconds + 5)
        while True:
            current = self.store.load()
            if self._usable(current, reject):
                assert current is not None
                self._memo = (self.clock() + MEMO_SECONDS, current)
                return current
            with self._local:
                if self.store.try_acquire(self.owner, self.lease_seconds):
                    try:
                        # Another process may have refreshed between our load and the lease.
                        current = self.store.load()
                        if self._usable(current, reject):
                            assert current is not None
                            return current
                        if self._failed and self.clock() < self._failed[0]:
                            raise self._failed[1]
                        self._spend_budget()
                        try:
                            fresh = self._refresh()
                        except TokenUnavailable as exc:
                            self._failed = (self.clock() + FAILURE_PAUSE_SECONDS, exc)
                            raise
                        self._failed = None
                        self.store.save(fresh)
                        self._memo = (self.clock() + MEMO_SECONDS, fresh)
                        return fresh
                    finally:
                        self.store.release(self.owner)
            if self.clock() > deadline:
                raise TokenUnavailable(
                    "Timed out waiting for another process to refresh the Bigin access token.",
                    code="REFRESH_WAIT_TIMEOUT",
                )
            self.sleep(0.05 + random.random() * 0.15)  # noqa: S311 - jitter, not crypto

    def exchange_grant_code(self, code: str) -> dict[str, Any]:
        """Swap a self-client grant code for a refresh token (the code lives a few minutes)."""
        body = self._post_token(
            {
                "grant_type": "authorization_code",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "code": code.strip(),
            }
        )
        if not body.get("refresh_token"):
            raise OAuthError(
                "Zoho issued an access token but no refresh token; generate the grant code "
                "again (self-client codes give a refresh token on first use only).",
                code="NO_REFRESH_TOKEN", body=_redact(body),
            )
        return body

    # -- internals ----------------------------------------------------------------------

    def _spend_budget(self) -> None:
        """Count this attempt before making it (under the lease), or refuse when the window's
        budget is spent."""
        now = self.clock()
        recent = sorted(t for t in self.store.refresh_attempts()
                        if t > now - REFRESH_WINDOW_SECONDS)
        if len(recent) >= self.refresh_budget:
            wait = int(recent[0] + REFRESH_WINDOW_SECONDS - now) + 1
            raise TokenUnavailable(
                f"The access token was already requested {len(recent)} times in the last "
                f"{int(REFRESH_WINDOW_SECONDS // 60)} minutes; to keep Zoho from locking the "
                f"refresh token out, the next request waits about {wait} seconds.",
                code="REFRESH_BUDGET",
            )
        self.store.note_refresh_attempt(now, now - REFRESH_WINDOW_SECONDS)

    def _usable(self, token: CachedToken | None, reject: str | None) -> bool:
        if token is None or not token.fresh(self.clock()):
            return False
        return reject is None or token.access_token != reject

    def _refresh(self) -> CachedToken:
        body = self._post_token(
            {
                "grant_type": "refresh_token",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "refresh_token": self.refresh_token,
            }
        )
        self.refresh_count += 1
        log.info("Refreshed the Bigin access token (expires in %ss)", parse_expires_in(body))
        return CachedToken(
            access_token=str(body["access_token"]),
            expires_at=self.clock() + parse_expires_in(body),
            api_domain=str(body.get("api_domain") or ""),
        )

    def _post_token(self, form: dict[str, str]) -> dict[str, Any]:
        url = f"{self.accounts_url}/oauth/v2/token"
        try:
            response = self.session.post(url, data=form, timeout=self.timeout, stream=True)
            try:
                # Bounded like every call: a token answer is a few hundred bytes.
                content = read_bounded(response, limit=64_000,
                                       deadline=time.perf_counter() + sum(self.timeout))
            finally:
                response.close()
        except Exception as exc:  # noqa: BLE001 - any failure here means no token
            # Whatever happened here, nothing was sent to Bigin yet: no row can be affected.
            if _never_connected(exc):
                raise TokenUnavailable(
                    f"Cannot reach the Zoho accounts server at {self.accounts_url}: {exc}",
                    code="CONNECT_FAILED",
                ) from exc
            raise TokenUnavailable(
                f"The Zoho accounts server at {self.accounts_url} did not give a token "
                f"({_why(exc)}).",
                code="TOKEN_UNAVAILABLE",
            ) from exc
        try:
            body = json.loads(content)
        except ValueError:
            body = content[:500].decode("utf-8", "replace")
        # Zoho reports most token failures with HTTP 200 and an "error" key; only the
        # presence of access_token means success.
        if response.ok and isinstance(body, dict) and isinstance(body.get("access_token"), str) \
                and body["access_token"]:
            return body
        raise _token_error(_redact(body), response.status_code)


def _why(exc: BaseException) -> str:
    if isinstance(exc, requests.Timeout) or "time" in str(exc).lower():
        return "it did not answer in time"
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _redact(body: Any) -> Any:
    if isinstance(body, dict):
        return {
            k: ("***" if k in {"access_token", "refresh_token"} else v) for k, v in body.items()
        }
    return body


def _never_connected(exc: BaseException) -> bool:
    """True when requests failed while opening the connection, before sending anything."""
    import urllib3.exceptions as u3

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (u3.NewConnectionError, u3.ConnectTimeoutError)):
            return True
        if isinstance(current, u3.MaxRetryError) and current.reason is not None:
            current = current.reason
            continue
        current = current.__cause__ or current.__context__ or (
            current.args[0] if current.args and isinstance(current.args[0], BaseException)
            else None
        )
    return False
