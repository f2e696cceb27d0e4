from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("<int:pk>/", views.job_status, name="job"),
    path("<int:pk>/download/", views.job_download, name="download"),
]
