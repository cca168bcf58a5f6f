from __future__ import annotations

from django.apps import AppConfig


class ConnectionConfig(AppConfig):
    name = "bigin_ui.connection"
    label = "connection"
