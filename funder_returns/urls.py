from django.urls import path

from . import views

app_name = "funder_returns"
urlpatterns = [
    path("", views.return_list, name="list"),
    path("prepare/", views.prepare, name="prepare"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/rebuild/", views.rebuild, name="rebuild"),
    path("<int:pk>/download/", views.download, name="download"),
]
