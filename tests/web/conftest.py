from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from bigin_ui.roles import ADMIN_GROUP, SALES_GROUP
from tests.factories import store_contacts_metadata


@pytest.fixture
def contacts_metadata(db):
    store_contacts_metadata()


@pytest.fixture
def sales_user(django_user_model):
    user = django_user_model.objects.create_user("sam", "sam@example.com", "pw-sales-123")
    user.groups.add(Group.objects.get_or_create(name=SALES_GROUP)[0])
    return user


@pytest.fixture
def admin_user(django_user_model):
    user = django_user_model.objects.create_user("ada", "admin@example.com", "pw-admin-123")
    user.groups.add(Group.objects.get_or_create(name=ADMIN_GROUP)[0])
    return user


@pytest.fixture
def sales_client(client, sales_user):
    client.force_login(sales_user)
    return client


@pytest.fixture
def admin_client(admin_user):
    """A logged-in member of the admins' group (not pytest-django's superuser)."""
    client = Client()
    client.force_login(admin_user)
    return client
