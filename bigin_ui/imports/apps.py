from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "bigin_ui.imports"
    label = "imports"
    verbose_name = "Spreadsheet imports"
