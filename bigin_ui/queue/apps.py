from __future__ import annotations

from django.apps import AppConfig


class QueueConfig(AppConfig):
    name = "bigin_ui.queue"
    label = "queue"
