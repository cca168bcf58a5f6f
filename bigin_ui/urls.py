from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("bigin_ui.web.urls")),
]

# A 403 that says whom to ask; 404 and 500 use Django's handlers with templates/{404,500}.html.
handler403 = "bigin_ui.web.views.errors.forbidden"

if settings.BIGIN_SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("bigin_ui.sandbox.urls")))
