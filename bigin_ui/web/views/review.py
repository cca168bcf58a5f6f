"""Admins: every row that needs attention, grouped by cause, with bulk fixes and export."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from bigin_ui.metadata.schema import get_schema, schema_at
from bigin_ui.metadata.widgets import plain_int
from bigin_ui.queue.counts_cache import remembered
from bigin_ui.queue.exports import csv_lines
from bigin_ui.queue.listing import (
    ListedRow,
    bounded_count,
    keyset_page,
    listed_rows,
    status_counts,
)
from bigin_ui.queue.models import SubmissionRun
from bigin_ui.queue.problems import attach_problems
from bigin_ui.queue.review import (
    ATTENTION_STATUSES,
    attention_rows,
    bulk_discard,
    bulk_retry,
    bulk_set_field,
    cause_filter,
    cause_groups,
    field_labels,
)
from bigin_ui.queue.rows import RowError
from bigin_ui.web.forms import BulkActionForm, ReviewFilterForm, filter_bar
from bigin_ui.web.http import HtmxHttpRequest, cursor_args, filter_query
from bigin_ui.web.permissions import admin_required
from bigin_ui.web.row_display import prepare_rows
from bigin_ui.web.views.records import run_context
from bigin_ui.web.wording import module_label

MAX_GROUP_ACTION = 5000


def _filtered(request: HtmxHttpRequest, source):
    form = ReviewFilterForm(source)
    filters = form.filters()
    return form, filters, filters.apply(attention_rows())


@require_GET
@admin_required
def review(request: HtmxHttpRequest) -> HttpResponse:
    form, filters, rows = _filtered(request, request.GET)
    # The filters (and the zone their dates start the day in) name the counts exactly:
    # remembered under them, a page skips even their statements' building while the rows are
    # unchanged (queue.counts_cache).
    key = ("review counts", timezone.get_current_timezone_name(),
           tuple(sorted(filters.__dict__.items())))

    def counted():
        without_cause = filters.__class__(**{**filters.__dict__, "cause": ""}).apply(
            attention_rows())
        return (cause_groups(without_cause),
                status_counts(without_cause, statuses=ATTENTION_STATUSES),
                bounded_count(rows))

    groups, counts, total = remembered(key, counted)
    # The owner's name comes from a correlated subquery (a primary-key read of one user): a
    # join would make SQLite sort every row needing attention instead of reading the status
    # index in order, and a prefetch would cost one more statement per page.
    owner_name = Subquery(get_user_model().objects.filter(pk=OuterRef("owner_id"))
                          .values(get_user_model().USERNAME_FIELD)[:1])
    page = keyset_page(listed_rows(rows.annotate(owner_name=owner_name), "owner_name"),
                       **cursor_args(request))
    page.object_list = [ListedRow(values) for values in page.object_list]
    attach_problems(page.object_list)
    # What each group's line prints, worked out here (on copies: the groups are remembered):
    # in the template, comparing each group with the page's cause (an attribute of the
    # filters) and three filters cost eight groups 0.7 ms.
    groups = [{**group, "active": filters.cause == group["key"],
               "cause_param": quote(group["key"], safe="/"),  # as the urlencode filter
               "rows_text": f"{group['n']} row{pluralize(group['n'])}",
               "module_text": module_label(group["module"])} for group in groups]
    # Bigin's error names a field by its API name; the groups above already know the labels.
    labels = field_labels(groups)
    for row in page.object_list:
        if row.error_field:
            row.error_field_label = labels.get((row.module, row.error_field), row.error_field)
    lines = prepare_rows(page.object_list)
    # A cause group is one module (and names the field Bigin complained about), so "set a
    # field" works on a group's page without filtering by module as well.
    cause = cause_filter(filters.cause) if filters.cause else {}
    module = filters.module or cause.get("module", "")
    settable = []
    if module:
        # The module's metadata as the groups read it (no statement; a group without a
        # fingerprint: no metadata), else read now.
        group = next((g for g in groups if g["module"] == module), None)
        try:
            schema = (schema_at(module, group["metadata_version"]) if group is not None
                      else get_schema(module))
        except LookupError:  # no metadata yet, or a hand-edited cause naming no module
            schema = None
        # Each option's text and whether it is chosen, worked out here: in the template
        # they cost the Contacts page's 23 options 70 lookups and comparisons.
        default = filters.field or cause.get("error_field", "")
        settable = [(f.api_name, f"{f.label} ({f.api_name})", f.api_name == default)
                    for f in schema.entry_fields] if schema else []
    query = filter_query(request, drop=("run",))
    # Back from a bulk retry: that run's progress, and then what happened, in words.
    run_id = plain_int(request.GET.get("run", ""))  # "²".isdigit(), yet int() refuses it
    run = SubmissionRun.objects.filter(pk=run_id).first() if run_id is not None else None
    return render(request, "web/review.html", {
        **run_context(run),
        "filter_form": form, "filter_bar": filter_bar(form), "filters": filters, "groups": groups,
        "page": page, "lines": lines,
        "total": total, "status_counts": counts,
        "settable_fields": settable, "query": query,
    })


@require_POST
@admin_required
def review_action(request: HtmxHttpRequest) -> HttpResponse:
    filter_form, filters, scope = _filtered(request, request.POST)
    back = f"{reverse('review')}?{request.POST.get('back', '')}"
    ids = [str(n) for v in request.POST.getlist("rows") if (n := plain_int(v)) is not None]
    form = BulkActionForm(request.POST, row_choices=ids)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    if data["selection"] == "rows":
        rows = list(scope.filter(pk__in=data["rows"]))
    else:
        filters.cause = data["cause"]
        rows = list(filters.apply(attention_rows())[:MAX_GROUP_ACTION])
    if not rows:
        messages.error(request, "None of the selected rows needs attention any more.")
        return redirect(back)
    try:
        if data["action"] == "retry":
            result = bulk_retry(rows=rows, actor=request.user)
            messages.success(request, f"Resubmitting {len(rows)} row(s).")
        elif data["action"] == "discard":
            result = bulk_discard(rows=rows, actor=request.user, reason=data["reason"])
            messages.success(request, f"Discarded {result.changed} row(s).")
        else:
            result = bulk_set_field(rows=rows, api_name=data["api_name"],
                                    raw=data["value"], actor=request.user)
            messages.success(request, f"Set {result.field_label} on {result.changed} row(s) "
                             "and resubmitted them.")
            for pk, why in list(result.skipped.items())[:20]:
                messages.warning(request, f"Row {pk} not changed: {why}")
    except RowError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if result.run_id:
        return redirect(f"{back}&run={result.run_id}" if "?" in back else back)
    return redirect(back)


@require_GET
@admin_required
def review_export(request: HtmxHttpRequest) -> StreamingHttpResponse:
    _form, _filters, rows = _filtered(request, request.GET)
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="bigin-rows.csv"'
    return response
