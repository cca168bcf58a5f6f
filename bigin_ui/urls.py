from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("bigin_ui.web.urls")),
]

if settings.BIGIN_SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("bigin_ui.sandbox.urls")))
