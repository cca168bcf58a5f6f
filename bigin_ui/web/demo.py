"""Demo logins for sandbox mode (never created when a real Bigin connection is configured)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from bigin_ui.roles import ADMIN_GROUP, SALES_GROUP


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    email: str


DEMO_LOGINS = (
    DemoLogin("admin", "admin-demo-pass", "admin: reviews failures, manages the connection",
              "admin@example.com"),
    DemoLogin("sales", "sales-demo-pass", "sales staff: enters and submits records",
              "sales@example.com"),
)


@transaction.atomic
def ensure_demo_users() -> tuple[DemoLogin, ...]:
    User = get_user_model()
    for login in DEMO_LOGINS:
        user, created = User.objects.get_or_create(username=login.username,
                                                   defaults={"email": login.email})
        if created:
            user.set_password(login.password)
        is_admin = login.username == "admin"
        user.is_staff = is_admin
        user.is_superuser = is_admin
        user.save()
        group, _ = Group.objects.get_or_create(name=ADMIN_GROUP if is_admin else SALES_GROUP)
        user.groups.add(group)
    return DEMO_LOGINS
