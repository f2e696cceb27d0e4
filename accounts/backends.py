from axes.backends import AxesBackend


def axes_username(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: our sign-in form posts the email address as `username` (Django's
    AuthenticationForm), while axes would look for the USERNAME_FIELD, `email`, and record None. Lower-cased, so
    "Name@Example.org" and "name@example.org" count as one person."""
    credentials = credentials or {}
    data = getattr(request, "POST", {}) if request is not None else {}
    value = (
        credentials.get("username") or credentials.get("email") or data.get("username") or data.get("email")
    )
    return value.strip().lower() if value else None


def axes_client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the same address the rate limits use (see core.ratelimit.client_ip)."""
    from core.ratelimit import client_ip

    return client_ip(request) or None  # None, as axes expects, for a request with no address (force_login)


class SignInThrottleBackend(AxesBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS.

    Sign-ins over HTTP always pass the request and are throttled. A call with no request (the test client's
    `login()`, a shell) has no address to throttle by: it is passed on to ModelBackend instead of raising, as
    AxesBackend would.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
