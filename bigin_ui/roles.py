"""The two roles. Groups are created by a migration (web app); superusers count as admins."""

from __future__ import annotations

from typing import Any

from django.db import connections, router

ADMIN_GROUP = "Bigin admins"
SALES_GROUP = "Sales staff"


def _roles(user: Any) -> frozenset[str]:
    """The user's app groups, read once per request (one statement for both roles: every
    page asks whether its viewer is a member, and members whether they are admins)."""
    cached = getattr(user, "_bigin_roles", None)
    if cached is None:
        cached = user._bigin_roles = _group_names(user)
    return cached


def _group_names(user: Any) -> frozenset[str]:
    # The statement user.groups.filter(name__in=...).values_list("name") wrote, written once:
    # building it through the related manager cost every page 0.3-0.5 ms, ten times the
    # statement itself (the same trade as queue.credits.used_last_24h).
    groups = user._meta.get_field("groups")
    meta = groups.related_model._meta
    connection = connections[router.db_for_read(groups.related_model)]
    quote = connection.ops.quote_name
    table, link = quote(meta.db_table), quote(groups.m2m_db_table())
    name = f"{table}.{quote(meta.get_field('name').column)}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {name} FROM {table} INNER JOIN {link} "
            f"ON {table}.{quote(meta.pk.column)} = {link}.{quote(groups.m2m_reverse_name())} "
            f"WHERE {link}.{quote(groups.m2m_column_name())} = %s AND {name} IN (%s, %s)",
            [user.pk, ADMIN_GROUP, SALES_GROUP])
        return frozenset(group for (group,) in cursor.fetchall())


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
