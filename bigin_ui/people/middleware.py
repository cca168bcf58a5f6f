from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from bigin_ui.people.services import person_zone, valid_zone, zone_label

SESSION_KEY = "_person_zone"
# The zone pages are shown in is found at login and remembered in the session, so list pages
# (whose queries are counted) do not look it up on every request. The profile page renews it
# at once; a default changed by a metadata sync shows within the hour. Entry forms always read
# the zone afresh (queue.entry.form_context), as it decides what is sent.
REMEMBER_SECONDS = 3600


def remember_zone(request: HttpRequest, user: object) -> None:
    found = person_zone(user)  # type: ignore[arg-type]
    request.session[SESSION_KEY] = [found.name, time.time() + REMEMBER_SECONDS]


def forget_zone(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


@receiver(user_logged_in)
def zone_at_login(sender: object, request: HttpRequest | None, user: object,
                  **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        remember_zone(request, user)


class PersonZoneMiddleware:
    """Pages show times in the viewer's own zone (their profile's, or its default)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        remembered = request.session.get(SESSION_KEY)
        zone = None
        if isinstance(remembered, list) and len(remembered) == 2 and (
            isinstance(remembered[1], (int, float)) and remembered[1] > time.time()
        ):
            zone = valid_zone(str(remembered[0]))
        if zone is None:
            remember_zone(request, user)
            zone = valid_zone(request.session[SESSION_KEY][0])
        # Named in the navigation, so every time on the page says which zone it is in.
        request.person_zone_label = zone_label(zone) if zone else ""  # type: ignore[attr-defined]
        with timezone.override(zone):
            return self.get_response(request)
