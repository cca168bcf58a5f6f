from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from bigin_ui.web.views import (
    all_rows,
    connection,
    health,
    imports,
    lookups,
    profile,
    records,
    review,
    row_actions,
)

urlpatterns = [
    path("", records.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True),
         name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", profile.profile, name="profile"),
    path("records/", records.my_rows, name="my_rows"),
    path("records/submit/", records.submit, name="submit"),
    path("records/<str:module>/new/", records.new_record, name="new_record"),
    path("rows/<int:pk>/", records.row_detail, name="row_detail"),
    path("runs/<int:pk>/", records.run_status, name="run_status"),
    path("rows/<int:pk>/discard/", row_actions.discard, name="row_discard"),
    path("rows/<int:pk>/retry/", row_actions.retry, name="row_retry"),
    path("rows/<int:pk>/link/", row_actions.link, name="row_link"),
    path("rows/<int:pk>/allow/", row_actions.allow, name="row_allow"),
    path("rows/<int:pk>/reconcile/", row_actions.reconcile, name="row_reconcile"),
    path("lookup/<str:module>/", lookups.lookup, name="lookup"),
    path("imports/new/", imports.new_import, name="import_new"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/map/", imports.map_import, name="import_map"),
    path("imports/<int:pk>/confirm/", imports.confirm_import, name="import_confirm"),
    path("imports/<int:pk>/discard/", imports.discard, name="import_discard"),
    path("imports/<int:pk>/rejected.csv", imports.rejected_csv, name="import_rejected"),
    path("rows/", all_rows.all_rows, name="all_rows"),
    path("review/", review.review, name="review"),
    path("review/action/", review.review_action, name="review_action"),
    path("review/export.csv", review.review_export, name="review_export"),
    path("settings/connection/", connection.connection, name="connection"),
    path("settings/connection/test/", connection.test_connection, name="connection_test"),
    path("settings/connection/sync/", connection.sync_now, name="connection_sync"),
]
