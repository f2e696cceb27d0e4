from django.apps import AppConfig


class FunderReturnsConfig(AppConfig):
    name = "funder_returns"
    verbose_name = "Returns to funders"

    def ready(self):
        from . import exports  # noqa: F401 - registers the return's workbook builder
