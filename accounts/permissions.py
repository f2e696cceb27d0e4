"""The one check every staff page makes: the person acting holds a permission (accounts.roles says who does).

`permission_required("funds.view_budget")` on a view: a visitor who is not signed in goes to the sign-in page; a
signed-in person without the permission gets the 403 page (never the sign-in page again, which would loop). The
permission is kept on the view as `required_permission`, so a test can walk every staff URL, read what each needs
and check every role against it.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def has_staff_permission(user, permission: str | tuple[str, ...]) -> bool:
    """Staff who hold `permission` (or, given several, any one of them). Superusers hold every permission."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    wanted = (permission,) if isinstance(permission, str) else permission
    return any(user.has_perm(p) for p in wanted)


def permission_required(permission: str | tuple[str, ...]) -> Callable:
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_staff_permission(request.user, permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator
