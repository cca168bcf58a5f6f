"""The person's own page: time zone and number convention."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from bigin_ui.people.middleware import forget_zone
from bigin_ui.people.models import Profile
from bigin_ui.people.services import (
    default_zone,
    person_zone,
    save_profile,
    stored_profile,
    zone_label,
)
from bigin_ui.web.http import HtmxHttpRequest
from bigin_ui.web.permissions import member_required

SOURCES = {"bigin user": "your Bigin user's zone", "org": "your Bigin org's zone",
           "server": "this server's TIME_ZONE"}


def zone_choices() -> list[tuple[str, str]]:
    names = sorted(z for z in zoneinfo.available_timezones()
                   if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/")))
    return [(name, zone_label(zoneinfo.ZoneInfo(name))) for name in [*names, "UTC"]]


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone", required=False,
        help_text="Dates and times you enter are read in this zone and sent to Bigin with its "
                  "offset; times on every page are shown in it.")
    decimal_separator = forms.ChoiceField(
        label="How you write numbers", choices=Profile.Separator.choices,
        widget=forms.RadioSelect,
        help_text="Numbers that do not follow this are refused, never guessed.")

    def __init__(self, *args, default_label: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", f"Default: {default_label}"), *zone_choices()]


@require_http_methods(["GET", "POST"])
@member_required
def profile(request: HtmxHttpRequest) -> HttpResponse:
    default = default_zone(request.user)
    default_label = f"{default.label()}, {SOURCES[default.source]}"
    stored = stored_profile(request.user)
    initial = {"time_zone": stored.time_zone if stored else "",
               "decimal_separator": stored.decimal_separator if stored else "."}
    form = ProfileForm(request.POST or None, initial=initial, default_label=default_label)
    if request.method == "POST" and form.is_valid():
        save_profile(user=request.user, time_zone=form.cleaned_data["time_zone"],
                     decimal_separator=form.cleaned_data["decimal_separator"])
        forget_zone(request)
        messages.success(request, f"Saved. Times are now in {person_zone(request.user).label()}.")
        return redirect("profile")
    return render(request, "web/profile.html", {
        "form": form, "zone": person_zone(request.user), "default_label": default_label,
    }, status=400 if request.method == "POST" else 200)
