"""Every module's form renders, and no input, however hostile, makes a server error.

The posted names are the ones the rendered form really has (structured fields included), plus
names it does not have; the values are random and adversarial. A POST answers 302 (queued),
200 (a redraw) or 400 (refused), and only a 302 queues anything.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bigin_ui.metadata.schema import MODULES
from bigin_ui.queue.models import Row

# Not a test database per example: the synced sandbox is set up once for all of them.
FUZZ = settings(max_examples=45, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
INPUT_NAME = re.compile(r'name="([^"]+)"')
IDS = ["2034020000000489159", "2034020000000489033", "2034020000000489203",
       "2034020000000457001", "2034020000000095023", "2034020000000095051"]


@pytest.mark.parametrize("module", MODULES)
def test_every_module_form_renders(synced, sales_client, module):
    response = sales_client.get(f"/records/{module}/new/")
    assert response.status_code == 200
    assert b'class="record-form"' in response.content


@pytest.fixture
def form_inputs(synced, sales_client) -> dict[str, list[str]]:
    """Each module's input names, read from its rendered form."""
    names = {}
    for module in MODULES:
        html = sales_client.get(f"/records/{module}/new/").content.decode()
        form = html[html.index('class="record-form"'):]
        names[module] = sorted(set(INPUT_NAME.findall(form)) - {"csrfmiddlewaretoken"})
    return names


values = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(["", " ", "\x00", "a\x00b", "\u202e\u0301", "💥" * 50, "<script>x</script>",
                     "'; DROP TABLE x;--", "%s%n", "{{ 7*7 }}", "on", "true", "None", "null"]),
    st.integers(2_000, 200_000).map(lambda n: "x" * n),
    st.integers().map(str),
    st.sampled_from(["-1", "0", "1e309", "NaN", "-Infinity", "9" * 40, "-" + "9" * 40,
                     "1.0000000001", "12,345.67", "٣", "1_000", "0x1F"]),
    st.sampled_from(["2026-02-30", "0001-01-01", "9999-12-31", "2026-13-01", "26/11/2026",
                     "2026-11-26T25:00", "0001-01-01T00:00", "9999-12-31T23:59",
                     "2026-11-26T10:00", "2026-11-26", "10:00", "24:00", "99:99"]),
    st.sampled_from(IDS + ["row:1", "row:999999", "row:", "row:-1", "row:1,row:2",
                           ", ,", "1,2,3"]),
    st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "HOURLY", "MO", "XX", "-1", "5",
                     "EMAIL", "POPUP", "SMS", "D", "W", "minutes", "weeks", "Pipelines",
                     "Contacts", "Leads", "Sales Pipeline Standard", "Needs Analysis",
                     "Partner Onboarding", "Outbound", "Inbound"]),
)
extra_names = st.sampled_from([
    "Created_Time", "Full_Name", "id", "$approved", "Nope", "Associated_Products-99-Product",
    "Associated_Products-x-Quantity", "Remind_At-0-nope", "Remind_At--1-unit",
    "Participants_users", "Recurring_Activity_byday", "$se_module", "Tag", "_refresh",
])


@st.composite
def post_bodies(draw: Any, names: list[str]) -> dict[str, list[str]]:
    chosen = draw(st.lists(st.sampled_from(names), max_size=len(names), unique=True))
    chosen += draw(st.lists(extra_names, max_size=3, unique=True))
    body = {}
    for name in chosen:
        # Mostly one value; sometimes several where one is expected, or none at all.
        body[name] = draw(st.lists(values, min_size=0, max_size=3) if draw(st.booleans())
                          else values.map(lambda v: [v]))
    if draw(st.integers(0, 9)) == 0:
        body["_refresh"] = ["pipeline"]
    return body


@FUZZ
@given(data=st.data(), module=st.sampled_from(MODULES))
def test_no_post_makes_a_server_error(sales_client, form_inputs, data, module):
    body = data.draw(post_bodies(form_inputs[module]), label="body")
    before = Row.objects.count()
    response = sales_client.post(f"/records/{module}/new/", body)
    assert response.status_code in {200, 302, 400}
    added = Row.objects.count() - before
    assert added == (1 if response.status_code == 302 else 0)
    if added:
        # PostgreSQL's jsonb refuses NUL characters, so none may reach a stored payload.
        assert "\\u0000" not in json.dumps(Row.objects.latest("id").payload)


