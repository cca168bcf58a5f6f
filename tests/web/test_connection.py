"""The connection page: saving a self-client, exchanging its grant code, testing, syncing."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from bigin_ui.connection.crypto import decrypt, encrypt
from bigin_ui.connection.models import AccessToken, SavedConnection
from bigin_ui.connection.services import active_config
from bigin_ui.metadata.models import MetadataChange, ModuleMetadata
from bigin_ui.metadata.schema import MODULE_LABELS, MODULES
from bigin_ui.queue.models import Row
from bigin_ui.queue.rows import create_row
from bigin_ui.sandbox.constants import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from bigin_ui.sandbox.models import GrantCode

INVALID_CODE = "Zoho rejected the grant code or refresh token (invalid_code)"


@pytest.fixture
def sandbox_url(live_server):
    return live_server.url + "/sandbox"


def live_form(sandbox_url, code, **overrides):
    """The form as an admin fills it for a self-client, pointed at the sandbox."""
    return {"mode": "live", "dc": "eu", "client_id": SANDBOX_CLIENT_ID,
            "client_secret": SANDBOX_CLIENT_SECRET, "grant_code": code,
            "accounts_url": sandbox_url, "api_domain": sandbox_url, **overrides}


def page_text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", response.content.decode())))


def flashed(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def field_errors(response, name: str) -> list[str]:
    return list(response.context["form"].errors.get(name, []))


def raw_columns() -> str:
    """Everything stored for the connection and its token cache, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM connection_savedconnection")
        saved = cursor.fetchall()
        cursor.execute("SELECT * FROM connection_accesstoken")
        tokens = cursor.fetchall()
    return repr(saved + tokens)


def save_live(client, sandbox_url, code):
    response = client.post(reverse("connection"), live_form(sandbox_url, code), follow=True)
    assert "Connection saved." in flashed(response), page_text(response)
    return response


def test_a_grant_code_is_exchanged_and_the_token_stored_encrypted(admin_client, synced,
                                                                   sandbox_url):
    save_live(admin_client, sandbox_url, synced.grant_code())
    saved = SavedConnection.objects.get()
    refresh_token = decrypt(saved.refresh_token_enc)
    assert refresh_token.startswith("1000.")
    assert decrypt(saved.client_secret_enc) == SANDBOX_CLIENT_SECRET
    assert "ZohoBigin.modules.ALL" in saved.scope
    stored = raw_columns()
    assert refresh_token not in stored
    assert SANDBOX_CLIENT_SECRET not in stored


def test_no_page_shows_the_token_or_the_secret(admin_client, synced, sandbox_url):
    code = synced.grant_code()
    saved_response = save_live(admin_client, sandbox_url, code)
    refresh_token = decrypt(SavedConnection.objects.get().refresh_token_enc)
    tested = admin_client.post(reverse("connection_test"), follow=True)
    synced_page = admin_client.post(reverse("connection_sync"), follow=True)
    pages = [saved_response, tested, synced_page]
    pages += [admin_client.get(reverse(name)) for name in ("connection", "review", "my_rows")]
    access = decrypt(AccessToken.objects.exclude(token_enc="").first().token_enc)
    for response in pages:
        html = response.content.decode()
        for secret in (refresh_token, SANDBOX_CLIENT_SECRET, code, access):
            assert secret not in html, (response.request["PATH_INFO"], secret)
    assert "A refresh token is stored (encrypted); it is never shown." in page_text(pages[3])
    assert access not in raw_columns()


def test_live_mode_makes_the_app_use_the_saved_connection(admin_client, synced, sandbox_url):
    assert active_config().source == "sandbox"
    save_live(admin_client, sandbox_url, synced.grant_code())
    config = active_config()
    assert (config.source, config.dc, config.client_id) == ("saved", "eu", SANDBOX_CLIENT_ID)
    assert (config.accounts_url, config.api_domain) == (sandbox_url, sandbox_url)
    assert config.refresh_token == decrypt(SavedConnection.objects.get().refresh_token_enc)
    assert config.client_secret == SANDBOX_CLIENT_SECRET
    badge = admin_client.get(reverse("connection")).content.decode()
    assert re.search(r'data-testid="connection-badge">\s*Bigin EU \(Europe\)\s*<', badge)


