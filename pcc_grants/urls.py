from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("signed-in/", views.signed_in, name="signed_in"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/details", views.healthz_details, name="healthz_details"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("staff/", include("reports.urls")),
    path("staff/", include("funds.urls")),
    path("staff/exports/", include("exports.urls")),
    path("admin/", admin.site.urls),
    path("", include("applications.urls")),
    path("", include("providers.urls")),
    path("staff/needs/", include("needs.urls")),
    path("staff/funder-returns/", include("funder_returns.urls")),
    path("", include("transparency.urls")),
]

# GOV.UK error pages (pcc_grants.views); the CSRF failure page is CSRF_FAILURE_VIEW in settings.
handler404 = "pcc_grants.views.page_not_found"
handler403 = "pcc_grants.views.permission_denied"
handler500 = "pcc_grants.views.server_error"
