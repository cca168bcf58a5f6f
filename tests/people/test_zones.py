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
