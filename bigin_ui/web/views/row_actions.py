"""Actions on one row from its page: discard, retry unchanged, link, allow a duplicate.

Each asks the one permission table (queue/permissions.py) before acting; the services ask it
again under the row's lock, so a direct POST can do no more than the page offers.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from bigin_ui.queue import permissions
from bigin_ui.queue.models import Row
from bigin_ui.queue.review import allow_duplicate, bulk_retry, link_to_existing
from bigin_ui.queue.rows import RowError, discard_rows, rows_visible_to
from bigin_ui.web.http import HtmxHttpRequest
from bigin_ui.web.permissions import member_required
from bigin_ui.web.views.records import after_submit


def _row(request: HtmxHttpRequest, pk: int) -> Row:
    return get_object_or_404(rows_visible_to(request.user), pk=pk)


def _refused(request: HtmxHttpRequest, row: Row, action: str) -> HttpResponse | None:
    if permissions.may(action=action, row=row, user=request.user):
        return None
    messages.error(request, permissions.refusal(action=action, row=row, user=request.user))
    return redirect("row_detail", pk=row.pk)


@require_POST
@member_required
def discard(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    row = _row(request, pk)
    if refused := _refused(request, row, permissions.DISCARD):
        return refused
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, "Say why the row is discarded.")
    elif "\x00" in reason:
        # As the forms refuse it (and PostgreSQL could not store it): said, not a 500.
        messages.error(request, "The reason holds a NUL character; type it again.")
    elif discard_rows(rows=[row], actor=request.user, reason=reason):
        messages.success(request, "Row discarded.")
    else:
        messages.error(request, "This row cannot be discarded in its current state.")
    return redirect("row_detail", pk=row.pk)


@require_POST
@member_required
def retry(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    row = _row(request, pk)
    if refused := _refused(request, row, permissions.RETRY):
        return refused
    result = bulk_retry(rows=[row], actor=request.user)
    if not result.changed:
        messages.error(request, "Nothing to resend: fix the values first.")
        return redirect("row_detail", pk=row.pk)
    messages.success(request, "Resubmitted unchanged.")
    return after_submit(request, row=row, run_id=result.run_id)


@require_POST
@member_required
def link(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    row = _row(request, pk)
    if refused := _refused(request, row, permissions.LINK):
        return refused
    try:
        link_to_existing(row=row, bigin_id=request.POST.get("bigin_id", "").strip(),
                         actor=request.user)
        messages.success(request, "Linked to the existing Bigin record.")
    except RowError as exc:
        messages.error(request, str(exc))
    return redirect("row_detail", pk=row.pk)


@require_POST
@member_required
def allow(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    row = _row(request, pk)
    if refused := _refused(request, row, permissions.ALLOW):
        return refused
    try:
        allow_duplicate(row=row, actor=request.user)
        messages.success(request, "The duplicate hold is lifted; submit to send it.")
    except RowError as exc:
        messages.error(request, str(exc))
    return redirect("row_detail", pk=row.pk)


@require_POST
@member_required
def reconcile(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Admins: settle an unknown or stuck reconciling row now, by asking Bigin again."""
    from bigin_ui.queue.runs import reconcile_again
    from bigin_ui.roles import is_admin

    row = _row(request, pk)
    if not is_admin(request.user):
        messages.error(request, "Only an admin can ask Bigin again about this row.")
        return redirect("row_detail", pk=row.pk)
    if row.status not in {Row.Status.UNKNOWN, Row.Status.RECONCILING}:
        messages.error(request, "Only rows whose outcome is unknown are checked again.")
        return redirect("row_detail", pk=row.pk)
    run = reconcile_again(row_ids=[row.pk], actor=request.user)
    messages.success(request, "Checking Bigin again for this row."
                     if run.rows_total else "This row is still held by a worker; its lease "
                     "runs out shortly, then check again.")
    return redirect("row_detail", pk=row.pk)
