"""The sandbox's URLs: the accounts server, Bigin's API v2, the control API and a page."""

from __future__ import annotations

from django.urls import path

from bigin_ui.sandbox import control, oauth, pages, views

app_name = "sandbox"

urlpatterns = [
    path("", control.index, name="index"),
    path("grant-code", control.grant_code_form, name="grant-code"),
    path("knobs", control.knobs_form, name="knobs"),
    # Where the app's Bigin ID links land in sandbox mode (Bigin's own web UI in a real org).
    path("records/<str:module>/<str:record_id>", pages.record_page, name="record-page"),
    # Accounts server
    path("oauth/v2/token", oauth.token, name="oauth-token"),
    path("oauth/v2/token/revoke", oauth.revoke, name="oauth-revoke"),
    # Control API
    path("_control/knobs", control.knobs, name="control-knobs"),
    path("_control/reset", control.reset, name="control-reset"),
    path("_control/stats", control.stats, name="control-stats"),
    path("_control/records", control.records, name="control-records"),
    path("_control/grant-code", control.grant_code, name="control-grant-code"),
    path("_control/fields", control.fields, name="control-fields"),
    # Bigin REST API v2; fixed paths before the module patterns that would swallow them.
    path("bigin/v2/settings/fields", views.settings_fields, name="settings-fields"),
    path("bigin/v2/settings/layouts", views.settings_layouts, name="settings-layouts"),
    path("bigin/v2/settings/layouts/<str:layout_id>", views.settings_layouts,
         name="settings-layout"),
    path("bigin/v2/settings/tags", views.settings_tags, name="settings-tags"),
    path("bigin/v2/settings/modules", views.settings_modules, name="settings-modules"),
    path("bigin/v2/users", views.users, name="users"),
    path("bigin/v2/users/<str:user_id>", views.user_detail, name="user"),
    path("bigin/v2/org", views.org, name="org"),
    path("bigin/v2/<str:module>", views.records, name="records"),
    path("bigin/v2/<str:module>/upsert", views.upsert, name="upsert"),
    path("bigin/v2/<str:module>/search", views.search, name="search"),
    path("bigin/v2/<str:module>/<str:record_id>", views.record_detail, name="record"),
    path("bigin/v2/<path:rest>", views.unknown_url, name="unknown"),
]
