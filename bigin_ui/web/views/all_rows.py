"""Admins: every row, whoever entered it, with filters and search."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bigin_ui.queue.counts_cache import remembered
from bigin_ui.queue.listing import LISTED_FIELDS, keyset_page, status_counts
from bigin_ui.queue.models import Row
from bigin_ui.queue.problems import attach_problems, with_metadata_version
from bigin_ui.web.forms import RowsFilterForm, filter_bar
from bigin_ui.web.http import HtmxHttpRequest, cursor_args, filter_query
from bigin_ui.web.links import page_links
from bigin_ui.web.permissions import admin_required
from bigin_ui.web.row_display import prepare_rows


@require_GET
@admin_required
def all_rows(request: HtmxHttpRequest) -> HttpResponse:
    # Usernames for the owner filter: a small table, read in one statement.
    usernames = get_user_model().objects.order_by("username").values_list("username",
                                                                          flat=True)
    counts = remembered(("all rows counts",), lambda: status_counts(Row.objects.all()))
    form = RowsFilterForm(request.GET, counts=counts,
                          usernames=list(usernames))
    # The owners after filtering: a search may hand back a queryset of its own.
    rows = form.filters().apply(Row.objects.all()).prefetch_related("owner")  # see review()
    page = keyset_page(with_metadata_version(rows.only(*LISTED_FIELDS)), **cursor_args(request))
    attach_problems(page.object_list)
    lines = prepare_rows(page.object_list, links=page_links(request))
    return render(request, "web/all_rows.html", {
        "filter_form": form, "filter_bar": filter_bar(form), "page": page, "lines": lines,
        "query": filter_query(request),
    })
