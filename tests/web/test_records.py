from __future__ import annotations

from django.urls import reverse

from bigin_ui.queue.models import Row


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get("/records/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_new_contact_form_is_generated_from_metadata(sales_client, contacts_metadata):
    response = sales_client.get("/records/Contacts/new/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="Last_Name"' in html
    assert 'name="Created_Time"' not in html


def test_saving_a_valid_contact_queues_a_pending_row(sales_client, sales_user,
                                                      contacts_metadata):
    response = sales_client.post("/records/Contacts/new/",
                                 {"Last_Name": "Johnson", "Email": "s.j@example.com"})
    assert response.status_code == 302
    row = Row.objects.get()
    assert row.owner == sales_user
    assert row.status == Row.Status.PENDING
    assert row.payload["Last_Name"] == "Johnson"
    assert row.unique_key == "Email:s.j@example.com"


def test_invalid_contact_shows_the_error_on_the_field_and_keeps_the_input(
        sales_client, contacts_metadata):
    response = sales_client.post("/records/Contacts/new/",
                                 {"First_Name": "Sarah", "Email": "not-an-email"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "is-invalid" in html
    assert 'value="Sarah"' in html
    assert Row.objects.count() == 0


def test_unknown_module_is_404(sales_client, contacts_metadata):
    assert sales_client.get("/records/Leads/new/").status_code == 404


def test_module_without_metadata_explains_what_to_do(sales_client, contacts_metadata):
    response = sales_client.get("/records/Events/new/")
    assert response.status_code == 503
    assert b"bigin_sync" in response.content


def test_my_rows_lists_only_my_rows(sales_client, sales_user, admin_user, contacts_metadata):
    Row.objects.create(module="Contacts", owner=sales_user, payload={"Last_Name": "Mine"})
    Row.objects.create(module="Contacts", owner=admin_user, payload={"Last_Name": "Theirs"})
    html = sales_client.get(reverse("my_rows")).content.decode()
    assert "Mine" in html
    assert "Theirs" not in html


def test_values_are_escaped(sales_client, sales_user, contacts_metadata):
    Row.objects.create(module="Contacts", owner=sales_user,
                       payload={"Last_Name": "<script>alert(1)</script>"})
    html = sales_client.get(reverse("my_rows")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_sales_staff_cannot_open_someone_elses_row(sales_client, admin_user, contacts_metadata):
    row = Row.objects.create(module="Contacts", owner=admin_user, payload={"Last_Name": "X"})
    assert sales_client.get(reverse("row_detail", args=[row.pk])).status_code == 404


def test_submit_without_workflows_sends_an_empty_trigger(sales_client, sales_user,
                                                         contacts_metadata, settings):
    from bigin_ui.queue.models import SubmissionRun

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    Row.objects.create(module="Contacts", owner=sales_user, payload={"Last_Name": "Q"})
    sales_client.post(reverse("submit"), {"workflows_shown": "1"})
    assert SubmissionRun.objects.get().trigger == []


def test_submit_with_workflows_leaves_bigins_default(sales_client, sales_user,
                                                     contacts_metadata, settings):
    from bigin_ui.queue.models import SubmissionRun

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    Row.objects.create(module="Contacts", owner=sales_user, payload={"Last_Name": "Q"})
    sales_client.post(reverse("submit"), {"workflows_shown": "1", "workflows": "1"})
    assert SubmissionRun.objects.get().trigger is None


def test_my_rows_shows_only_my_own_runs_progress(sales_client, sales_user, admin_user,
                                                 contacts_metadata):
    from bigin_ui.queue.models import SubmissionRun

    mine = SubmissionRun.objects.create(created_by=sales_user, status="finished")
    theirs = SubmissionRun.objects.create(created_by=admin_user, status="finished")
    assert 'data-testid="run-progress"' in sales_client.get(
        f"/records/?run={mine.pk}").content.decode()
    assert 'data-testid="run-progress"' not in sales_client.get(
        f"/records/?run={theirs.pk}").content.decode()
