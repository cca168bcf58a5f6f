"""Admins: which Bigin the app talks to, the self-client credentials, and metadata syncs."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from bigin_ui.bigin.datacenters import DATA_CENTRES
from bigin_ui.bigin.errors import BiginError
from bigin_ui.connection import setup
from bigin_ui.connection.services import active_config, environment_config
from bigin_ui.metadata.models import MetadataChange, ModuleMetadata
from bigin_ui.metadata.schema import MODULES
from bigin_ui.web.forms import ConnectionForm
from bigin_ui.web.http import HtmxHttpRequest
from bigin_ui.web.permissions import admin_required
from bigin_ui.web.wording import connection_problem


@require_http_methods(["GET", "POST"])
@admin_required
def connection(request: HtmxHttpRequest) -> HttpResponse:
    saved = setup.saved_connection()
    if request.method == "POST":
        form = ConnectionForm(request.POST)
        if form.is_valid():
            try:
                setup.save_connection(actor=request.user, **form.cleaned_data)
            except BiginError as exc:
                # Zoho's own words: the OAuth messages already name the error code.
                form.add_error("grant_code", connection_problem(exc.message))
            except setup.SetupError as exc:
                form.add_error("grant_code", str(exc))
            else:
                messages.success(request, "Connection saved.")
                return redirect("connection")
        status = 400
    else:
        form = ConnectionForm(initial={
            "mode": saved.mode, "dc": saved.dc, "client_id": saved.client_id,
            "accounts_url": saved.accounts_url, "api_domain": saved.api_domain,
        })
        status = 200
    synced = {m.module: m for m in ModuleMetadata.objects.all()}
    return render(request, "web/connection.html", {
        "form": form, "saved": saved, "active": active_config(),
        "env_config": environment_config(), "has_refresh_token": bool(saved.refresh_token_enc),
        "scopes": setup.REQUIRED_SCOPES, "data_centres": DATA_CENTRES.values(),
        "modules": [(m, synced.get(m)) for m in MODULES],
        "changes": MetadataChange.objects.all()[:20],
        "test_report": request.session.pop("connection_test", None),
    }, status=status)


@require_POST
@admin_required
def test_connection(request: HtmxHttpRequest) -> HttpResponse:
    request.session["connection_test"] = [step.__dict__ for step in setup.test_connection()]
    return redirect("connection")


@require_POST
@admin_required
def sync_now(request: HtmxHttpRequest) -> HttpResponse:
    outcome = setup.sync_and_recheck()
    if outcome.ok:
        messages.success(request, outcome.summary)
    else:
        words = connection_problem(outcome.summary)
        messages.error(request, outcome.summary if words == outcome.summary
                       else f"Sync failed. {words}")
    return redirect("connection")
