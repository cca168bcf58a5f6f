"""The two roles. Groups are created by a migration (web app); superusers count as admins."""

from __future__ import annotations

from typing import Any

ADMIN_GROUP = "Bigin admins"
SALES_GROUP = "Sales staff"


def _roles(user: Any) -> frozenset[str]:
    """The user's app groups, read once per request (one statement for both roles: every
    page asks whether its viewer is a member, and members whether they are admins)."""
    cached = getattr(user, "_bigin_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=[ADMIN_GROUP, SALES_GROUP])
                           .values_list("name", flat=True))
        user._bigin_roles = cached
    return cached


def is_admin(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or ADMIN_GROUP in _roles(user)


def is_member(user: Any) -> bool:
    """Sales staff or an admin: someone the app is for. Others may log in, and see whom to
    ask, but not enter or submit anything."""
    if is_admin(user):
        return True
    return bool(getattr(user, "is_authenticated", False)) and SALES_GROUP in _roles(user)


def admin_contacts(limit: int = 5) -> list[str]:
    """Whom a person without a role should ask: admins by name and e-mail."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    people = get_user_model().objects.filter(
        Q(is_superuser=True) | Q(groups__name=ADMIN_GROUP), is_active=True).distinct()
    shown = []
    for person in people.order_by("username")[:limit]:
        name = person.get_full_name() or person.get_username()
        shown.append(f"{name} <{person.email}>" if person.email else name)
    return shown
