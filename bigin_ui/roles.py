"""The two roles. Groups are created by a migration (web app); superusers count as admins."""

from __future__ import annotations

from typing import Any

ADMIN_GROUP = "Bigin admins"
SALES_GROUP = "Sales staff"


def is_admin(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_bigin_is_admin", None)
    if cached is None:
        cached = user.groups.filter(name=ADMIN_GROUP).exists()
        user._bigin_is_admin = cached
    return bool(cached)


def is_member(user: Any) -> bool:
    """Sales staff or an admin: someone the app is for. Others may log in, and see whom to
    ask, but not enter or submit anything."""
    if is_admin(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_bigin_is_member", None)
    if cached is None:
        cached = user.groups.filter(name=SALES_GROUP).exists()
        user._bigin_is_member = cached
    return bool(cached)


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
