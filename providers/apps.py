from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = "Commissioned services"

    def ready(self):
        from . import exports  # noqa: F401  registers the returns workbook builder
