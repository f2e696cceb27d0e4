from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/budget-tables/", views.budget_tables, name="budget_tables"),
    path("reports/data-tables/", views.data_tables, name="data_tables"),
    path("reports/annual-report-pack/", views.annual_report_pack, name="annual_report_pack"),
    path("audit/", views.audit_trail, name="audit_trail"),
    path("audit/export/", views.audit_trail_export, name="audit_trail_export"),
]
urlpatterns += [path("reports/payment-run/", views.payment_run, name="payment_run")]
urlpatterns += [
    path("reports/outturn/", views.outturn, name="outturn"),
    path("reports/finance/", views.finance_reports, name="finance_reports"),
]