def test_switching_back_to_sandbox_uses_the_sandbox_and_keeps_the_token(admin_client, synced,
                                                                        sandbox_url):
    save_live(admin_client, sandbox_url, synced.grant_code())
    kept = SavedConnection.objects.get().refresh_token_enc
    response = admin_client.post(reverse("connection"), live_form(
        sandbox_url, "", mode="sandbox", client_secret=""), follow=True)
    assert "Connection saved." in flashed(response)
    assert active_config().source == "sandbox"
    saved = SavedConnection.objects.get()
    assert saved.refresh_token_enc == kept
    assert decrypt(saved.client_secret_enc) == SANDBOX_CLIENT_SECRET  # empty keeps the secret
    again = admin_client.post(reverse("connection"), live_form(
        sandbox_url, "", client_secret=""), follow=True)
    assert "Connection saved." in flashed(again)
    assert active_config().source == "saved"


def test_live_without_a_refresh_token_is_refused(admin_client, synced, sandbox_url):
    response = admin_client.post(reverse("connection"), live_form(sandbox_url, ""))
    assert response.status_code == 400
    assert field_errors(response, "grant_code") == [
        "Paste a grant code: no refresh token is stored for this client ID yet."]
    assert SavedConnection.objects.filter(mode="live").count() == 0
    assert active_config().source == "sandbox"


def test_a_new_client_id_without_a_code_is_refused(admin_client, synced, sandbox_url):
    save_live(admin_client, sandbox_url, synced.grant_code())
    kept = SavedConnection.objects.get().refresh_token_enc
    response = admin_client.post(reverse("connection"), live_form(
        sandbox_url, "", client_id="1000.ANOTHERCLIENT"))
    assert response.status_code == 400
    assert field_errors(response, "grant_code") == [
        "Paste a grant code: no refresh token is stored for this client ID yet."]
    saved = SavedConnection.objects.get()
    assert (saved.client_id, saved.refresh_token_enc) == (SANDBOX_CLIENT_ID, kept)


def test_a_bad_grant_code_shows_zohos_message_and_saves_nothing(admin_client, synced,
                                                                sandbox_url):
    response = admin_client.post(reverse("connection"),
                                 live_form(sandbox_url, "1000.not-a-real-code"))
    assert response.status_code == 400
    errors = field_errors(response, "grant_code")
    assert len(errors) == 1 and errors[0].startswith(INVALID_CODE)
    assert INVALID_CODE in page_text(response)
    assert not SavedConnection.objects.exclude(client_id="").exists()
    assert active_config().source == "sandbox"


def test_an_expired_grant_code_is_refused_the_same_way(admin_client, synced, sandbox_url):
    code = synced.grant_code()
    GrantCode.objects.filter(code=code).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = admin_client.post(reverse("connection"), live_form(sandbox_url, code))
    assert response.status_code == 400
    assert field_errors(response, "grant_code")[0].startswith(INVALID_CODE)
    assert not SavedConnection.objects.exclude(client_id="").exists()


def test_a_used_grant_code_is_refused_and_the_saved_token_kept(admin_client, synced,
                                                               sandbox_url):
    code = synced.grant_code()
    save_live(admin_client, sandbox_url, code)
    kept = SavedConnection.objects.get().refresh_token_enc
    response = admin_client.post(reverse("connection"), live_form(sandbox_url, code))
    assert field_errors(response, "grant_code")[0].startswith(INVALID_CODE)
    assert SavedConnection.objects.get().refresh_token_enc == kept


def test_a_failed_save_does_not_show_the_typed_secret_again(admin_client, synced, sandbox_url):
    response = admin_client.post(reverse("connection"), live_form(
        sandbox_url, "1000.typed-code", client_secret="typed-secret-value"))
    html = response.content.decode()
    assert "typed-secret-value" not in html
    assert "1000.typed-code" not in html


def test_an_unreachable_accounts_server_is_a_message_not_an_error_page(admin_client, synced):
    response = admin_client.post(reverse("connection"), live_form(
        "http://127.0.0.1:9/nothing", "1000.code"))
    assert response.status_code == 400
    assert field_errors(response, "grant_code")
    assert not SavedConnection.objects.exclude(client_id="").exists()


