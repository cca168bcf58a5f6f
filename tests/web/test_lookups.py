from __future__ import annotations

from bigin_ui.queue.rows import create_row


def test_lookup_finds_bigin_records_and_my_queued_rows(synced, client, django_user_model):
    user = django_user_model.objects.create_user("lou", "lou@example.com", "pw-lookup-123")
    client.force_login(user)
    queued = create_row(module="Accounts", payload={"Account_Name": "Zylker Queued"}, owner=user)
    html = client.get("/lookup/Accounts/", {"q": "Zylker", "target": "Account_Name"}).content
    text = html.decode()
    assert "Zylker Corp" in text
    assert f'data-value="row:{queued.pk}"' in text
    assert "queued here" in text


def test_lookup_needs_two_characters(synced, client, django_user_model):
    client.force_login(django_user_model.objects.create_user("lou2"))
    assert b"data-value" not in client.get("/lookup/Accounts/", {"q": "Z"}).content


def test_related_to_searches_the_module_it_names(synced, client, django_user_model):
    client.force_login(django_user_model.objects.create_user("lou3"))
    html = client.get("/lookup/Contacts/", {"q": "Cruise", "$se_module": "Pipelines"}).content
    assert b"Cruise Package" in html


def test_lookup_reports_bigin_being_unreachable_without_failing(db, client, settings,
                                                               django_user_model):
    settings.BIGIN_SANDBOX_URL = "http://127.0.0.1:9/sandbox"
    client.force_login(django_user_model.objects.create_user("lou4"))
    response = client.get("/lookup/Accounts/", {"q": "Zylker"})
    assert response.status_code == 200
    assert b"Bigin search failed" in response.content
