"""Actions on one row from its page: discard, retry unchanged, link to an existing record."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from bigin_ui.queue.models import Row
from bigin_ui.queue.review import allow_duplicate, bulk_retry, link_to_existing
from bigin_ui.queue.rows import RowError, discard_rows, may_change, rows_visible_to
from bigin_ui.web.http import HtmxHttpRequest
from bigin_ui.web.views.records import after_submit


def _row(request: HtmxHttpRequest, pk: int):
    return get_object_or_404(rows_visible_to(request.user), pk=pk)


@require_POST
@login_required
def discard(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    row = _row(request, pk)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, "Say why the row is discarded.")
    elif discard_rows(rows=[row], actor=request.user, reason=reason):
        messages.success(request, "Row discarded.")
    else:
        messages.error(request, "This row cannot be discarded in its current state.")
    return redirect("row_detail", pk=row.pk)


@require_POST
@login_required
def retry(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    row = _row(request, pk)
    if not may_change(row, request.user):
        messages.error(request, "This row cannot be resent in its current state."
                       + (" An admin decides, as it may already be in Bigin."
                          if row.status == Row.Status.NEEDS_REVIEW else ""))
        return redirect("row_detail", pk=row.pk)
    result = bulk_retry(rows=[row], actor=request.user)
    messages.success(request, "Resubmitted unchanged.")
    return after_submit(request, row=row, run_id=result.run_id)


@require_POST
@login_required
def link(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    row = _row(request, pk)
    try:
        link_to_existing(row=row, bigin_id=request.POST.get("bigin_id", "").strip(),
                         actor=request.user)
        messages.success(request, "Linked to the existing Bigin record.")
    except RowError as exc:
        messages.error(request, str(exc))
    return redirect("row_detail", pk=row.pk)


@require_POST
@login_required
def allow(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    row = _row(request, pk)
    try:
        allow_duplicate(row=row, actor=request.user)
        messages.success(request, "The duplicate hold is lifted; submit to send it.")
    except RowError as exc:
        messages.error(request, str(exc))
    return redirect("row_detail", pk=row.pk)