def test_test_connection_reports_each_step(admin_client, synced):
    response = admin_client.post(reverse("connection_test"), follow=True)
    report = page_text(response).split("Connection test")[1]
    assert re.search(r"✓ OAuth token: issued by http://\S+/sandbox", report)
    assert re.search(r"✓ Users: \d+ active user\(s\)", report)
    assert re.search(r"✓ Contacts fields: \d+ fields", report)


def test_test_connection_of_a_saved_org_uses_its_token(admin_client, synced, sandbox_url):
    save_live(admin_client, sandbox_url, synced.grant_code())
    report = page_text(admin_client.post(reverse("connection_test"), follow=True))
    assert f"✓ OAuth token: issued by {sandbox_url}, API domain {sandbox_url}" in report
    assert "✓ Contacts fields:" in report


def test_test_connection_stops_at_a_refused_token(admin_client, synced, sandbox_url):
    save_live(admin_client, sandbox_url, synced.grant_code())
    SavedConnection.objects.update(refresh_token_enc=encrypt("1000.revoked"))
    report = page_text(admin_client.post(reverse("connection_test"), follow=True))
    assert f"✗ OAuth token: invalid_code: {INVALID_CODE}" in report
    assert "Users:" not in report.split("Connection test")[1].split("Bigin connection")[0]


def test_environment_variables_win_and_the_page_says_so(admin_client, synced, sandbox_url,
                                                        settings):
    save_live(admin_client, sandbox_url, synced.grant_code())
    settings.BIGIN_DC = "in"
    settings.BIGIN_CLIENT_ID = "1000.ENVCLIENT"
    settings.BIGIN_CLIENT_SECRET = "env-secret-value"
    settings.BIGIN_REFRESH_TOKEN = "1000.env-refresh-token"
    assert active_config().source == "environment"
    response = admin_client.get(reverse("connection"))
    text = page_text(response)
    assert "set by BIGIN_* environment variables" in text
    assert "Records are sent to: Bigin IN (India)" in text
    assert "env-secret-value" not in response.content.decode()
    assert "1000.env-refresh-token" not in response.content.decode()


def test_sync_now_updates_the_metadata_and_lists_changes(admin_client, sales_user, synced):
    before = ModuleMetadata.objects.get(module="Contacts").synced_at
    row = create_row(module="Contacts", owner=sales_user,
                     payload={"Last_Name": "Long", "Title": "Chief Engineer"})
    synced.fields(module="Contacts", update="Title", changes={"length": 5})
    response = admin_client.post(reverse("connection_sync"), follow=True)
    assert any(m.startswith(f"Synced {len(MODULES)} module(s)") and
               "1 queued row(s) held as no longer valid." in m for m in flashed(response))
    assert ModuleMetadata.objects.get(module="Contacts").synced_at > before
    change = MetadataChange.objects.get(module="Contacts")
    assert change.invalidated_rows == 1
    row.refresh_from_db()
    assert row.hold == Row.Hold.INVALID
    page = admin_client.get(reverse("connection")).content.decode()
    changes = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", page.split(
        'data-testid="metadata-changes"')[1].split("</ul>")[0])))
    assert "Contacts: length changed Title (100 → 5) — 1 queued row(s) invalidated" in changes
    table = page.split('data-testid="metadata-table"')[1].split("</table>")[0]
    assert all(f"<td>{MODULE_LABELS[module]}</td>" in table for module in MODULES)
    assert "never" not in table


def test_sync_without_a_reachable_bigin_says_so(admin_client, contacts_metadata, settings):
    settings.BIGIN_SANDBOX_URL = "http://127.0.0.1:9/sandbox"
    settings.BIGIN_MAX_RETRIES = 0
    response = admin_client.post(reverse("connection_sync"), follow=True)
    assert response.status_code == 200
    [message] = flashed(response)
    # In words, not the HTTP library's exception text.
    assert message == ("Sync failed. Cannot reach the Zoho accounts server at "
                       "http://127.0.0.1:9/sandbox: the server refused the connection (nothing "
                       "is listening at that address).")
