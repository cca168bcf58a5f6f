"""The store against the sandbox database, without HTTP."""

from __future__ import annotations

import pytest

from bigin_ui.sandbox import store
from bigin_ui.sandbox.models import Record, State
from bigin_ui.sandbox.schema import plain_schema

pytestmark = pytest.mark.django_db(databases="__all__")


def test_the_first_request_seeds_an_empty_database():
    assert not State.objects.exists()
    store.get_state()
    assert Record.objects.filter(module="Contacts").count() == 9


def test_ids_are_19_digit_and_increasing():
    store.get_state()
    first, second = store.allocate_ids(2)
    (third,) = store.allocate_ids(1)
    assert len(first) == 19 and int(first) + 1 == int(second) and int(second) + 1 == int(third)


def test_ids_never_reuse_seeded_ones():
    store.reset()
    (new,) = store.allocate_ids(1)
    assert int(new) > max(int(r.record_id) for r in Record.objects.all())


def test_tags_are_matched_without_case_and_created_once():
    store.get_state()
    (vip,) = store.ensure_tags("Contacts", ["vip"], "2034020000000457001")
    (again,) = store.ensure_tags("Contacts", ["VIP"], "2034020000000457001")
    assert vip == again and vip["name"] == "VIP"


def test_record_view_shows_every_field_and_the_dollar_keys():
    store.get_state()
    schema = plain_schema("Contacts")
    view = store.record_view(schema, Record.objects.get(record_id="2034020000000489033"))
    assert set(schema.by_name) <= set(view)
    assert view["$layout_id"] == {"display_label": "Standard", "name": "Standard",
                                  "id": "2034020000000091033"}
    assert (view["Full_Name"], view["Tag"], view["Mobile"]) == ("Ava Bell", [],
                                                                "+44 7700 900123")


def test_times_are_shown_in_the_org_offset_without_fractions():
    store.get_state()
    view = store.record_view(plain_schema("Products"),
                             Record.objects.get(record_id="2034020000000489203"))
    assert view["Created_Time"].endswith("+03:00") and "." not in view["Created_Time"]


def test_counters_are_incremented_and_peaks_only_rise():
    store.get_state()
    store.bump("api_calls", 3)
    store.raise_peak(4)
    store.raise_peak(2)
    stats = store.stats()
    assert (stats["api_calls"], stats["max_in_flight"]) == (3, 4)
