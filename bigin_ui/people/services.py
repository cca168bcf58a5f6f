"""A person's time zone and number convention, with the defaults spelled out once."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from bigin_ui.metadata.models import BiginOrg, BiginUser
from bigin_ui.people.models import Profile


@dataclass(frozen=True)
class PersonZone:
    name: str
    zone: dt.tzinfo
    source: str  # "profile", "bigin user", "org" or "server"

    def label(self, at: dt.datetime | None = None) -> str:
        """"Europe/Istanbul (+03:00)": the zone and its offset now (or at a given moment)."""
        return zone_label(self.zone, at=at)


def zone_label(zone: dt.tzinfo, *, at: dt.datetime | None = None) -> str:
    """The zone and its offset at ``at``; without a moment, today's offset, called "now"
    where the zone changes its clocks: a July time on the same page is in the zone's summer
    offset, and "Europe/Berlin (+01:00)" over it had a reader working it out an hour off."""
    moment = (at or dt.datetime.now(dt.UTC)).astimezone(zone)
    offset = moment.strftime("%z")
    name = getattr(zone, "key", None) or str(zone)
    text = f"{offset[:3]}:{offset[3:]}"
    if at is None and _changes_clocks(zone, moment.year):
        text = f"now {text}"
    return f"{name} ({text})"


@functools.lru_cache(maxsize=64)
def _changes_clocks(zone: dt.tzinfo, year: int) -> bool:
    """Whether the zone's offset changes during the year: summer time in either hemisphere,
    and shifts that leave January and July alike (Casablanca is +01:00 in both, +00:00
    through Ramadan). Looked at weekly, so a shift of a week or more is seen; remembered per
    zone and year, as every page's navigation asks."""
    start = dt.datetime(year, 1, 1, 12, tzinfo=dt.UTC)
    offsets = {(start + dt.timedelta(days=7 * week)).astimezone(zone).utcoffset()
               for week in range(53)}
    return len(offsets) > 1


def valid_zone(name: str) -> dt.tzinfo | None:
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def bigin_user_for(user: AbstractBaseUser) -> BiginUser | None:
    email = getattr(user, "email", "")
    if not email:
        return None
    return BiginUser.objects.filter(email__iexact=email).exclude(status="deleted").first()


def stored_profile(user: AbstractBaseUser) -> Profile | None:
    if not getattr(user, "pk", None):
        return None
    return Profile.objects.filter(user=user).first()


def default_zone(user: AbstractBaseUser) -> PersonZone:
    """The zone a person gets without choosing one: their Bigin user's, else the org's (as
    synced), else the server's TIME_ZONE."""
    mine = bigin_user_for(user)
    if mine and (zone := valid_zone(mine.time_zone)):
        return PersonZone(mine.time_zone, zone, "bigin user")
    org = BiginOrg.objects.only("time_zone").first()
    if org and (zone := valid_zone(org.time_zone)):
        return PersonZone(org.time_zone, zone, "org")
    return PersonZone(settings.TIME_ZONE, valid_zone(settings.TIME_ZONE) or dt.UTC, "server")


def person_zone(user: AbstractBaseUser) -> PersonZone:
    profile = stored_profile(user)
    if profile and (zone := valid_zone(profile.time_zone)):
        return PersonZone(profile.time_zone, zone, "profile")
    return default_zone(user)


def decimal_separator(user: AbstractBaseUser) -> str:
    profile = stored_profile(user)
    return profile.decimal_separator if profile else Profile.Separator.POINT


@transaction.atomic
def save_profile(*, user: AbstractBaseUser, time_zone: str, decimal_separator: str) -> Profile:
    """Store the person's choices; an empty zone keeps following the default."""
    if time_zone and valid_zone(time_zone) is None:
        raise ValueError(f"Unknown time zone {time_zone!r}")
    if decimal_separator not in Profile.Separator.values:
        raise ValueError(f"Unknown decimal separator {decimal_separator!r}")
    profile, _ = Profile.objects.select_for_update().get_or_create(user=user)
    profile.time_zone = time_zone
    profile.decimal_separator = decimal_separator
    profile.save()
    return profile
