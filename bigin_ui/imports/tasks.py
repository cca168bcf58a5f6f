"""Background work for imports. Each task only calls a service."""

from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger(__name__)


@task()
def check_import_task(import_id: int) -> None:
    from bigin_ui.imports.services import check_failed, check_import

    try:
        check_import(import_id=import_id)
    except Exception as exc:
        # The page polls until the import leaves "checking": say what happened there.
        check_failed(import_id=import_id, error=exc)
        raise


@task()
def queue_import_task(import_id: int) -> None:
    from bigin_ui.imports.services import queue_failed, queue_import

    try:
        queue_import(import_id=import_id)
    except Exception as exc:
        queue_failed(import_id=import_id, error=exc)
        raise
