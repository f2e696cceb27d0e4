from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .two_factor import VERIFIED_SESSION_KEY


@receiver(user_logged_in)
def forget_second_factor_on_sign_in(sender, request, user, **kwargs):
    """Every password sign-in asks for the second factor again, even in a session that had it before."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(VERIFIED_SESSION_KEY, None)


def make_roles_after_migrate(sender, using="default", **kwargs):
    """Every database that is migrated has the staff roles' groups (accounts.roles), tests' databases included."""
    from django.apps import apps

    from .roles import sync_roles

    # post_migrate is sent once per app with models, in INSTALLED_APPS order, each after that app's permissions are made: only
    # the last one sees every permission the roles name.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender.name != with_models[-1].name:
        return
    sync_roles(using=using)
