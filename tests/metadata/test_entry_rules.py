"""Issue 12 item 4 through the entry form, with the sandbox's metadata synced: what a person
types is read the way the doc describes, and the payload has Bigin's shape."""

from __future__ import annotations

import pytest

from bigin_ui.queue.entry import make_form
from bigin_ui.queue.models import Row
from tests.metadata.test_seed_samples import FORM_DATA, entering_user, query_dict  # noqa: F401


def form_for(module, user, **changes):
    data = {**FORM_DATA[module], **changes}
    return make_form(module=module, user=user, data=query_dict(
        {k: v for k, v in data.items() if v is not None}))


def test_pipeline_may_be_left_out_as_the_doc_marks_it(synced, entering_user):  # noqa: F811
    # Doc: "Pipeline stringOptional ... Provide the name and ID of the Team Pipeline".
    form = form_for("Pipelines", entering_user, Pipeline="")
    assert not form.fields["Pipeline"].required
    assert form.is_valid(), form.errors
    assert "Pipeline" not in form.payload


def test_related_to_a_queued_row_sends_that_rows_module(synced, entering_user):  # noqa: F811
    company = Row.objects.create(module="Accounts", owner=entering_user,
                                 payload={"Account_Name": "Queued Co"})
    form = form_for("Calls", entering_user, **{"$se_module": "", "Related_To": f"row:{company.pk}"})
    assert form.is_valid(), form.errors
    assert form.payload["$se_module"] == "Accounts"
    assert form.payload["Related_To"] == {"$row": company.pk}


def test_related_to_a_bigin_id_without_a_module_is_sent_as_the_doc_does(synced,
                                                                       entering_user):  # noqa: F811
    # Doc's Calls sample: Related_To without "$se_module".
    form = form_for("Calls", entering_user, **{"$se_module": ""})
    assert form.is_valid(), form.errors
    assert "$se_module" not in form.payload


@pytest.mark.parametrize(("typed", "sent"), [("90", "90:00"), ("90:00", "90:00"),
                                             ("2.5", "02:30")])
def test_call_duration_in_minutes_or_minutes_and_seconds(synced, entering_user,  # noqa: F811
                                                         typed, sent):
    # Doc: "Call_Duration ... Provide the duration of the call in minutes."; its sample sends
    # "90:00". The sandbox's field is text, so minutes:seconds are sent.
    form = form_for("Calls", entering_user, Call_Duration=typed)
    assert form.is_valid(), form.errors
    assert form.payload["Call_Duration"] == sent


def test_an_unreadable_call_duration_is_a_field_error(synced, entering_user):  # noqa: F811
    form = form_for("Calls", entering_user, Call_Duration="an hour")
    assert not form.is_valid()
    assert "Call_Duration" in form.errors


def test_a_picklist_posted_in_another_case_is_stored_as_the_actual_value(
        synced, entering_user):  # noqa: F811
    form = form_for("Accounts", entering_user, Industry="technology")
    assert form.is_valid(), form.errors
    assert form.payload["Industry"] == "Technology"


def test_a_comma_decimal_under_the_point_convention_is_an_error(synced,
                                                                entering_user):  # noqa: F811
    form = form_for("Pipelines", entering_user, Amount="2.500,00")
    assert not form.is_valid()
    assert "Amount" in form.errors
    assert "1,234.56" in str(form.errors["Amount"])


def test_under_the_comma_convention_a_comma_decimal_is_read(synced, entering_user):  # noqa: F811
    from bigin_ui.people.services import save_profile

    save_profile(user=entering_user, time_zone="Asia/Kolkata", decimal_separator=",")
    form = form_for("Pipelines", entering_user, Amount="2.500,00")
    assert form.is_valid(), form.errors
    assert form.payload["Amount"] == 2500


def test_a_reopened_number_is_shown_in_the_persons_convention(synced,
                                                              entering_user):  # noqa: F811
    from bigin_ui.people.services import save_profile

    save_profile(user=entering_user, time_zone="Asia/Kolkata", decimal_separator=",")
    form = make_form(module="Pipelines", user=entering_user,
                     payload={"Deal_Name": "D", "Amount": 2500.5})
    assert form.initial["Amount"] == "2500,5"


def test_a_row_sent_with_another_offset_is_shown_in_the_viewers_zone_and_kept(
        synced, entering_user):  # noqa: F811
    from bigin_ui.people.services import save_profile
    from tests.formpost import render_fields, resubmitted
    from tests.metadata.test_seed_samples import EXPECTED

    stored = EXPECTED["Calls"]  # "Call_Start_Time": "2023-07-12T15:30:00+05:30"
    save_profile(user=entering_user, time_zone="Europe/Istanbul", decimal_separator=".")
    form = make_form(module="Calls", user=entering_user, payload=stored)
    html = render_fields(form)
    assert 'value="2023-07-12T13:00"' in html  # 15:30 at +05:30 is 13:00 at +03:00
    assert "Times in Europe/Istanbul (+03:00)" in html
    assert "Sent as 2023-07-12T15:30:00+05:30" in html
    again = make_form(module="Calls", user=entering_user, data=resubmitted(form),
                      payload=stored)
    assert again.is_valid(), again.errors
    assert again.payload["Call_Start_Time"] == "2023-07-12T15:30:00+05:30"


def test_related_to_a_record_found_by_search_sends_its_module(synced, entering_user):  # noqa: F811
    from bigin_ui.metadata.models import RecordName

    RecordName.objects.create(module="Pipelines", bigin_id="2034020000000489123",
                              name="Cruise Package")
    form = form_for("Calls", entering_user, **{"$se_module": ""})
    assert form.is_valid(), form.errors
    assert form.payload["$se_module"] == "Pipelines"
