"""The connection page in real Chromium: connect an org with a grant code, then test it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bigin_ui.connection.crypto import decrypt
from bigin_ui.connection.models import SavedConnection
from bigin_ui.sandbox.constants import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from tests.browser.screens import snap

pytestmark = pytest.mark.browser


def test_an_admin_connects_an_org_with_a_grant_code(synced, live_server, log_in, admin_login):
    sandbox_url = f"{live_server.url}/sandbox"
    page = log_in(admin_login)
    expect(page.get_by_test_id("connection-badge")).to_contain_text("Sandbox")
    page.get_by_role("link", name="Connection").click()

    page.get_by_label("Real Bigin org").check()
    page.get_by_label("Data centre").select_option("us")
    page.get_by_label("Client ID").fill(SANDBOX_CLIENT_ID)
    page.get_by_label("Client secret").fill(SANDBOX_CLIENT_SECRET)
    page.get_by_label("Grant code").fill(synced.grant_code())
    page.get_by_label("Accounts server override").fill(sandbox_url)
    page.get_by_label("API domain override").fill(sandbox_url)
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("alert").filter(has_text="Connection saved.")).to_be_visible()
    expect(page.get_by_test_id("active-connection")).to_have_text("Bigin US (United States)")
    expect(page.get_by_test_id("connection-badge")).to_have_text("Bigin US (United States)")

    page.get_by_role("button", name="Test connection").click()
    report = page.get_by_test_id("test-report")
    expect(report).to_contain_text(f"✓ OAuth token: issued by {sandbox_url}")
    expect(report).to_contain_text("✓ Users:")
    expect(report).to_contain_text("✓ Contacts fields:")
    expect(report.locator(".text-danger")).to_have_count(0)
    snap(page, "connection")

    html = page.content()
    refresh_token = decrypt(SavedConnection.objects.get().refresh_token_enc)
    assert refresh_token and refresh_token not in html
    assert SANDBOX_CLIENT_SECRET not in html
