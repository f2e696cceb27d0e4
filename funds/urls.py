from django.urls import path

from . import views

app_name = "funds"
urlpatterns = [
    path("budgets/<int:pk>/", views.budget_detail, name="budget"),
]
