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
