"""Staff entry: the module forms, "My rows", and submitting."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bigin_ui.metadata.schema import MODULE_LABELS, MODULES, MetadataMissing, get_schema
from bigin_ui.metadata.widgets import plain_int
from bigin_ui.queue import permissions
from bigin_ui.queue.context import entry_key_field
from bigin_ui.queue.counts_cache import remembered
from bigin_ui.queue.entry import make_form, row_label
from bigin_ui.queue.history import row_calls
from bigin_ui.queue.listing import (
    HELD,
    LISTED_FIELDS,
    RowFilters,
    bounded_count,
    counts_by,
    keyset_page,
    status_counts,
)
from bigin_ui.queue.models import Row, SubmissionRun
from bigin_ui.queue.problems import attach_problems, with_metadata_version
from bigin_ui.queue.rows import RowError, create_row, edit_row, may_change, rows_visible_to
from bigin_ui.queue.run_report import describe_run
from bigin_ui.queue.runs import run_progress, start_run
from bigin_ui.roles import is_admin
from bigin_ui.web.http import HtmxHttpRequest, cursor_args, filter_query
from bigin_ui.web.links import page_links, record_links
from bigin_ui.web.permissions import member_required
from bigin_ui.web.row_display import prepare_rows


def run_context(run: SubmissionRun | None) -> dict[str, object]:
    """What the run panel shows: counters while it goes, then what happened in words."""
    if run is None:
        return {"run": None, "progress": None, "run_report": []}
    progress = run_progress(run)
    return {"run": run, "progress": progress, "run_report": describe_run(run, progress)}


def bigin_error_text(row: Row) -> str:
    details = row.error_details or {}
    extra = []
    if details.get("expected_data_type"):
        extra.append(f"expected {details['expected_data_type']}")
    if details.get("maximum_length"):
        extra.append(f"at most {details['maximum_length']} characters")
    suffix = f" ({', '.join(extra)})" if extra else ""
    return f"Bigin: {row.error_code} – {row.error_message}{suffix}"


def _schema_or_404(module: str):
    if module not in MODULES:
        raise Http404(f"Bigin has no module {module!r} here.")
    try:
        return get_schema(module)
    except MetadataMissing:
        return None


@require_GET
@login_required
def home(request: HtmxHttpRequest) -> HttpResponse:
    """Where a login lands: admins on Review (their work is other people's failures; their
    own "My rows" is usually empty), everyone else on their rows."""
    return redirect("review" if is_admin(request.user) else "my_rows")


@require_GET
@member_required
def my_rows(request: HtmxHttpRequest) -> HttpResponse:
    mine = Row.objects.filter(owner=request.user)
    status = request.GET.get("status", "")
    module = request.GET.get("module", "")
    text = request.GET.get("q", "")[:200]
    filters = RowFilters(
        status=status if status in Row.Status.values or status == HELD else "",
        module=module if module in MODULES else "", text=text)
    page = keyset_page(with_metadata_version(filters.apply(mine).only(*LISTED_FIELDS)),
                       **cursor_args(request))
    attach_problems(page.object_list)
    lines = prepare_rows(page.object_list, links=page_links(request))
    # Named by the person alone, the counts skip even their statements' compiling while the
    # rows are unchanged (queue.counts_cache).
    counts, scope = remembered(("my rows counts", request.user.pk), lambda: (
        (found := status_counts(mine)),
        _submit_scope(request.user, pending=found.get(Row.Status.PENDING, 0))))
    run = None
    run_id = plain_int(request.GET.get("run", ""))  # "²".isdigit(), yet int() refuses it
    if run_id is not None:
        runs = SubmissionRun.objects.all()
        if not is_admin(request.user):
            runs = runs.filter(created_by=request.user)  # as on the run page
        run = runs.filter(pk=run_id).first()
    context = {
        "page": page,
        "lines": lines,
        "query": filter_query(request),
        "counts": counts,
        "status": status,
        "module": module,
        "q": text,
        "statuses": Row.Status.choices,
        "modules": [(m, MODULE_LABELS[m]) for m in MODULES],
        **run_context(run),
        **scope,
        "run_workflows": settings.BIGIN_TRIGGER not in {"none", "off", "[]"},
    }
    template = "web/rows.html#rows-table" if request.htmx and not request.htmx.boosted else (
        "web/rows.html")
    return render(request, template, context)


def _held_counts(user) -> dict[str, int]:
    """The user's pending rows that a submit leaves where they are, by kind of hold.

    Rows waiting for a related row are not among them: a submit looks at them again.
    """
    kinds = [h for h in Row.Hold.values if h not in {"", Row.Hold.WAITING}]
    return counts_by(Row.objects.filter(owner=user, status=Row.Status.PENDING), field="hold",
                     values=kinds)


def _submit_scope(user, *, pending: int) -> dict[str, object]:
    held = _held_counts(user) if pending else {}
    labels = dict(Row.Hold.choices)
    # Counted, not subtracted from the pending count: that one may have stopped at the cap.
    sendable = bounded_count(Row.objects.filter(
        owner=user, status=Row.Status.PENDING, hold__in=["", Row.Hold.WAITING])) if pending else 0
    return {
        # What Submit will take, not every pending row: held rows wait for a person.
        "pending_count": sendable,
        "held_rows": [(labels[hold].lower(), n) for hold, n in sorted(held.items())],
    }


def _entry_form(request: HtmxHttpRequest, *, module: str, schema, payload=None):
    """The form for this request, and whether it is only being redrawn.

    A redraw (new pipeline choices, more lines, a recurrence preview) shows what was typed
    without saving it or complaining about unfinished fields.
    """
    if request.method == "POST":
        form = make_form(module=module, user=request.user, data=request.POST, schema=schema,
                         payload=payload)
        # "_lookup": a lookup's "Find" button (no scripts) asks for its hits, not a save.
        redraw = "_refresh" in request.POST or "_lookup" in request.POST
    elif "_partial" in request.GET:
        form = make_form(module=module, user=request.user, data=request.GET, schema=schema,
                         payload=payload)
        redraw = True
    else:
        form = make_form(module=module, user=request.user, schema=schema, payload=payload)
        redraw = False
    if redraw:
        form.suppress_errors()
    return form, redraw


@require_http_methods(["GET", "POST"])
@member_required
def new_record(request: HtmxHttpRequest, module: str) -> HttpResponse:
    schema = _schema_or_404(module)
    if schema is None:
        return render(request, "web/no_metadata.html", {"module": module}, status=503)
    form, redraw = _entry_form(request, module=module, schema=schema)
    if request.method == "POST" and not redraw and form.is_valid():
        try:
            row = create_row(module=module, payload=form.payload, owner=request.user)
        except RowError as exc:
            form.add_error(None, str(exc))
            return render(request, "web/record_form.html",
                          {"form": form, "schema": schema, "row": None}, status=400)
        messages.success(request, f"Saved {schema.singular} as pending: {row_label(row)}.")
        if "save_another" in request.POST:
            return redirect("new_record", module=module)
        return redirect(f"{reverse('my_rows')}?status=pending")
    status = 400 if request.method == "POST" and not redraw else 200
    return render(request, "web/record_form.html",
                  {"form": form, "schema": schema, "row": None}, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def row_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(rows_visible_to(request.user).select_related("owner", "run"), pk=pk)
    schema = _schema_or_404(row.module)
    if schema is None:
        return render(request, "web/no_metadata.html", {"module": row.module}, status=503)
    editable = may_change(row, request.user)
    attach_problems([row], field_labels=True)
    form, redraw = _entry_form(request, module=row.module, schema=schema, payload=row.payload)
    status = 200
    if request.method == "POST" and not redraw:
        if not editable:
            messages.error(request, "This row can no longer be edited.")
            return redirect("row_detail", pk=row.pk)
        if form.is_valid():
            try:
                edit_row(row=row, payload=form.payload, actor=request.user)
            except RowError as exc:
                messages.error(request, str(exc))
                return redirect("row_detail", pk=row.pk)
            if "resubmit" in request.POST:
                run = start_run(user=request.user, origin="row", row_ids=[row.pk])
                messages.success(request, "Saved and submitted.")
                return after_submit(request, row=row, run_id=run.pk)
            messages.success(request, "Saved; the row is pending again.")
            return redirect("row_detail", pk=row.pk)
        status = 400
    elif request.method == "GET" and not redraw and row.status == Row.Status.FAILED and (
        row.error_code
    ):
        # Bigin's complaint goes on the field it names, as if the form had found it.
        form.show_errors({row.error_field or "__all__": bigin_error_text(row)})
    duplicate_id = (row.error_details or {}).get("duplicate_record", {}).get("id") if (
        row.error_code == "DUPLICATE_DATA" and isinstance(
            (row.error_details or {}).get("duplicate_record"), dict)) else None
    # Just resubmitted from here (see after_submit): show that run's progress.
    run = row.run if row.run_id and request.GET.get("run") == str(row.run_id) else None
    context = {
        "form": form, "schema": schema, "row": row, "editable": editable,
        **run_context(run),
        "duplicate_id": duplicate_id,
        "duplicate_link": record_links().link(row.module, str(duplicate_id))
        if duplicate_id else None,
        "events": row.events.select_related("actor").all(),
        "calls": row_calls(row),
        "is_admin": is_admin(request.user),
        # A row that needs review is resent by upsert on this key, if there is one.
        "entry_key": entry_key_field(row.module) if row.status == Row.Status.NEEDS_REVIEW
        else None,
        "actions": permissions.allowed_actions(row, request.user),
    }
    return render(request, "web/row.html", context, status=status)


@require_POST
@member_required
def submit(request: HtmxHttpRequest) -> HttpResponse:
    trigger = None
    if request.POST.get("workflows_shown") and not request.POST.get("workflows"):
        trigger = []  # Bigin's way of saying "do not run workflows for these records"
    held_before = _held_counts(request.user).get(Row.Hold.DUPLICATE, 0)
    run = start_run(user=request.user, origin="web", owner=request.user, trigger=trigger)
    if run.rows_total:
        messages.success(request, f"Submitting {run.rows_total} row{pluralize(run.rows_total)} "
                         "in the background.")
    else:
        messages.info(request, run.message)
    # The submit itself holds rows whose unique value another row already has; say so, or
    # "Submit 301" would quietly send 300.
    newly_held = _held_counts(request.user).get(Row.Hold.DUPLICATE, 0) - held_before
    if newly_held > 0:
        messages.warning(
            request, f"{newly_held} row{pluralize(newly_held)} {pluralize(newly_held, 'was,were')}"
            " not sent: held as a possible duplicate of another row with the same unique value"
            " (for example the same e-mail address). Open the row to send it anyway or discard"
            " it.")
    return redirect(f"{reverse('my_rows')}?run={run.pk}")


def after_submit(request: HtmxHttpRequest, *, row: Row, run_id: int) -> HttpResponse:
    """Follow a resubmitted row: its owner to "My rows" with the run's progress; an admin
    fixing someone else's row back to that row, which their own "My rows" would not list."""
    if row.owner_id == request.user.pk:
        return redirect(f"{reverse('my_rows')}?run={run_id}")
    return redirect(f"{reverse('row_detail', args=[row.pk])}?run={run_id}")


@require_GET
@member_required
def run_status(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    runs = SubmissionRun.objects.all()
    if not is_admin(request.user):
        runs = runs.filter(created_by=request.user)
    run = get_object_or_404(runs, pk=pk)
    context = run_context(run)
    if request.htmx:
        response = render(request, "web/run.html#run-progress", context)
        if not run.active:
            # Let the rows table refresh itself once, now that outcomes are known.
            response["HX-Trigger"] = "runFinished"
        return response
    return render(request, "web/run.html", context)
