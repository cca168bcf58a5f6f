"""Connecting an org from the connection page: saving credentials, testing, syncing."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from bigin_ui.bigin.auth import MemoryTokenStore, OAuthClient
from bigin_ui.bigin.datacenters import data_centre
from bigin_ui.bigin.errors import BiginError
from bigin_ui.connection.crypto import decrypt, encrypt
from bigin_ui.connection.models import SavedConnection
from bigin_ui.connection.services import active_config, build_client, shared_session

# What to tick in Zoho's API console for the self-client (Add Records, metadata, search, users).
REQUIRED_SCOPES = (
    ("ZohoBigin.modules.ALL", "create records and search them (all modules)"),
    ("ZohoBigin.settings.ALL", "read fields, layouts and tags metadata"),
    ("ZohoBigin.users.READ", "list users (owners, participants)"),
    ("ZohoBigin.org.READ", "read the org (for links into Bigin)"),
    ("ZohoSearch.securesearch.READ", "needed by Bigin's search API"),
)


class SetupError(ValueError):
    """Settings that cannot work as given; the message says what to do."""


def saved_connection() -> SavedConnection:
    saved, _ = SavedConnection.objects.get_or_create(pk=1)
    return saved


@transaction.atomic
def save_connection(
    *,
    actor: AbstractBaseUser,
    mode: str,
    dc: str,
    client_id: str = "",
    client_secret: str = "",
    grant_code: str = "",
    accounts_url: str = "",
    api_domain: str = "",
) -> SavedConnection:
    """Store the settings; a grant code is exchanged for a refresh token right away.

    Raises BiginError when Zoho refuses the code and SetupError when a real org would have no
    refresh token; either way nothing is saved.
    """
    saved = SavedConnection.objects.select_for_update().get_or_create(pk=1)[0]
    secret = client_secret or decrypt(saved.client_secret_enc)
    if grant_code:
        oauth = OAuthClient(
            accounts_url=accounts_url or data_centre(dc).accounts_url,
            client_id=client_id, client_secret=secret, refresh_token="",
            store=MemoryTokenStore(), session=shared_session(),
        )
        body = oauth.exchange_grant_code(grant_code)
        saved.refresh_token_enc = encrypt(str(body["refresh_token"]))
        saved.scope = str(body.get("scope") or "")
        if not api_domain and body.get("api_domain") and accounts_url:
            api_domain = str(body["api_domain"])
    if client_id != saved.client_id and not grant_code:
        # A refresh token belongs to one client; without a new code it no longer applies.
        saved.refresh_token_enc = ""
    if mode == SavedConnection.Mode.LIVE and not saved.refresh_token_enc:
        # Without a refresh token the app would quietly go on sending to the sandbox.
        raise SetupError("Paste a grant code: no refresh token is stored for this client ID "
                         "yet.")
    saved.mode = mode
    saved.dc = dc
    saved.client_id = client_id
    saved.client_secret_enc = encrypt(secret) if secret else ""
    saved.accounts_url = accounts_url
    saved.api_domain = api_domain
    saved.updated_by = actor
    saved.save()
    return saved


@dataclass
class Step:
    name: str
    ok: bool
    detail: str


def test_connection() -> list[Step]:
    """Refresh a token, read users and one module's fields; say what worked."""
    config = active_config()
    client = build_client(config=config)
    steps: list[Step] = []
    try:
        cached = client.auth.store.load()
        # Force a refresh: the point is to prove the refresh token still works.
        token = client.auth.token(reject=cached.access_token if cached else None)
        steps.append(Step("OAuth token", True, f"issued by {config.accounts_url}"
                          + (f", API domain {token.api_domain}" if token.api_domain else "")))
    except BiginError as exc:
        steps.append(Step("OAuth token", False, str(exc)))
        return steps
    try:
        users = client.get_users("ActiveUsers")
        steps.append(Step("Users", True, f"{len(users)} active user(s)"))
    except BiginError as exc:
        steps.append(Step("Users", False, str(exc)))
    try:
        fields = client.get_fields("Contacts")
        steps.append(Step("Contacts fields", True, f"{len(fields)} fields"))
    except BiginError as exc:
        steps.append(Step("Contacts fields", False, str(exc)))
    return steps


@dataclass
class SyncOutcome:
    ok: bool
    summary: str


def sync_and_recheck() -> SyncOutcome:
    from bigin_ui.metadata.services import sync_metadata
    from bigin_ui.queue.revalidate import revalidate

    client = build_client()
    try:
        # One token first. With a broken connection every module would otherwise ask Zoho for
        # a token in turn (Zoho locks a refresh token out after about ten in ten minutes) and
        # the page would repeat the same failure for each module.
        client.auth.token()
        report = sync_metadata(client=client)
    except BiginError as exc:
        return SyncOutcome(False, f"Sync failed: {exc}")
    held = revalidate(modules=report.changed_modules)
    changed = sum(len(m.changes) for m in report.modules)
    failed = [f"{m.module}: {m.error}" for m in report.modules if not m.ok]
    summary = (f"Synced {sum(1 for m in report.modules if m.ok)} module(s) and "
               f"{report.users} user(s); {changed} change(s); "
               f"{sum(held.values())} queued row(s) held as no longer valid.")
    if failed or report.users_error:
        return SyncOutcome(False, summary + " Errors: " + "; ".join(
            failed + ([report.users_error] if report.users_error else [])))
    return SyncOutcome(True, summary)
