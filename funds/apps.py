from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = "Funds and budgets"

    def ready(self):
        from .exports import builders  # noqa: F401 - registers this app's export builders
