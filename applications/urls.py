from django.urls import path

from .views import dashboard, drafting, organisations, public, reports, staff, staff_reports

app_name = "applications"
urlpatterns = [
    path("rounds/", public.round_list, name="rounds"),
    path("rounds/<slug:slug>/", public.round_detail, name="round"),
    path("rounds/<slug:slug>/eligibility/", public.eligibility, name="eligibility"),
    path("rounds/<slug:slug>/apply/", drafting.start, name="start"),
    path("applications/", dashboard.dashboard, name="dashboard"),
    path("applications/<int:pk>/", drafting.task_list_or_status, name="detail"),
    path("applications/<int:pk>/check/", drafting.check_answers, name="check"),
    path("applications/<int:pk>/submitted/", drafting.confirmation, name="confirmation"),
    path("applications/<int:pk>/withdraw/", dashboard.withdraw, name="withdraw"),
    path("applications/<int:pk>/accept/", dashboard.accept_award, name="accept_award"),
    path("applications/<int:pk>/questions/<int:request_pk>/", dashboard.respond, name="respond"),
    path("applications/<int:pk>/documents/<int:document_pk>/", drafting.download, name="download"),
    path("applications/<int:pk>/reports/<int:report_pk>/", reports.grant_report, name="grant_report"),
    path("applications/<int:pk>/<slug:task>/", drafting.task, name="task"),
    path("organisations/new/", organisations.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", organisations.organisation_detail, name="organisation"),
    path("invitations/<uuid:token>/", organisations.accept_invitation, name="accept_invitation"),
    path("staff/applications/", staff.application_list, name="staff_list"),
    path("staff/applications/export/", staff.export_list, name="staff_export"),
    path("staff/applications/<int:pk>/", staff.application_detail, name="staff_detail"),
    path("staff/applications/<int:pk>/<slug:action>/", staff.application_detail, name="staff_action"),
    path("staff/grant-reports/", staff_reports.report_list, name="staff_grant_reports"),
    path(
        "staff/grant-reports/set-due-dates/", staff_reports.set_due_dates, name="staff_grant_reports_schedule"
    ),
    path("staff/grant-reports/<int:pk>/", staff_reports.report_detail, name="staff_grant_report"),
    path(
        "staff/grant-reports/<int:pk>/review/", staff_reports.review_report, name="staff_grant_report_review"
    ),
]
