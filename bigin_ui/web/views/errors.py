"""The 403 page: says why, and whom to ask. 404 and 500 are Django's handlers with our
templates (500 renders without a request context, so its template needs none)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bigin_ui.roles import admin_contacts
from bigin_ui.web.permissions import NO_ROLE


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception or "") if exception else ""
    return render(request, "403.html", {
        "no_role": reason == NO_ROLE,
        "reason": "" if reason == NO_ROLE else reason,
        "admins": admin_contacts(),
    }, status=403)
