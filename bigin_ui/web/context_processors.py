from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from bigin_ui.metadata.schema import MODULES, SINGULAR_LABELS


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from django.utils.functional import SimpleLazyObject

    from bigin_ui.connection.services import active_config
    from bigin_ui.queue import credits
    from bigin_ui.queue.counts_cache import remembered
    from bigin_ui.queue.models import Row
    from bigin_ui.roles import is_admin
    from bigin_ui.web.links import record_links

    config = active_config()
    return {
        # Built on first use only: most pages show no Bigin ID.
        "bigin_links": SimpleLazyObject(lambda: record_links(config=config)),
        "nav_modules": [(m, SINGULAR_LABELS[m]) for m in MODULES],
        "nav_is_admin": is_admin(user),
        "nav_connection": config,
        "nav_failed": remembered(("nav_failed", user.pk), Row.objects.filter(
            owner=user, status=Row.Status.FAILED).count),
        "nav_credits_used": credits.used_last_24h(),
        "nav_credits_allowance": credits.allowance(),
    }
