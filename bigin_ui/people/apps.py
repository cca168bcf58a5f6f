from __future__ import annotations

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "bigin_ui.people"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from bigin_ui.people import middleware  # noqa: F401  (connects the login receiver)
