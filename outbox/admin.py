"""The outbox in the admin: what was queued after a commit, whether it went, and the last error if it did not."""

from django.contrib import admin
from django.db.models import Q

from core.admin_tools import ReadOnlyAdmin

from . import services
from .models import Message


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("waiting", "Not handed to the broker yet"),
            ("sent", "Handed over, not finished"),
            ("given_up", "Given up (the task keeps failing)"),
            ("done", "Finished"),
        ]

    def queryset(self, request, queryset):
        open_ = Q(done_at__isnull=True)
        return {
            "waiting": queryset.filter(open_, dispatched_at__isnull=True),
            "sent": queryset.filter(open_, dispatched_at__isnull=False, attempts__lt=services.MAX_ATTEMPTS),
            "given_up": queryset.filter(open_, attempts__gte=services.MAX_ATTEMPTS),
            "done": queryset.filter(done_at__isnull=False),
        }.get(self.value(), queryset)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["task_name", "args", "created_at", "dispatched_at", "attempts", "done_at", "last_error"]
    list_filter = [StateFilter, "task_name"]
    date_hierarchy = "created_at"
    actions = ["send_again"]

    @admin.action(description="Send again at the next sweep", permissions=["change"])
    def send_again(self, request, queryset):
        count = services.send_again(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} messages will be sent at the next sweep (within a minute).")

    def has_change_permission(self, request, obj=None):
        # The row itself is read only (has no change form); "change" here is the right to send a message again.
        return obj is None and request.user.has_perm("outbox.change_message")
