"""``row:N`` references resolve only among rows the person may see, of the field's module.

Another person's row must give the same answer as a row that does not exist: no label, no
acceptance, no difference an id-walker could read.
"""

from __future__ import annotations

import re

import pytest

from bigin_ui.metadata.fields import FieldMeta
from bigin_ui.metadata.validation import Context, FieldInvalid, v_participants, v_related_to
from bigin_ui.queue.models import Row
from bigin_ui.queue.rows import RowError, create_row, edit_row
from tests.factories import store_contacts_metadata

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sales_user, admin_user, django_user_model):
    store_contacts_metadata()
    other = django_user_model.objects.create_user("olga", "olga@example.com", "pw-olga-123")
    other.groups.set(sales_user.groups.all())
    return {
        "mine": create_row(module="Accounts", owner=sales_user,
                           payload={"Account_Name": "My Company"}),
        "theirs": create_row(module="Accounts", owner=other,
                             payload={"Account_Name": "Secret Company"}),
        "my_contact": create_row(module="Contacts", owner=sales_user,
                                 payload={"Last_Name": "Colleague"}),
        "missing": Row.objects.order_by("-pk").first().pk + 1000,
        "other": other,
    }


def post(client, reference: str):
    return client.post("/records/Contacts/new/", {"Last_Name": "Ref", "Account_Name": reference})


def error_text(response) -> str:
    """The field's error as shown, with the row number taken out."""
    text = response.content.decode()
    found = re.findall(r'id="error_\d+_id_\w+"[^>]*>\s*<strong>(.*?)</strong>', text, re.S)
    return re.sub(r"\d+", "N", " ".join(" ".join(found).split()))


def test_my_own_row_of_the_right_module_is_accepted(world, sales_client):
    response = post(sales_client, f"row:{world['mine'].pk}")
    assert response.status_code == 302
    assert Row.objects.get(payload__Last_Name="Ref").payload["Account_Name"] == {
        "$row": world["mine"].pk}


def test_another_persons_row_is_refused_like_a_missing_one(world, sales_client):
    theirs = post(sales_client, f"row:{world['theirs'].pk}")
    missing = post(sales_client, f"row:{world['missing']}")
    assert theirs.status_code == missing.status_code == 400
    assert error_text(theirs) == error_text(missing) != ""
    assert "Secret Company" not in theirs.content.decode()
    assert not Row.objects.filter(payload__Last_Name="Ref").exists()


def test_a_row_of_the_wrong_module_is_refused(world, sales_client):
    response = post(sales_client, f"row:{world['my_contact'].pk}")
    assert response.status_code == 400
    assert error_text(response) == "Queued row N is in Contacts; this field refers to Accounts."
    assert not Row.objects.filter(payload__Last_Name="Ref").exists()


def test_a_redraw_does_not_show_another_persons_label(world, sales_client):
    theirs = sales_client.get("/records/Contacts/new/", {
        "_partial": "1", "Account_Name": f"row:{world['theirs'].pk}"}).content.decode()
    missing = sales_client.get("/records/Contacts/new/", {
        "_partial": "1", "Account_Name": f"row:{world['missing']}"}).content.decode()
    assert "Secret Company" not in theirs
    # Another person's row is labelled exactly as a row that does not exist.
    assert f"a queued row that is no longer usable (row:{world['theirs'].pk})" in theirs
    assert f"a queued row that is no longer usable (row:{world['missing']})" in missing
    mine = sales_client.get("/records/Contacts/new/", {
        "_partial": "1", "Account_Name": f"row:{world['mine'].pk}"}).content.decode()
    assert "My Company" in mine


def test_an_admin_may_refer_to_anyones_row(world, admin_client):
    response = post(admin_client, f"row:{world['theirs'].pk}")
    assert response.status_code == 302


def test_lookup_search_never_lists_another_persons_rows(world, sales_client, settings):
    settings.BIGIN_SANDBOX_URL = "http://127.0.0.1:9/sandbox"  # only the queue answers
    text = sales_client.get("/lookup/Accounts/", {"q": "Company"}).content.decode()
    assert f"row:{world['mine'].pk}" in text
    assert "Secret Company" not in text and f"row:{world['theirs'].pk}" not in text


def test_the_services_refuse_another_persons_row_whatever_the_way_in(world, sales_user):
    with pytest.raises(RowError, match="no longer exists"):
        create_row(module="Contacts", owner=sales_user,
                   payload={"Last_Name": "Sneaky", "Account_Name": {"$row": world["theirs"].pk}})
    row = create_row(module="Contacts", owner=sales_user, payload={"Last_Name": "Plain"})
    with pytest.raises(RowError, match="no longer exists"):
        edit_row(row=row, actor=sales_user,
                 payload={"Last_Name": "Plain", "Account_Name": {"$row": world["theirs"].pk}})


def test_an_import_cannot_name_another_persons_row(world, sales_user, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "people.csv"
    path.write_text(f"Last_Name,Account_Name\nA,row:{world['theirs'].pk}\n"
                    "B,Secret Company\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        call_command("bigin_import", "--module", "Contacts", "--user", sales_user.username,
                     str(path))
    assert not Row.objects.filter(module="Contacts", payload__Last_Name__in=["A", "B"]).exists()


def test_related_to_participants_and_products_check_the_module():
    ctx = Context(pending_row_ids=lambda pk: True, row_module=lambda pk: "Contacts",
                  record={"$se_module": "Accounts"})
    meta = FieldMeta(api_name="Related_To", label="Related To", data_type="lookup",
                     json_type="jsonobject")
    with pytest.raises(FieldInvalid):
        v_related_to(meta, {"$row": 5}, ctx)
    ctx.record = {"$se_module": "Contacts"}
    v_related_to(meta, {"$row": 5}, ctx)
    ctx.row_module = lambda pk: "Accounts"
    with pytest.raises(FieldInvalid):
        v_participants(meta, [{"type": "contact", "participant": {"$row": 5}}], ctx)
