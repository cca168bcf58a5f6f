"""My rows during and after a submit: a table that follows the run, a Submit button that says
what it will send, and a run panel that says in words what happened."""

from __future__ import annotations

import re
from html import unescape

from django.urls import reverse

from bigin_ui.queue.models import Row, SubmissionRun
from bigin_ui.queue.rows import create_row


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html))).strip(" >")


def contact(owner, name, email, **fields):
    row = create_row(module="Contacts", owner=owner,
                     payload={"Last_Name": name, "Email": email})
    if fields:
        Row.objects.filter(pk=row.pk).update(**fields)
    return row


def rows_partial(client, run):
    response = client.get(f"{reverse('my_rows')}?run={run.pk}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_while_a_run_goes_the_table_redraws_itself_with_current_statuses(
        sales_client, sales_user, contacts_metadata):
    run = SubmissionRun.objects.create(created_by=sales_user, status="running", rows_total=2)
    done = contact(sales_user, "Done", "done@example.com", run=run, status="created",
                   bigin_id="2034020000000700001")
    going = contact(sales_user, "Going", "going@example.com", run=run, status="sending")
    html = rows_partial(sales_client, run)
    assert "<h1" not in html  # the table alone, not the page
    table = re.search(r'<div id="rows-table"([^>]*)>', html).group(1)
    assert 'hx-trigger="every 1s"' in table
    assert f'hx-get="/records/?run={run.pk}"' in table
    row_of = {pk: html.split(f'data-row-id="{pk}"')[1].split("</tr>")[0]
              for pk in (done.pk, going.pk)}
    assert 'data-status="created"' in row_of[done.pk]
    assert "2034020000000700001" in row_of[done.pk]
    assert 'data-status="sending"' in row_of[going.pk]

    SubmissionRun.objects.filter(pk=run.pk).update(status="finished")
    html = rows_partial(sales_client, run)
    # The run is over: the last redraw stops the polling.
    assert "hx-trigger" not in re.search(r'<div id="rows-table"([^>]*)>', html).group(1)


def test_submit_counts_only_what_it_will_send_and_names_the_held_rows(
        sales_client, sales_user, contacts_metadata):
    contact(sales_user, "One", "one@example.com")
    contact(sales_user, "Two", "two@example.com")
    contact(sales_user, "Again", "one@example.com", hold=Row.Hold.DUPLICATE,
            hold_reason="Same Email as Contacts row 1")
    contact(sales_user, "Stale", "stale@example.com", hold=Row.Hold.INVALID)
    html = sales_client.get(reverse("my_rows")).content.decode()
    button = text_of(html.split('data-testid="submit-button"')[1].split("</button>")[0])
    assert button == "Submit 2 pending rows to Bigin"
    note = text_of(html.split('data-testid="held-note"')[1].split("</p>")[0])
    assert note == ("Not included, held for a person to decide: 1 possible duplicate, 1 invalid "
                    "after a metadata change. See the held rows.")


def test_a_submit_that_holds_a_duplicate_says_so(sales_client, sales_user, contacts_metadata,
                                                 settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    contact(sales_user, "First", "same@example.com")
    contact(sales_user, "Second", "SAME@example.com")
    contact(sales_user, "Other", "other@example.com")
    html = sales_client.get(reverse("my_rows")).content.decode()
    assert "Submit 3 pending rows" in text_of(html)
    response = sales_client.post(reverse("submit"), {"workflows_shown": "1"}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages[0] == "Submitting 2 rows in the background."
    assert messages[1].startswith("1 row was not sent: held as a possible duplicate of another "
                                  "row with the same unique value")


def test_a_run_whose_every_call_failed_with_500_says_so_in_words(
        synced, sales_client, sales_user, settings):
    settings.BIGIN_MAX_RETRIES = 2
    settings.BIGIN_RETRY_BASE_SECONDS = 0.01
    contact(sales_user, "Flaky", "flaky@example.com")
    synced.knobs(rate_500=1.0)
    response = sales_client.post(reverse("submit"), {"workflows_shown": "1"}, follow=True)
    run = SubmissionRun.objects.get()
    assert not run.active
    panel = response.content.decode().split('data-testid="run-report"')[1].split("</div>")[0]
    report = [text_of(p) for p in re.findall(r"<p[^>]*>(.*?)</p>", panel, re.S)]
    assert report == [
        "None of the 3 calls to Bigin got results: 3 answered with a server error (HTTP 500)."
        " Nothing was created.",
        "Of 1 row: 0 created, 0 failed.",
        "1 row was not sent and is pending again: submit again once Bigin answers normally.",
    ]


def test_review_shows_the_run_a_bulk_retry_started(synced, admin_client, sales_user):
    row = contact(sales_user, "Again", "again@example.com", status=Row.Status.FAILED,
                  error_code="INVALID_DATA", error_message="invalid data")
    response = admin_client.post(reverse("review_action"), {
        "action": "retry", "selection": "rows", "rows": [row.pk], "back": ""}, follow=True)
    run = SubmissionRun.objects.get()
    assert response.redirect_chain[-1][0].endswith(f"&run={run.pk}")
    html = response.content.decode()
    assert f"Run {run.pk}: Finished" in text_of(html.split('data-testid="run-progress"')[1])
    panel = html.split('data-testid="run-report"')[1].split("</div>")[0]
    report = [text_of(p) for p in re.findall(r"<p[^>]*>(.*?)</p>", panel, re.S)]
    assert report == ["Of 1 row: 1 created, 0 failed."]
