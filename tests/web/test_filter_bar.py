"""The filter bars print what Django's own widgets printed, whatever the filters' values.

The oracle is the markup the Review and All rows templates had before ``web.forms.filter_bar``
(copied below): each field drawn by Django (``field.as_widget``, ``{{ field }}`` for a hidden
one), with the same label and error lines around it.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string

from bigin_ui.web.forms import ReviewFilterForm, RowsFilterForm, filter_bar

DJANGO_DRAWN = (
    '{% for field in form %}{% if field.is_hidden %}{{ field }}{% else %}\n'
    '  <div class="{{ col }}"><label class="form-label mb-0" for="{{ field.id_for_label }}">'
    '{{ field.label }}</label>\n'
    '    {{ field.as_widget }}{% for error in field.errors %}<div class="text-danger" '
    'data-testid="filter-error">{{ error }}</div>{% endfor %}</div>{% endif %}{% endfor %}')

HOSTILE = "<b>\"it's\"</b> & more"
QUOTED = quote(HOSTILE)
QUERIES = [
    "",
    "module=Contacts&error_code=INVALID_DATA&field=Email&owner=sam&text=ann",
    "date_from=2026-01-31&date_to=2026-02-01&cause=failed%7C%7CX%7CY%7CContacts",
    "date_from=bad&date_to=2026-13-45&module=Nope",  # errors: aria attributes and messages
    f"text={QUOTED}&owner={QUOTED}&error_code={QUOTED}&q={QUOTED}",
    "status=failed&owner=sam&q=p12%40example",
    "status=held&module=Accounts&q=",
    "status=nope&owner=nobody",
]


def drawn_by_django(form, col: str) -> str:
    from django.template import engines

    return engines["django"].from_string(DJANGO_DRAWN).render({"form": form, "col": col})


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("kind", ["review", "all rows"])
def test_the_bar_prints_what_django_widgets_printed(kind, query):
    data = QueryDict(query)
    if kind == "review":
        form = ReviewFilterForm(data)
    else:
        form = RowsFilterForm(data, counts={"failed": 3}, usernames=["sam", HOSTILE])
    form.filters()  # as the views do: validated before drawing
    col = "col-6 col-md-3 col-xl"
    printed = render_to_string("web/_filter_bar.html", {"bar": filter_bar(form), "col": col})
    assert printed == drawn_by_django(form, col)
    assert "<b>" not in printed


def test_the_hidden_copies_carry_the_values_as_submitted():
    form = ReviewFilterForm(QueryDict(f"date_from=bad&text={QUOTED}&module=Contacts"))
    form.filters()
    data = {f.name: f.data for f in filter_bar(form)}
    assert data == {name: form[name].value() or "" for name in form.fields}
    assert data["date_from"] == "bad" and data["text"] == HOSTILE and data["cause"] == ""
