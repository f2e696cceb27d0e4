from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import redirect, render, resolve_url
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token


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
    """Database always; the broker only when one is configured (the embedded default runs tasks in-process)."""
    checks, healthy = {}, True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:
        checks["database"], healthy = {"status": "error", "error": str(exc)}, False
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
            checks["broker"] = {"status": "ok"}
        except redis.RedisError as exc:
            checks["broker"], healthy = {"status": "error", "error": str(exc)}, False
    else:
        checks["broker"] = {"status": "not configured", "detail": "tasks run in-process"}
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


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
