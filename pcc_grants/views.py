import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseServerError, JsonResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import redirect, render, resolve_url
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

from accounts.permissions import has_staff_permission

from . import health


@login_not_required
def home(request):
    return render(request, "home.html")


def signed_in(request):
    """Where LOGIN_REDIRECT_URL points: each person's own home. OPCC staff go to the staff dashboard, people who act
    for a provider to the provider portal, everyone else (applicants) to their applications."""
    from providers.selectors import providers_for

    if request.user.is_staff:
        return redirect("reports:dashboard")
    if providers_for(request.user).exists():
        return redirect("providers:portal")
    return redirect("applications:dashboard")


@login_not_required
def accessibility(request):
    return render(request, "accessibility.html")


@login_not_required
def privacy(request):
    return render(request, "privacy.html")


@login_not_required
@never_cache
def healthz(request):
    """For anyone, a load balancer included: only "ok" or "error", within 2 s. What failed, and how, is on
    healthz_details: hosts, ports and error messages are not for the public."""
    results = health.run_checks()
    healthy = health.healthy(results, health.PUBLIC_CHECKS)
    return JsonResponse({"status": "ok" if healthy else "error"}, status=200 if healthy else 503)


@login_not_required  # a monitor with the token has no session; people are checked below
@never_cache
def healthz_details(request):
    """Each check by name, for staff who may read the audit trail or a monitor with HEALTHZ_TOKEN. 503 when any
    check failed, a late worker included."""
    if not _has_health_token(request):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_staff_permission(request.user, "audit.view_auditevent"):
            raise PermissionDenied
    results = health.run_checks()
    healthy = health.healthy(results)
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": results}, status=200 if healthy else 503
    )


def _has_health_token(request) -> bool:
    expected = settings.HEALTHZ_TOKEN
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


# --- error pages (handler404, handler403, handler500 in urls.py; CSRF_FAILURE_VIEW in settings) -------------------


@requires_csrf_token
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


@requires_csrf_token
def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def server_error(request):
    """Rendered without the request, so no context processor runs: the page must appear when the database (or
    whatever else failed) is down. The template needs nothing but {% url %} and {% static %}."""
    return HttpResponseServerError(loader.get_template("500.html").render())


@requires_csrf_token
def csrf_failure(request, reason=""):
    """A form sent with a missing or stale CSRF token: almost always a page left open past its session, or a sign-in
    or sign-out in another tab. Without the CSRF cookie at all, the browser is refusing cookies."""
    here = request.get_full_path()
    if request.path == resolve_url(settings.LOGIN_URL):
        here = (
            ""  # after signing in again, go wherever sign-in sends them rather than back to the sign-in form
        )
    return render(
        request, "403_csrf.html", {"no_cookie": reason == REASON_NO_CSRF_COOKIE, "here": here}, status=403
    )
