from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Dashboard and annual report"

    def ready(self):
        from .exports import builders  # noqa: F401 - registers this app's export builders
