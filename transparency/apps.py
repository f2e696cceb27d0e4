from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    """What the PCC publishes: grants awarded (360Giving and public pages), the decision register and a read-only API.
    It reads from funds and applications and owns no money rules of its own."""

    name = "transparency"
    verbose_name = "Transparency"

    def ready(self):
        from . import exports  # noqa: F401 - registers the 360Giving export builder
