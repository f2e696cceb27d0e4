from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import signals

        # After the last app's migrate, when every permission the roles name exists.
        post_migrate.connect(signals.make_roles_after_migrate, dispatch_uid="accounts.make_roles")
