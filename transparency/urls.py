from django.urls import path

from . import api, staff, views

app_name = "transparency"

urlpatterns: list = [
    # Public pages and the open data API (issue 5).
    path("grants/", views.grants, name="grants"),
    path("grants/download.csv", views.grants_csv, name="grants_csv"),
    path("grants/download.xlsx", views.grants_xlsx, name="grants_xlsx"),
    path("decisions/", views.decisions, name="decisions"),
    # A decision's number as printed, slashes and all ("024/2019" -> /decisions/024/2019/).
    path("decisions/<path:number>/", views.decision_detail, name="decision"),
    path("api/", api.docs, name="api_docs"),
    path("api/v1/openapi.json", api.openapi_json, name="api_openapi"),
    path("api/v1/rounds/", api.rounds, name="api_rounds"),
    path("api/v1/grants/", api.grants, name="api_grants"),
    path("api/v1/decisions/", api.decisions, name="api_decisions"),
    # Staff: the 360Giving export.
    path("staff/transparency/360giving/", staff.giving360, name="giving360"),
]
