from __future__ import annotations

from django.apps import AppConfig


class MetadataConfig(AppConfig):
    name = "bigin_ui.metadata"
    label = "metadata"
