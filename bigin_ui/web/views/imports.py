"""The import pages: upload → map and options → preview → confirm → progress.

Thin views: each parses the request, calls an imports service and renders.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bigin_ui.csv_safety import neutralise_row
from bigin_ui.imports.checking import LINE, mappable_fields
from bigin_ui.imports.models import Import, ImportLine
from bigin_ui.imports.reading import FileProblem
from bigin_ui.imports.services import (
    ImportError_,
    configure_import,
    create_import,
    default_options,
    discard_import,
    display_value,
    earlier_imports,
    mapping_of,
    options_of,
    rejected_lines,
    start_check,
    start_queue,
    store_upload,
    unmapped_headers,
)
from bigin_ui.metadata.schema import MetadataMissing
from bigin_ui.roles import is_admin
from bigin_ui.web.http import HtmxHttpRequest, page_number
from bigin_ui.web.import_forms import MappingForm, UploadForm
from bigin_ui.web.permissions import member_required

PAGE_SIZE = 50


def visible_imports(user: Any) -> QuerySet[Import]:
    imports = Import.objects.select_related("created_by", "owner")
    return imports if is_admin(user) else imports.filter(Q(created_by=user) | Q(owner=user))


@require_http_methods(["GET", "POST"])
@member_required
def new_import(request: HtmxHttpRequest) -> HttpResponse:
    admin = is_admin(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, admin=admin)
    limit = settings.BIGIN_IMPORT_MAX_BYTES
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        owner = form.cleaned_data.get("owner") or request.user
        if upload.size > limit:
            form.add_error("file", f"The file is {upload.size / 1_000_000:.1f} MB; the limit "
                                   f"is {limit / 1_000_000:.1f} MB.")
        else:
            path = store_upload(upload, name=upload.name)
            try:
                imp = create_import(path=path, file_name=Path(upload.name).name,
                                    module=form.cleaned_data["module"], created_by=request.user,
                                    owner=owner, sheet=form.cleaned_data["sheet"].strip())
            except (FileProblem, MetadataMissing) as exc:
                path.unlink(missing_ok=True)
                form.add_error("file" if isinstance(exc, FileProblem) else "module",
                               str(exc) if isinstance(exc, FileProblem) else
                               "No metadata for this module yet; an admin syncs it first.")
            else:
                return redirect("import_map", pk=imp.pk)
    recent = visible_imports(request.user).filter(created_by=request.user)[:10]
    return render(request, "web/imports/new.html", {
        "form": form, "recent": recent, "limit_mb": limit / 1_000_000},
        status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@member_required
def map_import(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    imp = get_object_or_404(visible_imports(request.user), pk=pk)
    if imp.status not in {Import.Status.UPLOADED, Import.Status.CHECKED}:
        return redirect("import_detail", pk=imp.pk)
    admin = is_admin(request.user)
    try:
        fields = mappable_fields(imp.module)
    except MetadataMissing:
        messages.error(request, f"No metadata for {imp.module}; an admin syncs it first.")
        return redirect("import_new")
    form = MappingForm(request.POST or None, headers=imp.headers, fields=fields,
                       mapping=mapping_of(imp), options=options_of(imp),
                       own=default_options(imp.owner), admin=admin)
    if request.method == "POST" and form.is_valid():
        try:
            imp = configure_import(imp=imp, mapping=form.chosen_mapping(),
                                   options=form.chosen_options(),
                                   save_mapping=form.cleaned_data["save_mapping"])
            start_check(imp=imp)
        except ImportError_ as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("import_detail", pk=imp.pk)
    return render(request, "web/imports/map.html", {
        "imp": imp, "form": form, "unmapped": unmapped_headers(imp),
        "earlier": earlier_imports(imp).first()}, status=400 if form.errors else 200)


def _preview(request: HtmxHttpRequest, imp: Import) -> dict[str, Any]:
    mapping = mapping_of(imp)
    positions = sorted(mapping)
    columns = [(imp.headers[i] if i < len(imp.headers) else f"column {i + 1}", mapping[i])
               for i in positions]
    lines = ImportLine.objects.filter(batch=imp).order_by("number")
    only_bad = request.GET.get("show") == "bad"
    if only_bad:
        lines = lines.filter(ok=False)
    page = Paginator(lines, PAGE_SIZE).get_page(page_number(request))
    table = []
    for line in page:
        payload = line.payload or {}
        cells = []
        for index, (header, api) in zip(positions, columns, strict=True):
            problems = line.problems.get(header, [])
            value = payload.get(api)
            # A rejected line shows what the file holds; a good one what will be sent.
            raw = line.cells[index] if index < len(line.cells) else ""
            shown = (raw if not line.ok else "" if value is None else display_value(value))
            cells.append({"problems": problems, "value": shown, "raw": raw})
        known = {h for h, _ in columns}
        other = [f"{where}: {m}" if where != LINE else m
                 for where, msgs in line.problems.items() if where not in known for m in msgs]
        table.append({"line": line, "cells": cells, "other": other})
    return {"columns": columns, "page": page, "table": table, "only_bad": only_bad}


@require_GET
@member_required
def import_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    imp = get_object_or_404(visible_imports(request.user), pk=pk)
    if imp.status == Import.Status.UPLOADED:
        return redirect("import_map", pk=imp.pk)
    context: dict[str, Any] = {"imp": imp, "options": options_of(imp),
                               "earlier": earlier_imports(imp).first(),
                               "unmapped": unmapped_headers(imp)}
    if request.htmx and request.GET.get("_partial") == "progress":
        response = render(request, "web/imports/detail.html#import-progress", context)
        if not imp.active:
            response["HX-Refresh"] = "true"  # the finished page differs from the progress
        return response
    if imp.status in {Import.Status.CHECKED, Import.Status.QUEUED, Import.Status.DISCARDED}:
        context.update(_preview(request, imp))
    return render(request, "web/imports/detail.html", context)


@require_POST
@member_required
def confirm_import(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    imp = get_object_or_404(visible_imports(request.user), pk=pk)
    try:
        start_queue(imp=imp, again=request.POST.get("again") == "1")
    except ImportError_ as exc:
        messages.error(request, str(exc))
    return redirect("import_detail", pk=imp.pk)


@require_POST
@member_required
def discard(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    imp = get_object_or_404(visible_imports(request.user), pk=pk)
    try:
        count = discard_import(imp=imp, actor=request.user)
    except ImportError_ as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Import discarded: {count} pending row(s) discarded.")
    return redirect("import_detail", pk=imp.pk)


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@member_required
def rejected_csv(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    imp = get_object_or_404(visible_imports(request.user), pk=pk)
    writer = csv.writer(_Echo())
    # A BOM so Excel opens the file as UTF-8.
    rows = (writer.writerow(neutralise_row(cells)) for cells in rejected_lines(imp))
    response = StreamingHttpResponse(
        ("\ufeff" if i == 0 else "") + text for i, text in enumerate(rows))
    response["Content-Type"] = "text/csv; charset=utf-8"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(imp.file_name).stem) or "import"
    response["Content-Disposition"] = f'attachment; filename="{stem}-rejected.csv"'
    return response
