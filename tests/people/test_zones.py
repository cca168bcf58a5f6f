"""Issue 12 item 1: whose time zone a person enters and reads times in."""

from __future__ import annotations

import pytest

from bigin_ui.metadata.models import BiginOrg, BiginUser
from bigin_ui.people.services import person_zone, save_profile, zone_label
from bigin_ui.queue.entry import form_context, make_form
from tests.factories import store_contacts_metadata

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(django_user_model, settings):
    from django.contrib.auth.models import Group

    from bigin_ui.roles import SALES_GROUP

    settings.TIME_ZONE = "UTC"
    user = django_user_model.objects.create_user("pat", "pat@example.com", "pw-123456")
    user.groups.add(Group.objects.get_or_create(name=SALES_GROUP)[0])
    return user


def test_without_anything_synced_the_server_zone_is_used(person):
    assert person_zone(person).name == "UTC"
    assert person_zone(person).source == "server"


def test_the_orgs_synced_zone_comes_before_the_servers(person):
    BiginOrg.objects.create(time_zone="Africa/Nairobi")
    assert person_zone(person).name == "Africa/Nairobi"


def test_the_matched_bigin_users_zone_comes_before_the_orgs(person):
    BiginOrg.objects.create(time_zone="Africa/Nairobi")
    BiginUser.objects.create(bigin_id="1", full_name="Pat", email="PAT@example.com",
                             status="active", time_zone="Asia/Kolkata")
    assert person_zone(person).name == "Asia/Kolkata"


def test_the_profile_comes_first(person):
    BiginUser.objects.create(bigin_id="1", full_name="Pat", email="pat@example.com",
                             status="active", time_zone="Asia/Kolkata")
    save_profile(user=person, time_zone="Europe/Istanbul", decimal_separator=".")
    assert person_zone(person).name == "Europe/Istanbul"
    assert form_context(person).time_zone.key == "Europe/Istanbul"


def test_an_unknown_zone_synced_from_bigin_falls_through(person):
    BiginOrg.objects.create(time_zone="Mars/Olympus")
    assert person_zone(person).name == "UTC"


def test_a_zone_is_named_with_its_offset():
    import datetime as dt
    import zoneinfo

    winter = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)
    assert zone_label(zoneinfo.ZoneInfo("Europe/Istanbul"), at=winter) == (
        "Europe/Istanbul (+03:00)")
    assert zone_label(zoneinfo.ZoneInfo("America/New_York"), at=winter) == (
        "America/New_York (-05:00)")


def test_a_zone_that_changes_its_clocks_names_todays_offset_as_now():
    """Over a page, the zone's offset today is not every shown time's: a July time in Berlin
    is +02:00 whatever the label says in January."""
    import datetime as dt
    import zoneinfo

    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    today = dt.datetime.now(dt.UTC).astimezone(berlin).strftime("%z")
    assert zone_label(berlin) == f"Europe/Berlin (now {today[:3]}:{today[3:]})"
    assert zone_label(zoneinfo.ZoneInfo("Australia/Sydney")).startswith(
        "Australia/Sydney (now +1")
    # One offset all year: nothing to tell apart.
    assert zone_label(zoneinfo.ZoneInfo("Europe/Istanbul")) == "Europe/Istanbul (+03:00)"
    assert zone_label(zoneinfo.ZoneInfo("UTC")) == "UTC (+00:00)"
    # A given moment's own offset is exact.
    july = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
    assert zone_label(berlin, at=july) == "Europe/Berlin (+02:00)"


def test_every_date_time_input_names_the_zone(person):
    store_contacts_metadata()
    save_profile(user=person, time_zone="Europe/Istanbul", decimal_separator=".")
    form = make_form(module="Contacts", user=person)
    # Contacts' only date/times are system fields; the form's own builder is what matters.
    from bigin_ui.metadata.formfields import kind_for
    from tests.factories import meta

    field = kind_for(meta("Call_Start_Time", "datetime")).build(
        meta("Call_Start_Time", "datetime"), form.ctx)
    assert "Times in Europe/Istanbul (+03:00)." in field.help_text


def test_the_number_convention_comes_from_the_profile(person):
    assert form_context(person).decimal_separator == "."
    save_profile(user=person, time_zone="", decimal_separator=",")
    assert form_context(person).decimal_separator == ","


def test_a_profile_page_saves_the_choices(client, person):
    client.force_login(person)
    page = client.get("/profile/")
    assert page.status_code == 200
    assert b"Default: UTC (+00:00)" in page.content
    response = client.post("/profile/", {"time_zone": "Europe/Istanbul",
                                         "decimal_separator": ","})
    assert response.status_code == 302
    assert person_zone(person).name == "Europe/Istanbul"
    assert form_context(person).decimal_separator == ","


def test_a_profile_page_refuses_an_unknown_zone(client, person):
    client.force_login(person)
    response = client.post("/profile/", {"time_zone": "Mars/Olympus",
                                         "decimal_separator": "."})
    assert response.status_code == 400
    assert person_zone(person).name == "UTC"


def test_pages_show_times_in_the_viewers_zone(client, person):
    import datetime as dt
    import zoneinfo

    from bigin_ui.queue.models import Row

    store_contacts_metadata()
    row = Row.objects.create(module="Contacts", owner=person, payload={"Last_Name": "Ng"})
    save_profile(user=person, time_zone="Asia/Kolkata", decimal_separator=".")
    client.force_login(person)
    page = client.get(f"/rows/{row.pk}/").content.decode()
    local = row.created_at.astimezone(zoneinfo.ZoneInfo("Asia/Kolkata"))
    assert f"on {local:%Y-%m-%d %H:%M}" in page
    assert local.utcoffset() != dt.timedelta(0)  # the test could tell UTC from Kolkata


