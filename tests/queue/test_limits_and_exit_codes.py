"""Bigin's own limits stop a run with rows back in the queue (issue 10), and
``bigin_submit --wait`` exit codes tell the truth."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from bigin_ui.queue.models import Attempt, Row, SubmissionRun
from bigin_ui.queue.runs import start_run


def queue(owner, count, prefix, *, email=True):
    return [Row.objects.create(module="Contacts", owner=owner, payload={
        "Last_Name": f"{prefix} {i}", **({"Email": f"{prefix}{i}@example.com"} if email else {})})
        for i in range(count)]


@pytest.fixture
def one_call_at_a_time(settings, fast_retries):
    settings.BIGIN_MAX_CONCURRENCY = 1
    settings.BIGIN_BATCH_SIZE = 10


@pytest.mark.parametrize("code", ["LIMIT_REACHED", "LIMIT_EXCEEDED", "MAX_DAILY_CALLS_EXCEEDED"])
def test_credit_exhaustion_stops_the_run_with_rows_pending_and_when_it_frees(
        synced, staff, one_call_at_a_time, code):
    rows = queue(staff, 40, f"cr{code}")
    synced.knobs(refuse_writes=code)
    run = start_run(user=staff, owner=staff)
    run.refresh_from_db()
    assert run.status == SubmissionRun.Status.STOPPED
    assert "credits" in run.message and "24 hours" in run.message and "UTC" in run.message
    assert set(Row.objects.filter(pk__in=[r.pk for r in rows])
               .values_list("status", flat=True)) == {Row.Status.PENDING}
    assert not Row.objects.filter(status=Row.Status.FAILED).exists()
    # The run stopped calling: one refused call, not one per batch.
    assert Attempt.objects.filter(kind="insert").exclude(outcome="not_sent").count() == 1
    assert synced.stats()["write_calls"] == 1
    # Once Bigin takes writes again, the next Submit sends the same rows.
    synced.knobs(refuse_writes="")
    start_run(user=staff, owner=staff)
    assert set(Row.objects.filter(pk__in=[r.pk for r in rows])
               .values_list("status", flat=True)) == {Row.Status.CREATED}


@pytest.mark.parametrize(("code", "named"), [
    ("OAUTH_SCOPE_MISMATCH", "ZohoBigin.modules.contacts.ALL"),
    ("NO_PERMISSION", "Create Contacts"),
])
def test_scope_and_permission_refusals_name_what_is_missing(
        synced, staff, one_call_at_a_time, code, named):
    rows = queue(staff, 20, f"sc{code}")
    synced.knobs(refuse_writes=code)
    run = start_run(user=staff, owner=staff)
    run.refresh_from_db()
    assert run.status == SubmissionRun.Status.STOPPED
    assert named in run.message, run.message
    assert set(Row.objects.filter(pk__in=[r.pk for r in rows])
               .values_list("status", flat=True)) == {Row.Status.PENDING}
    assert synced.stats()["write_calls"] == 1


def test_the_sandbox_refuses_an_unknown_refusal_knob(synced):
    from tests.sandbox_control import SandboxError

    with pytest.raises(SandboxError):
        synced.knobs(refuse_writes="NOT_A_CODE")


def submit_wait(capsys):
    code = 0
    try:
        call_command("bigin_submit", "--wait")
    except SystemExit as stop:
        code = stop.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_submit_wait_exits_zero_when_every_row_is_created(synced, staff, fast_retries, capsys):
    queue(staff, 3, "fine")
    code, out, _ = submit_wait(capsys)
    assert code == 0
    assert "created 3, failed 0" in out


def test_submit_wait_exits_non_zero_when_bigin_fails_until_retries_run_out(
        synced, staff, fast_retries, settings, capsys):
    # Issue 10: "With the upstream answering 502 until the retries ran out, bigin_submit
    # --wait printed 'created 0, failed 0 … Nothing to send.' and exited 0".
    settings.BIGIN_MAX_RETRIES = 1
    rows = queue(staff, 3, "fivehundred")
    synced.knobs(rate_500=1.0)
    code, out, err = submit_wait(capsys)
    assert code == 1
    assert "left unsent (pending) 3" in out
    assert "kept refusing" in out  # the reason, from the rows
    assert "3 row(s) were left unsent" in err
    assert "Nothing to send" not in out
    assert set(Row.objects.filter(pk__in=[r.pk for r in rows])
               .values_list("status", flat=True)) == {Row.Status.PENDING}


def test_submit_wait_exits_non_zero_and_says_rows_need_review(
        synced, staff, fast_retries, capsys):
    queue(staff, 2, "review", email=False)
    synced.knobs(rate_drop=1.0)  # every answer lost, nothing to look the rows up by
    code, out, err = submit_wait(capsys)
    assert code == 1
    assert "needs review 2" in out and "2 need review" in err


def test_submit_wait_exits_non_zero_when_a_row_failed(synced, staff, fast_retries, capsys):
    Row.objects.create(module="Contacts", owner=staff,
                       payload={"Last_Name": "Bad", "Account_Name": {"id": "2034020000009999999"}})
    code, out, err = submit_wait(capsys)
    assert code == 1
    assert "failed 1" in out and "1 failed" in err
