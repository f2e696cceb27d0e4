from django.apps import AppConfig


class NeedsConfig(AppConfig):
    name = "needs"
    verbose_name = "Needs-based allocation"

    def ready(self):
        from . import exports  # noqa: F401 - registers the allocation workbook builder