def test_the_navigation_names_the_viewers_zone(client, person):
    save_profile(user=person, time_zone="Asia/Kolkata", decimal_separator=".")
    client.force_login(person)
    page = client.get("/profile/").content.decode()
    assert "times in Asia/Kolkata (+05:30)" in page


def test_a_sent_row_shows_its_times_in_the_viewers_zone_and_as_sent(client, person):
    from bigin_ui.queue.models import Row

    store_contacts_metadata()
    row = Row.objects.create(module="Contacts", owner=person, status=Row.Status.CREATED,
                             bigin_id="2034020000000999001",
                             payload={"Last_Name": "Ng",
                                      "Follow_Up": "2026-01-15T15:30:00+05:30"})
    save_profile(user=person, time_zone="Europe/Istanbul", decimal_separator=".")
    client.force_login(person)
    page = client.get(f"/rows/{row.pk}/").content.decode()
    assert ("2026-01-15 13:00 Europe/Istanbul (+03:00) (sent as 2026-01-15T15:30:00+05:30)"
            in page)


@pytest.mark.django_db(databases="__all__")
def test_every_page_that_shows_a_time_shows_it_in_the_viewers_zone_and_names_it(
        client, person, admin_user, settings, tmp_path):
    """Every page of the URL conf, as the owner and as an admin: a time on a page is in the
    viewer's zone (never the UTC the database holds) and the page names that zone."""
    import datetime as dt
    import re

    from bigin_ui.imports.models import Import
    from bigin_ui.imports.services import check_import, create_import
    from bigin_ui.metadata.models import MetadataChange, ModuleMetadata
    from bigin_ui.queue.models import Attempt, Row, RowEvent, SubmissionRun
    from bigin_ui.queue.rows import create_row
    from tests.urlconf import fill, url_patterns

    settings.BIGIN_IMPORT_DIR = tmp_path / "uploads"
    store_contacts_metadata()
    # One moment for every stored time: 03:07 UTC is 08:37 in Kolkata.
    moment = dt.datetime(2026, 1, 15, 3, 7, tzinfo=dt.UTC)
    run = SubmissionRun.objects.create(created_by=person, status=SubmissionRun.Status.FINISHED,
                                       rows_total=1, rows_sent=1)
    row = create_row(module="Contacts", owner=person, payload={"Last_Name": "Ng"})
    Row.objects.filter(pk=row.pk).update(status=Row.Status.FAILED, run=run,
                                         error_code="INVALID_DATA", error_message="bad",
                                         error_field="Email")
    Attempt.objects.create(run=run, module="Contacts", kind="insert", started_at=moment,
                           http_status=400, outcome="results", row_ids=[row.pk],
                           request_body={"data": [{"Last_Name": "Ng"}]})
    MetadataChange.objects.create(module="Contacts", changes=[
        {"kind": "added", "api_name": "Tier", "detail": "picklist"}])
    sheet = tmp_path / "people.csv"
    sheet.write_text("Last_Name\nNg\n", encoding="utf-8")
    imports = [check_import(import_id=create_import(
        path=sheet, file_name="people.csv", module="Contacts", created_by=person,
        owner=person).pk) for _ in range(2)]
    for model, fields in ((SubmissionRun, ["created_at", "started_at", "finished_at"]),
                          (Row, ["created_at", "updated_at", "sent_at"]), (RowEvent, ["at"]),
                          (MetadataChange, ["synced_at"]), (ModuleMetadata, ["synced_at"]),
                          (Import, ["created_at", "finished_at"])):
        model.objects.update(**dict.fromkeys(fields, moment))
    save_profile(user=person, time_zone="Asia/Kolkata", decimal_separator=".")
    save_profile(user=admin_user, time_zone="Asia/Kolkata", decimal_separator=".")
    values = {"row": str(row.pk), "run": str(run.pk), "module": "Contacts",
              "import": str(imports[-1].pk)}

    utc_text = re.compile(r"2026-01-15[ T]03:07")
    local_text = re.compile(r"2026-01-15[ T]08:37")
    shown = []
    for user in (person, admin_user):
        client.force_login(user)
        for route, name, params in url_patterns():
            url = fill(route, name, params, values)
            response = client.get(url)
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            text = (b"".join(response) if response.streaming else response.content).decode()
            assert not utc_text.search(text), f"{url}: a time shown in UTC"
            if local_text.search(text):
                shown.append(url)
                assert "Asia/Kolkata (+05:30)" in text, f"{url}: a time without its zone"
    # The oracle only counts if pages did show the stored times.
    assert {f"/rows/{row.pk}/", "/settings/connection/", "/review/"} <= set(shown), shown


def test_a_zone_that_changes_its_clocks_outside_january_and_july_is_called_now_too():
    """Casablanca is +01:00 in January and in July but +00:00 through Ramadan (February and
    March in 2026): a time shown from then is an hour off '(+01:00)' all the same."""
    import datetime as dt
    import zoneinfo

    casablanca = zoneinfo.ZoneInfo("Africa/Casablanca")
    ramadan = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    assert zone_label(casablanca, at=ramadan) == "Africa/Casablanca (+00:00)"
    assert zone_label(casablanca, at=dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)) == (
        "Africa/Casablanca (+01:00)")
    assert zone_label(casablanca).startswith("Africa/Casablanca (now ")
