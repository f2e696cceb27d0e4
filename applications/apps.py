from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Grant applications"

    def ready(self):
        from . import exports  # noqa: F401  registers the staff list export builder
