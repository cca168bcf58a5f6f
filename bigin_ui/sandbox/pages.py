"""The sandbox's record page: where the app's "open in Bigin" links land in sandbox mode.

Bigin's web UI shows a record at ``/bigin/org<zgid>/Home#/<module>/<id>``; the sandbox has
no such UI, so the app links here instead and a person sees what the simulator stored.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bigin_ui.sandbox import catalog, store


@require_GET
def record_page(request: HttpRequest, module: str, record_id: str) -> HttpResponse:
    canonical = catalog.canonical_module(module)
    record = None
    if canonical is not None:
        store.get_state()
        record = store.get_record(store.schema_for(canonical), record_id)
    if record is None:
        return render(request, "sandbox/record.html",
                      {"module": canonical or module, "record_id": record_id, "record": None},
                      status=404)
    schema = store.schema_for(canonical)
    view = store.record_view(schema, record)
    labels = {f["api_name"]: f.get("field_label") or f["api_name"] for f in schema.fields}
    values = [
        (labels[name], name, value if isinstance(value, str) else json.dumps(value))
        for name, value in view.items()
        if name in labels and value not in (None, "", [], {})
    ]
    return render(request, "sandbox/record.html", {
        "module": canonical,
        "plural": catalog.MODULES[canonical].plural,
        "record_id": record_id,
        "record": record,
        "name": store.display_name(canonical, record.data),
        "values": values,
    })
