"""Search-as-you-type for lookup fields: Bigin records plus the user's own queued rows."""

from __future__ import annotations

import re

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bigin_ui.metadata.schema import ANY_RELATED, MODULES
from bigin_ui.queue.lookups import search_records
from bigin_ui.web.http import HtmxHttpRequest
from bigin_ui.web.permissions import member_required


@require_GET
@member_required
def lookup(request: HtmxHttpRequest, module: str) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    target = request.GET.get("target", "")
    # Related_To searches whichever module its "$se_module" select names (every module it
    # may name while none is chosen: ANY_RELATED).
    module = request.GET.get("$se_module") or module
    if module not in MODULES and module != ANY_RELATED:
        return render(request, "web/_lookup_results.html",
                      {"error": f"Unknown module {module}", "results": []}, status=404)
    result = search_records(module=module, query=query, user=request.user)
    # The options' ids hang off the list's own id (aria-activedescendant points at them).
    list_id = re.sub(r"[^A-Za-z0-9_-]", "", request.GET.get("list", ""))[:100] or "lookup"
    return render(request, "web/_lookup_results.html", {
        "results": result.items, "error": result.error, "query": query, "module": module,
        "target": target, "list_id": list_id,
        # Hits of several modules say which each is (picking one sets the related module).
        "show_module": module == ANY_RELATED,
    })
