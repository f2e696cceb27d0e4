from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .two_factor import VERIFIED_SESSION_KEY


@receiver(user_logged_in)
def forget_second_factor_on_sign_in(sender, request, user, **kwargs):
    """Every password sign-in asks for the second factor again, even in a session that had it before."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(VERIFIED_SESSION_KEY, None)
