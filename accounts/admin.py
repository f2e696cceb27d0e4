from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from core.admin_tools import KeysFirstPaginator

from . import services
from .models import TwoFactorDevice, User


@login_not_required
def admin_login(request, extra_context=None):
    """The admin's own sign-in page would let a password alone in: send everyone through ours, which asks staff
    for their second factor."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    return redirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}")


admin.site.login = admin_login


@admin.action(description="Reset two-factor authentication", permissions=["reset_two_factor"])
def reset_two_factor(modeladmin, request, users) -> None:
    """accounts.services.reset_two_factor holds the rule (superusers only, audited); this says how it went."""
    try:
        count = services.reset_two_factor(user_ids=list(users.values_list("pk", flat=True)), by=request.user)
    except services.NotAllowed as exc:
        modeladmin.message_user(request, str(exc), messages.ERROR)
        return
    modeladmin.message_user(
        request,
        f"Two-factor authentication reset for {count} user{'s' if count != 1 else ''}. "
        "They will set up a new authenticator app when they next sign in",
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login"]
    # Every applicant and provider is a user: pages are read by key, without a second count of the whole table.
    show_full_result_count = False
    paginator = KeysFirstPaginator
    search_fields = ["email", "full_name"]
    actions = [reset_two_factor]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal details", {"fields": ("full_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def has_reset_two_factor_permission(self, request) -> bool:
        return request.user.is_superuser


@admin.register(TwoFactorDevice)
class TwoFactorDeviceAdmin(admin.ModelAdmin):
    """Who has two-factor set up; never the secret. Resetting is the User admin's action."""

    list_display = ["user", "confirmed_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    fields = ["user", "created_at", "confirmed_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # through the audited reset action only
