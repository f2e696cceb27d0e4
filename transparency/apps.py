from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TransparencyConfig(AppConfig):
    """What the PCC publishes: grants awarded (360Giving and public pages), the decision register and a read-only API.
    It reads from funds and applications and owns no money rules of its own."""

    name = "transparency"
    verbose_name = "Transparency"

    def ready(self):
        from . import (
            exports,  # noqa: F401 - registers the 360Giving export builder
            publication,
        )

        # Every change to published data moves the publication version on, so no cached page outlives it.
        publication.watch()
        # A deploy (which migrates) may change how pages look with no data changed: start every cache afresh.
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="transparency.after_migrate")


def _after_migrate(sender, using="default", **kwargs):
    from django.db import connections

    from .models import PublicationVersion
    from .publication import bump_version

    # Not when a migrate run stopped before this app's table was made.
    if PublicationVersion._meta.db_table in connections[using].introspection.table_names():
        bump_version(using=using)
