"""Background work for imports. Each task only calls a service."""

from __future__ import annotations

from django_tasks import task


@task()
def check_import_task(import_id: int) -> None:
    from bigin_ui.imports.services import check_import

    check_import(import_id=import_id)


@task()
def queue_import_task(import_id: int) -> None:
    from bigin_ui.imports.services import queue_import

    queue_import(import_id=import_id)
