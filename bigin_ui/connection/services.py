"""Which Bigin the app talks to, and a ready client for it.

Precedence: BIGIN_* environment variables, then the connection saved on the connection page,
then the built-in sandbox.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import requests
from django.conf import settings
from django.db import connections, router

from bigin_ui.bigin.auth import OAuthClient
from bigin_ui.bigin.client import BiginClient, Observer, new_session
from bigin_ui.bigin.datacenters import DATA_CENTRES, data_centre
from bigin_ui.connection.crypto import decrypt, fingerprint
from bigin_ui.connection.models import SavedConnection
from bigin_ui.connection.token_store import DatabaseTokenStore
from bigin_ui.sandbox.constants import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_REFRESH_TOKEN,
)


@dataclass(frozen=True)
class ConnectionConfig:
    source: str  # "environment", "saved" or "sandbox"
    dc: str
    api_domain: str  # "" = use the api_domain Zoho returns with the token
    accounts_url: str
    client_id: str
    client_secret: str
    refresh_token: str
    web_url: str

    @property
    def is_sandbox(self) -> bool:
        return self.source == "sandbox"

    @property
    def label(self) -> str:
        if self.is_sandbox:
            return "Sandbox"
        where = DATA_CENTRES[self.dc].name if self.dc in DATA_CENTRES else self.dc
        return f"Bigin {self.dc.upper()} ({where})"

    @property
    def cache_key(self) -> str:
        return fingerprint(self.accounts_url, self.client_id, self.refresh_token)


def sandbox_config() -> ConnectionConfig:
    base = settings.BIGIN_SANDBOX_URL
    return ConnectionConfig(
        source="sandbox",
        dc="us",
        api_domain=base,
        accounts_url=base,
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
        refresh_token=SANDBOX_REFRESH_TOKEN,
        web_url=base,
    )


def environment_config() -> ConnectionConfig | None:
    if not (settings.BIGIN_CLIENT_ID and settings.BIGIN_REFRESH_TOKEN):
        return None
    dc = data_centre(settings.BIGIN_DC)
    return ConnectionConfig(
        source="environment",
        dc=dc.code,
        api_domain=settings.BIGIN_API_DOMAIN,
        accounts_url=settings.BIGIN_ACCOUNTS_URL or dc.accounts_url,
        client_id=settings.BIGIN_CLIENT_ID,
        client_secret=settings.BIGIN_CLIENT_SECRET,
        refresh_token=settings.BIGIN_REFRESH_TOKEN,
        web_url=dc.web_url,
    )


# What saved_config reads of the saved connection.
_SAVED_COLUMNS = ("mode", "dc", "client_id", "client_secret_enc", "refresh_token_enc",
                  "accounts_url", "api_domain")


def _saved_values() -> dict[str, str] | None:
    """The saved connection's row as plain values, or None.

    The statement SavedConnection.objects.filter(pk=1).first() wrote, written once: every
    page's navigation reads the active connection, and building the query and the model cost
    a page 0.3-1 ms, several times the statement itself (as queue.credits.used_last_24h).
    """
    meta = SavedConnection._meta
    connection = connections[router.db_for_read(SavedConnection)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in _SAVED_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {quote(meta.db_table)} "
                       f"WHERE {quote(meta.pk.column)} = %s", [1])
        found = cursor.fetchone()
    return None if found is None else dict(zip(_SAVED_COLUMNS, found, strict=True))


def saved_config() -> ConnectionConfig | None:
    saved = _saved_values()
    if saved is None or saved["mode"] != SavedConnection.Mode.LIVE:
        return None
    refresh_token = decrypt(saved["refresh_token_enc"])
    if not (saved["client_id"] and refresh_token):
        return None
    dc = data_centre(saved["dc"])
    return ConnectionConfig(
        source="saved",
        dc=dc.code,
        api_domain=saved["api_domain"],
        accounts_url=saved["accounts_url"] or dc.accounts_url,
        client_id=saved["client_id"],
        client_secret=decrypt(saved["client_secret_enc"]),
        refresh_token=refresh_token,
        web_url=dc.web_url,
    )


def active_config() -> ConnectionConfig:
    return environment_config() or saved_config() or sandbox_config()


_session_lock = threading.Lock()
_session: requests.Session | None = None


def shared_session() -> requests.Session:
    """One requests.Session per process, sized for the configured concurrency."""
    global _session
    with _session_lock:
        if _session is None:
            _session = new_session(pool_size=settings.BIGIN_MAX_CONCURRENCY + 4)
        return _session


def build_client(
    *, config: ConnectionConfig | None = None, observer: Observer | None = None
) -> BiginClient:
    config = config or active_config()
    timeout = (settings.BIGIN_CONNECT_TIMEOUT, settings.BIGIN_READ_TIMEOUT)
    session = shared_session()
    auth = OAuthClient(
        accounts_url=config.accounts_url,
        client_id=config.client_id,
        client_secret=config.client_secret,
        refresh_token=config.refresh_token,
        store=DatabaseTokenStore(config.cache_key),
        session=session,
        # Zoho's token endpoint answers in a second or two; never wait on it longer than on
        # Bigin itself.
        timeout=(settings.BIGIN_CONNECT_TIMEOUT, min(30.0, settings.BIGIN_READ_TIMEOUT)),
        refresh_budget=settings.BIGIN_REFRESH_BUDGET,
    )
    return BiginClient(
        auth=auth,
        session=session,
        api_domain=config.api_domain,
        timeout=timeout,
        observer=observer,
        max_answer_bytes=settings.BIGIN_MAX_ANSWER_BYTES,
        deadline=settings.BIGIN_CALL_DEADLINE_SECONDS,
    )

