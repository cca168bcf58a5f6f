from __future__ import annotations

from django.contrib.auth.models import Group

from bigin_ui.queue.rows import create_row
from bigin_ui.roles import SALES_GROUP


def sales(django_user_model, name, *args):
    """A person in the sales group (a person without a role may not search)."""
    user = django_user_model.objects.create_user(name, *args)
    user.groups.add(Group.objects.get_or_create(name=SALES_GROUP)[0])
    return user


def test_lookup_finds_bigin_records_and_my_queued_rows(synced, client, django_user_model):
    user = sales(django_user_model, "lou", "lou@example.com", "pw-lookup-123")
    client.force_login(user)
    queued = create_row(module="Accounts", payload={"Account_Name": "Zylker Queued"}, owner=user)
    html = client.get("/lookup/Accounts/", {"q": "Zylker", "target": "Account_Name"}).content
    text = html.decode()
    assert "Zylker Corp" in text
    assert f'data-value="row:{queued.pk}"' in text
    assert "queued here" in text


def test_lookup_needs_two_characters(synced, client, django_user_model):
    client.force_login(sales(django_user_model, "lou2"))
    assert b"data-value" not in client.get("/lookup/Accounts/", {"q": "Z"}).content


def test_related_to_searches_the_module_it_names(synced, client, django_user_model):
    client.force_login(sales(django_user_model, "lou3"))
    html = client.get("/lookup/Contacts/", {"q": "Cruise", "$se_module": "Pipelines"}).content
    assert b"Cruise Package" in html


def test_lookup_reports_bigin_being_unreachable_without_failing(db, client, settings,
                                                               django_user_model):
    settings.BIGIN_SANDBOX_URL = "http://127.0.0.1:9/sandbox"
    client.force_login(sales(django_user_model, "lou4"))
    response = client.get("/lookup/Accounts/", {"q": "Zylker"})
    assert response.status_code == 200
    assert b"Bigin search failed" in response.content
