"""The import pages without a browser: upload → map → preview → confirm, and their guards."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bigin_ui.imports.models import Import
from bigin_ui.queue.models import Row

pytestmark = pytest.mark.django_db

CSV = (b"Last Name;E-mail;Email Opt Out;Shoe size\r\n"
       b"Good;good@example.com;yes\r\n"
       b"Bad;bad@example.com;F\r\n")


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path, contacts_metadata):
    settings.BIGIN_IMPORT_DIR = tmp_path / "uploads"


def upload(client, data=CSV, name="people.csv", **extra):
    return client.post(reverse("import_new"), {
        "module": "Contacts", "file": SimpleUploadedFile(name, data), "sheet": "", **extra})


def map_post(imp, **changes):
    data = {"column_0": "Last_Name", "column_1": "Email", "column_2": "Email_Opt_Out",
            "column_3": "", "decimal": ".", "time_zone": "UTC",
            "new_picklist_values": "reject"}
    data.update(changes)
    return data


def test_upload_map_preview_confirm(sales_client, sales_user):
    response = upload(sales_client)
    imp = Import.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("import_map",
                                                                          args=[imp.pk])
    page = sales_client.get(response["Location"]).content.decode()
    assert "Columns matching no field are ignored: Shoe size" in page
    assert '<option value="Email" selected>' in page  # "E-mail" matched Email
    assert "Asia/Kolkata" in page  # the person's own zone is the default, shown
    response = sales_client.post(reverse("import_map", args=[imp.pk]), map_post(imp))
    assert response["Location"] == reverse("import_detail", args=[imp.pk])
    imp.refresh_from_db()
    assert (imp.status, imp.lines_good, imp.lines_bad) == ("checked", 1, 1)
    assert Row.objects.count() == 0  # the preview queues nothing
    preview = sales_client.get(reverse("import_detail", args=[imp.pk])).content.decode()
    assert "good@example.com" in preview
    assert "&#x27;F&#x27; is not a checkbox value" in preview
    only_bad = sales_client.get(reverse("import_detail", args=[imp.pk]), {"show": "bad"})
    assert "good@example.com" not in only_bad.content.decode()
    rejected = sales_client.get(reverse("import_rejected", args=[imp.pk]))
    text = b"".join(rejected.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Last Name", "E-mail", "Email Opt Out", "Shoe size", "errors"]
    assert rows[1][0] == "Bad" and "not a checkbox value" in rows[1][4]
    response = sales_client.post(reverse("import_confirm", args=[imp.pk]))
    imp.refresh_from_db()
    assert imp.status == "queued" and imp.rows_queued == 1
    row = Row.objects.get()
    assert row.owner == sales_user and row.payload["Email"] == "good@example.com"
    done = sales_client.get(reverse("import_detail", args=[imp.pk])).content.decode()
    assert "See them in My rows" in done


def test_a_changed_mapping_is_used(sales_client):
    upload(sales_client)
    imp = Import.objects.get()
    sales_client.post(reverse("import_map", args=[imp.pk]),
                      map_post(imp, column_2="", column_3="Description"))
    imp.refresh_from_db()
    assert imp.lines_bad == 0  # the checkbox column is ignored now
    assert imp.mapping == {"0": "Last_Name", "1": "Email", "3": "Description"}


def test_the_size_limit_is_checked_before_reading(sales_client, settings):
    settings.BIGIN_IMPORT_MAX_BYTES = 10
    response = upload(sales_client)
    assert response.status_code == 400
    assert "the limit is" in response.content.decode()
    assert not Import.objects.exists()


def test_an_unreadable_file_is_a_message_not_a_500(sales_client):
    response = upload(sales_client, data="Name\r\nMüller\r\n".encode("cp1252"))
    assert response.status_code == 400
    assert "is not UTF-8" in response.content.decode()
    response = upload(sales_client, data=b"not a zip", name="book.xlsx")
    assert response.status_code == 400
    assert "Not a readable .xlsx" in response.content.decode()


def test_the_same_file_twice_asks_before_queueing(sales_client):
    for _ in range(2):
        upload(sales_client)
        imp = Import.objects.order_by("-pk").first()
        sales_client.post(reverse("import_map", args=[imp.pk]), map_post(imp))
        response = sales_client.post(reverse("import_confirm", args=[imp.pk]))
    imp.refresh_from_db()
    assert imp.status == "checked"
    page = sales_client.get(response["Location"]).content.decode()
    assert "already imported" in page
    assert Row.objects.count() == 1
    sales_client.post(reverse("import_confirm", args=[imp.pk]), {"again": "1"})
    assert Row.objects.count() == 2


def test_admin_imports_on_behalf_of_someone(admin_client, sales_user):
    upload(admin_client, owner=sales_user.pk)
    imp = Import.objects.get()
    admin_client.post(reverse("import_map", args=[imp.pk]), map_post(imp))
    admin_client.post(reverse("import_confirm", args=[imp.pk]))
    assert Row.objects.get().owner == sales_user


def test_sales_cannot_import_for_others_or_send_new_picklist_values(sales_client, admin_user):
    upload(sales_client, owner=admin_user.pk)
    imp = Import.objects.get()
    assert imp.owner.username == "sam"  # the field is not offered, so it is not read
    response = sales_client.post(reverse("import_map", args=[imp.pk]),
                                 map_post(imp, new_picklist_values="new"))
    assert response.status_code == 400


def test_others_imports_are_hidden(sales_client, admin_client):
    upload(admin_client)
    imp = Import.objects.get()
    assert sales_client.get(reverse("import_detail", args=[imp.pk])).status_code == 404


def test_progress_partial_for_htmx(sales_client):
    upload(sales_client)
    imp = Import.objects.get()
    Import.objects.filter(pk=imp.pk).update(status="validating", lines_done=7)
    response = sales_client.get(reverse("import_detail", args=[imp.pk]),
                                {"_partial": "progress"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith("<section") and "7 line(s) checked" in body
    assert 'hx-trigger="every 1s"' in body


def test_discard_the_whole_import(sales_client):
    upload(sales_client)
    imp = Import.objects.get()
    sales_client.post(reverse("import_map", args=[imp.pk]), map_post(imp))
    sales_client.post(reverse("import_confirm", args=[imp.pk]))
    sales_client.post(reverse("import_discard", args=[imp.pk]))
    assert Row.objects.get().status == Row.Status.DISCARDED


def test_the_uploaded_copy_is_deleted_once_queued(sales_client, settings):
    upload(sales_client)
    imp = Import.objects.get()
    sales_client.post(reverse("import_map", args=[imp.pk]), map_post(imp))
    assert list(settings.BIGIN_IMPORT_DIR.iterdir())
    sales_client.post(reverse("import_confirm", args=[imp.pk]))
    assert not list(settings.BIGIN_IMPORT_DIR.iterdir())


def test_discard_waits_for_a_running_import(sales_client):
    upload(sales_client)
    imp = Import.objects.get()
    Import.objects.filter(pk=imp.pk).update(status="queueing")
    sales_client.post(reverse("import_discard", args=[imp.pk]))
    assert Import.objects.get().status == "queueing"


def test_headers_cells_and_file_names_are_text_not_markup(sales_client):
    hostile = "<script>alert(1)</script>"
    upload(sales_client, data=f"Last_Name,{hostile}\r\n{hostile},x\r\n".encode(),
           name="<b>evil</b>.csv")
    imp = Import.objects.get()
    page = sales_client.get(reverse("import_map", args=[imp.pk])).content.decode()
    assert hostile not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>evil</b>" not in page
    sales_client.post(reverse("import_map", args=[imp.pk]), map_post(imp, column_1="",
                                                                      column_2=""))
    preview = sales_client.get(reverse("import_detail", args=[imp.pk])).content.decode()
    assert hostile not in preview and "<b>evil</b>" not in preview
    rejected = sales_client.get(reverse("import_rejected", args=[imp.pk]))
    assert '"' not in rejected["Content-Disposition"].split("filename=")[1].strip('"')


def test_a_check_that_breaks_says_so_instead_of_spinning(sales_client, monkeypatch):
    from bigin_ui.imports.checking import LineChecker

    def broken(self, cells):
        raise RuntimeError("bug")

    monkeypatch.setattr(LineChecker, "check", broken)
    upload(sales_client)
    imp = Import.objects.get()
    sales_client.post(reverse("import_map", args=[imp.pk]), map_post(imp))
    imp.refresh_from_db()
    assert imp.status == Import.Status.UNREADABLE
    assert "unexpected error" in imp.message
    page = sales_client.get(reverse("import_detail", args=[imp.pk])).content.decode()
    assert "nothing was queued" in page and 'hx-trigger="every 1s"' not in page
