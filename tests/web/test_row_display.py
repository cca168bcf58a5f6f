"""The list pages' per-row text, worked out in Python, reads as the templates used to print it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone

from bigin_ui.queue.models import Row
from bigin_ui.web.row_display import prepare_rows, record_name

# What web/_row_name.html printed before the lists worked it out once per page.
OLD_NAME = Template(
    '{% with p=row.payload %}{% if row.module == "Contacts" %}{{ p.First_Name|default:"" }} '
    '{{ p.Last_Name }}{% elif row.module == "Accounts" %}{{ p.Account_Name }}'
    '{% elif row.module == "Pipelines" %}{{ p.Deal_Name }}{% elif row.module == "Products" %}'
    '{{ p.Product_Name }}{% elif row.module == "Events" %}{{ p.Event_Title }}{% else %}'
    '{{ p.Subject|default:"(no subject)"|truncatechars:60 }}{% endif %}{% endwith %}')

PAYLOADS = [
    {}, {"First_Name": "Ann", "Last_Name": "Lee"}, {"Last_Name": "Lee"},
    {"First_Name": None, "Last_Name": None}, {"First_Name": "", "Last_Name": "O'Neil <b>"},
    {"Account_Name": "Acme & Co"}, {"Deal_Name": 12345}, {"Product_Name": 2.5},
    {"Event_Title": "Launch"}, {"Subject": "x" * 80}, {"Subject": ""}, {"Subject": None},
    {"Subject": "exactly sixty" + "y" * 47}, ["not", "a", "dict"], "text",
]


@pytest.mark.parametrize("module", ["Contacts", "Accounts", "Pipelines", "Products", "Events",
                                    "Tasks", "Calls"])
@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_the_name_is_what_the_template_printed(module, payload):
    row = Row(module=module, payload=payload)
    # Both sides escaped the same way: the template's autoescape on the text it prints.
    printed = Template("{{ name }}").render(Context({"name": record_name(module, payload)}))
    assert printed == OLD_NAME.render(Context({"row": row}))


def test_prepared_rows_carry_the_cells_as_plain_text(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    row = Row(pk=7, module="Pipelines", status=Row.Status.FAILED, hold=Row.Hold.DUPLICATE,
              payload={"Deal_Name": "<script>"},
              created_at=dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC))
    row.problem = "Cannot reach Bigin at https://x.example: ConnectionError timed out"
    with timezone.override("Europe/Berlin"):
        [cells] = prepare_rows([row])
        expected_entered = Template('{{ when|date:"Y-m-d H:i" }}').render(
            Context({"when": row.created_at}))
    assert (row.ref, row.detail_url, row.display_name) == ("7", "/rows/7/", "<script>")
    assert row.entered == expected_entered == "2026-02-01 00:30"
    assert (row.status_text, row.module_text, row.kind_text) == ("Failed", "Pipelines",
                                                                 "pipeline record")
    assert row.hold_text == row.get_hold_display() != ""
    assert row.problem_text.startswith("Cannot reach Bigin at https://x.example")
    # Plain strings: the templates escape them.
    assert type(row.display_name) is str and "&lt;script&gt;" in Template(
        "{{ r.display_name }}").render(Context({"r": row}))
    # What the templates loop over: the same text, as a dict (cheaper for them to read).
    assert cells["display_name"] == row.display_name and cells["entered"] == row.entered
    assert cells["problem"] == row.problem and cells["owner_name"] == ""
    assert cells["error_field_label"] == "" and cells["ref"] == "7"


@pytest.mark.parametrize(("message", "label", "text", "on"), [
    ("Bad value", "E-mail", "Bad value", "E-mail"),
    ("", "", "INVALID_DATA", "Email"),  # the code and the API name when nothing better
])
def test_bigins_error_reads_as_the_default_filters_printed_it(message, label, text, on):
    row = Row(pk=3, module="Contacts", status=Row.Status.FAILED, error_code="INVALID_DATA",
              error_message=message, error_field="Email", created_at=timezone.now())
    row.error_field_label = label
    [cells] = prepare_rows([row])
    old = Template("{{ r.error_message|default:r.error_code }}|"
                   "{{ r.error_field_label|default:r.error_field }}")
    assert old.render(Context({"r": row})) == f"{cells['error_text']}|{cells['error_on']}"
    assert (cells["error_text"], cells["error_on"]) == (text, on)
