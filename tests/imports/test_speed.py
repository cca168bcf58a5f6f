"""What keeps the import fast must not change what it checks: the import's form cleans
exactly as the entry form does, and the number of queries does not grow with the lines."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bigin_ui.imports.checking import LineData, LineForm
from bigin_ui.imports.services import check_import, create_import, queue_import
from bigin_ui.metadata.forms import RecordForm
from bigin_ui.metadata.schema import get_schema
from bigin_ui.metadata.services import store_module, store_users
from bigin_ui.queue.entry import entry_exclusions, form_context, validation_context
from bigin_ui.sandbox import catalog

pytestmark = pytest.mark.django_db

# Values that are right for some fields and wrong for most: each field's own rules decide.
PROBES = ("", "x", "12", "-3.5", "2026-02-30", "2026-03-01", "2026-03-01 10:30", "true",
          "row:999", "a" * 300, "ann@example.com")


@pytest.fixture
def user(django_user_model):
    store_users(users=[{"id": catalog.oid(457001), "full_name": "Sam Seller",
                        "email": "sam@example.com", "status": "active",
                        "time_zone": "Europe/Berlin"}])
    return django_user_model.objects.create_user("sam", "sam@example.com", "pw-sales-123")


def input_names(form: RecordForm) -> list[str]:
    """Every input name the form reads, the parts of multi-input fields included."""
    names = []
    for name, field in form.fields.items():
        suffixes = getattr(field.widget, "widgets_names", None)
        names.extend(f"{name}{s}" for s in suffixes) if suffixes else names.append(name)
    return names


def outcome(form: RecordForm) -> tuple[bool, dict, dict, dict]:
    valid = form.is_valid()
    errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
    return valid, errors, form.cleaned_data, form.payload


@pytest.mark.parametrize("module", list(catalog.MODULES))
def test_the_import_form_cleans_every_field_as_the_entry_form(module, user):
    store_module(module=module, fields=catalog.base_fields(module), layouts=[], tags=[])
    schema = get_schema(module)
    kwargs = {"schema": schema, "ctx": form_context(user), "exclude": entry_exclusions(module)}
    names = input_names(RecordForm(**kwargs))
    # Each probe in every input, then probes shifted across the inputs so neighbours differ.
    cases = [dict.fromkeys(names, probe) for probe in PROBES]
    cases += [dict(zip(names, itertools.islice(itertools.cycle(PROBES), shift, None),
                             strict=False))
              for shift in range(len(PROBES))]
    for values in cases:
        data = {name: [value] for name, value in values.items()}
        entry = RecordForm(LineData(data), validation=validation_context(user), **kwargs)
        line = LineForm(LineData(data), validation=validation_context(user), **kwargs)
        expected = outcome(entry)
        assert outcome(line) == expected, values
        # As the import runs it: the zone switched to once for all lines.
        held = LineForm(LineData(data), validation=validation_context(user), **kwargs)
        held.zone_held = True
        with timezone.override(kwargs["ctx"].time_zone):
            assert outcome(held) == expected, values


def test_line_data_answers_get_as_multivaluedict():
    from django.utils.datastructures import MultiValueDict

    data = {"a": ["1", "2"], "b": [], "c": [[]], "d": [""]}
    for key in ("a", "b", "c", "d", "missing"):
        assert LineData(data).get(key) == MultiValueDict(data).get(key)
        assert LineData(data).get(key, "?") == MultiValueDict(data).get(key, "?")


def queries_for(tmp_path, user, lines: int) -> tuple[int, int]:
    path = tmp_path / f"contacts-{lines}.csv"
    rows = ["First Name,Last Name,Email,Mailing City,Email Opt Out"]
    rows += [f"Ann{i},Bench {i},ann.{i}@example.com,Lyon,{'yes' if i % 2 else 'no'}"
             for i in range(lines)]
    rows += ["Bad,Line,not-an-email,Lyon,perhaps"]  # a rejected line as well
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    imp = create_import(path=path, file_name=path.name, module="Contacts", created_by=user,
                        owner=user, origin="cli")
    with CaptureQueriesContext(connection) as checking:
        imp = check_import(import_id=imp.pk)
    with CaptureQueriesContext(connection) as queueing:
        imp = queue_import(import_id=imp.pk)
    assert (imp.lines_good, imp.lines_bad, imp.rows_queued) == (lines, 1, lines)
    return len(checking), len(queueing)


def test_queries_do_not_grow_with_the_lines(tmp_path, user, settings):
    """Statements per batch of lines, never per line: 2,100 lines (three batches of 1,000)
    take at most a few statements more per extra batch than 100 lines."""
    from bigin_ui.imports import services

    settings.BIGIN_IMPORT_DIR = tmp_path / "uploads"
    store_module(module="Contacts", fields=catalog.base_fields("Contacts"), layouts=[],
                 tags=[])
    assert services.BATCH == 1000
    few = queries_for(tmp_path, user, 100)
    many = queries_for(tmp_path, user, 2100)
    extra_batches = 2
    # Checking writes the lines and the progress per batch; queueing reads the lines,
    # inserts rows, reads their keys (500 at a time), inserts history, links the lines and
    # writes the progress, in a transaction of its own (a savepoint and its release here).
    assert many[0] <= few[0] + 2 * extra_batches, (few, many)
    assert many[1] <= few[1] + 9 * extra_batches, (few, many)
    assert few[0] <= 25 and few[1] <= 25, few


def test_references_are_looked_up_once_per_import_not_per_line(tmp_path, user, settings):
    """Every line naming the same queued company (row:N) checks it once per import; the
    queueing checks it again, per batch, in case it went away meanwhile."""
    from bigin_ui.queue.models import Row

    settings.BIGIN_IMPORT_DIR = tmp_path / "uploads"
    for module in ("Contacts", "Accounts"):
        store_module(module=module, fields=catalog.base_fields(module), layouts=[], tags=[])
    company = Row.objects.create(module="Accounts", owner=user,
                                 payload={"Account_Name": "Fair Trade Ltd"})
    counts = []
    for lines in (100, 2100):
        path = tmp_path / f"people-{lines}.csv"
        rows = ["First Name,Last Name,Company Name"]
        rows += [f"Ann{i},Bench {i},row:{company.pk}" for i in range(lines)]
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        imp = create_import(path=path, file_name=path.name, module="Contacts",
                            created_by=user, owner=user, origin="cli")
        assert imp.mapping == {"0": "First_Name", "1": "Last_Name", "2": "Account_Name"}
        with CaptureQueriesContext(connection) as checking:
            imp = check_import(import_id=imp.pk)
        assert (imp.lines_good, imp.lines_bad) == (lines, 0)
        with CaptureQueriesContext(connection) as queueing:
            imp = queue_import(import_id=imp.pk)
        assert imp.rows_queued == lines
        counts.append((len(checking), len(queueing)))
    few, many = counts
    # Queueing also checks the company is still visible (one statement per batch) and links
    # each row to it (bulk_create: up to three statements per 1,000 links on SQLite).
    assert many[0] <= few[0] + 2 * 2, counts
    assert many[1] <= few[1] + 13 * 2, counts
