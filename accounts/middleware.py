from django.conf import settings
from django.shortcuts import redirect

from . import two_factor

# Pages a staff member can reach before their second factor: the second factor itself, signing out, health checks.
EXEMPT_VIEWS = {
    "accounts:two_factor_verify",
    "accounts:two_factor_recovery",
    "accounts:two_factor_setup",
    "logout",
    "healthz",
}


class TwoFactorMiddleware:
    """A staff session without a verified second factor reaches nothing but the 2FA pages.

    Runs in process_view, after LoginRequiredMiddleware, so anonymous visitors are sent to sign in first. Every
    page of the site, the Django admin included, is behind it; a verified session costs no query here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not two_factor.needs_two_factor(request.user) or two_factor.is_verified(request):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_VIEWS:
            return None
        if settings.STATIC_URL and request.path_info.startswith(settings.STATIC_URL):
            return None
        return redirect(two_factor.second_factor_url(request.user, request.get_full_path()))
