"""Drive the Bigin sandbox over HTTP from tests and scripts, with plain requests only."""

from __future__ import annotations

import os
from typing import Any

import requests

from bigin_ui.sandbox.constants import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_REFRESH_TOKEN,
)

TIMEOUT = 30
TOKEN_HEADER = "X-Sandbox-Control-Token"


def default_control_token() -> str:
    """The install's control token: Django's setting when configured, else the environment."""
    try:
        from django.conf import settings

        return settings.BIGIN_SANDBOX_CONTROL_TOKEN
    except Exception:  # Django not configured: a script beside a server
        return os.environ.get("BIGIN_SANDBOX_CONTROL_TOKEN", "")


class SandboxError(AssertionError):
    """The control API refused a request; the message carries its answer."""


class SandboxControl:
    def __init__(self, base_url: str, *, control_token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self._token: str | None = None
        # The control API takes writes only with the per-install token (or an admin's CSRF).
        self.control_token = control_token if control_token is not None else (
            default_control_token())

    # -- control API ------------------------------------------------------------------------

    def _control(self, method: str, path: str, payload: dict[str, Any] | None = None,
                 **params: Any) -> dict[str, Any]:
        response = self.session.request(
            method, f"{self.base_url}/_control/{path}", json=payload, params=params or None,
            headers={TOKEN_HEADER: self.control_token}, timeout=TIMEOUT)
        if response.status_code != 200:
            raise SandboxError(f"{method} _control/{path}: {response.status_code} "
                               f"{response.text[:500]}")
        return response.json()

    def reset(self) -> dict[str, Any]:
        self._token = None
        return self._control("POST", "reset", {})

    def knobs(self, **changes: Any) -> dict[str, Any]:
        """The knobs after applying ``changes`` (none: just read them)."""
        if not changes:
            return self._control("GET", "knobs")
        if changes.get("expire_tokens"):
            self._token = None
        return self._control("POST", "knobs", changes)

    def stats(self) -> dict[str, Any]:
        return self._control("GET", "stats")

    def records(self, module: str) -> list[dict[str, Any]]:
        return self._control("GET", "records", module=module)["data"]

    def grant_code(self, scope: str | None = None) -> str:
        payload = {"scope": scope} if scope else {}
        return self._control("POST", "grant-code", payload)["code"]

    def fields(self, **payload: Any) -> dict[str, Any]:
        return self._control("POST", "fields", payload)

    # -- OAuth and API ------------------------------------------------------------------------

    def token_response(self, **params: Any) -> requests.Response:
        """A raw POST to the token endpoint with form parameters."""
        return self.session.post(f"{self.base_url}/oauth/v2/token", data=params,
                                 timeout=TIMEOUT)

    def token(self, refresh_token: str = SANDBOX_REFRESH_TOKEN) -> str:
        """A new access token from a refresh-token grant."""
        body = self.token_response(
            grant_type="refresh_token", client_id=SANDBOX_CLIENT_ID,
            client_secret=SANDBOX_CLIENT_SECRET, refresh_token=refresh_token).json()
        if "access_token" not in body:
            raise SandboxError(f"token refused: {body}")
        return body["access_token"]

    def api(self, method: str, path: str, *, token: str | None = None,
            **kwargs: Any) -> requests.Response:
        """Call ``<base>/bigin/v2/<path>`` with an access token (one is fetched and kept)."""
        if token is None:
            if self._token is None:
                self._token = self.token()
            token = self._token
        headers = {"Authorization": f"Zoho-oauthtoken {token}", **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.request(method, f"{self.base_url}/bigin/v2/{path.lstrip('/')}",
                                    headers=headers, **kwargs)
