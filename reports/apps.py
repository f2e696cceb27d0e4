from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Dashboard and annual report"

    def ready(self):
        from . import payment_run  # noqa: F401 - registers the payment run file's builder
        from .exports import builders  # noqa: F401 - registers this app's export builders