@FUZZ
@given(data=st.data(), module=st.sampled_from(MODULES))
def test_no_redraw_makes_a_server_error(sales_client, form_inputs, data, module):
    params = data.draw(post_bodies(form_inputs[module]), label="params")
    params["_partial"] = [data.draw(st.sampled_from(["pipeline", "lines", "", "x"]))]
    before = Row.objects.count()
    response = sales_client.get(f"/records/{module}/new/", params)
    assert response.status_code == 200
    assert Row.objects.count() == before


# Inputs that made server errors before, kept so they never come back unnoticed.
KNOWN_HOSTILE = [
    ("Events", {"Event_Title": "x", "Recurring_Activity_freq": "DAILY",
                "Recurring_Activity_byday": ["XX", ""]}),
    ("Contacts", {"Last_Name": "x", "Account_Name": "row:"}),
    ("Contacts", {"Last_Name": "x", "Account_Name": "row:²"}),
    ("Contacts", {"Last_Name": "x", "Account_Name": "row:" + "9" * 40}),
    ("Events", {"Event_Title": "x", "Participants_contacts": "row:²"}),
    ("Events", {"Event_Title": "x", "Remind_At-²-unit": "1"}),
    ("Events", {"Event_Title": "x", "Remind_At-0-unit": "²", "Remind_At-0-period": "hours"}),
    ("Events", {"Event_Title": "x", "Remind_At-0-unit": "9" * 5000}),
    ("Pipelines", {"Deal_Name": "x", "Associated_Products-0-Product": "row:²"}),
]


@pytest.mark.parametrize(("module", "body"), KNOWN_HOSTILE,
                         ids=[f"{m}-{i}" for i, (m, _) in enumerate(KNOWN_HOSTILE)])
def test_known_hostile_posts_are_refused_not_crashed(synced, sales_client, module, body):
    response = sales_client.post(f"/records/{module}/new/", body)
    assert response.status_code == 400
    assert not Row.objects.exists()


def test_a_recurrence_preview_until_far_away_is_quick(synced, sales_client):
    started = time.perf_counter()
    response = sales_client.get("/records/Events/new/", {
        "_partial": "recurrence", "Recurring_Activity_freq": "DAILY",
        "Recurring_Activity_interval": "1", "Recurring_Activity_until": "9999-12-31"})
    assert response.status_code == 200
    assert b"Next:" in response.content
    assert time.perf_counter() - started < 2


DEACTIVATED_USER = "2034020000000472150"  # Grace Wanjiru, disabled in the sandbox's org


def test_a_deactivated_bigin_user_is_not_offered_as_owner(synced, sales_client):
    html = sales_client.get("/records/Contacts/new/").content.decode()
    assert "2034020000000472114" in html
    assert DEACTIVATED_USER not in html


def test_a_deactivated_bigin_user_is_refused_as_participant(synced, sales_client):
    response = sales_client.post("/records/Events/new/", {
        "Event_Title": "Demo", "Start_DateTime": "2026-12-07T10:00",
        "End_DateTime": "2026-12-07T11:00", "Participants_users": [DEACTIVATED_USER]})
    assert response.status_code == 400
    assert not Row.objects.exists()


def test_the_parts_of_compound_fields_get_their_own_bootstrap_classes(synced, sales_client):
    import re

    html = sales_client.get("/records/Events/new/").content.decode()
    weekday = re.search(r'<input[^>]*name="Recurring_Activity_byday"[^>]*>', html).group(0)
    assert 'type="checkbox"' in weekday and "form-control" not in weekday
    weekdays = re.search(r'<div id="id_Recurring_Activity_4"[^>]*>', html).group(0)
    assert "form-c" not in weekdays  # the list's box is not styled as one input
    frequency = re.search(r'<select[^>]*name="Recurring_Activity_freq"[^>]*>', html).group(0)
    assert "form-select" in frequency and "form-control" not in frequency
    user = re.search(r'<input[^>]*type="checkbox"[^>]*name="Participants_users"[^>]*>', html)
    assert user and "form-control" not in user.group(0)
