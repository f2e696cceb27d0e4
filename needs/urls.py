from django.urls import path

from . import views

app_name = "needs"
urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("start/", views.start, name="start"),
    path("<int:pk>/", views.assessment, name="assessment"),
    path("<int:pk>/adopt/", views.adopt, name="adopt"),
    path("<int:pk>/export/", views.export, name="export"),
]
