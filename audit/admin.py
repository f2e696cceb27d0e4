"""The audit trail in the admin: read only, since only audit.services writes it."""

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from core.admin_tools import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "actor", "content_type", "object_id", "before", "after"]
    # Who acted, on what kind of record, when: the questions an auditor starts with. Only people who appear in the
    # trail are offered as actors, and only kinds it holds, so neither list grows with the users or models table.
    list_filter = [
        "action",
        ("actor", admin.RelatedOnlyFieldListFilter),
        ("content_type", admin.RelatedOnlyFieldListFilter),
    ]
    date_hierarchy = "at"
    search_fields = ["action", "note"]
    list_select_related = ["actor", "content_type"]


class AuditTrailHistoryMixin:
    """An admin's "History" button opens the audit trail of that object."""

    def history_view(self, request, object_id, extra_context=None):
        content_type = ContentType.objects.get_for_model(self.model)
        query = urlencode({"content_type__id__exact": content_type.pk, "object_id": object_id})
        return redirect(f"{reverse('admin:audit_auditevent_changelist')}?{query}")


class AuditTrailInline(GenericTabularInline):
    """The audit trail of the object an admin page shows, oldest first, read only."""

    model = AuditEvent
    ct_field = "content_type"
    ct_fk_field = "object_id"
    extra = 0
    can_delete = False
    fields = readonly_fields = ["at", "action", "actor", "before", "after", "note"]
    ordering = ["at", "pk"]
    verbose_name_plural = "history"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
