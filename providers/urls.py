from django.urls import path

from .views import portal, staff

app_name = "providers"
urlpatterns = [
    path("provider/", portal.portal, name="portal"),
    path("provider/services/<int:pk>/", portal.service_detail, name="service"),
    path(
        "provider/services/<int:pk>/documents/<int:document_pk>/",
        portal.service_document,
        name="service_document",
    ),
    path("provider/services/<int:pk>/claims/new/", portal.claim_new, name="claim_new"),
    path("provider/claims/<int:pk>/", portal.claim_detail, name="claim"),
    path("provider/returns/<int:pk>/", portal.return_detail, name="return"),
    path("provider/returns/<int:pk>/edit/", portal.return_edit, name="return_edit"),
    path(
        "provider/returns/<int:pk>/send-for-sign-off/",
        portal.return_send_for_sign_off,
        name="return_send_for_sign_off",
    ),
    path("provider/returns/<int:pk>/sign-off/", portal.return_sign_off, name="return_sign_off"),
    path("provider/returns/<int:pk>/send-back/", portal.return_send_back, name="return_send_back"),
    path("staff/commissioning/", staff.dashboard, name="staff_dashboard"),
    path("staff/commissioning/returns/<int:pk>/", staff.return_review, name="staff_return"),
    path("staff/commissioning/measures/<int:pk>/chart/", staff.measure_chart, name="staff_measure_chart"),
    path("staff/commissioning/export/", staff.export_period, name="staff_export"),
    path("staff/commissioning/claims/", staff.claims_list, name="staff_claims"),
    path("staff/commissioning/claims/<int:pk>/", staff.claim_review, name="staff_claim"),
]
