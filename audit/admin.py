"""The audit trail in the admin: read only, since only audit.services writes it."""

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from core.admin_tools import BigListAdmin, ReadOnlyAdmin

from .models import AuditEvent


class ActionFilter(admin.AllValuesFieldListFilter):
    """The actions the trail holds, read by stepping through the action index one value at a time (a few dozen
    look-ups) rather than by reading every event, as SELECT DISTINCT would."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        table, column = (
            connection.ops.quote_name(model._meta.db_table),
            connection.ops.quote_name(field.column),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"""WITH RECURSIVE actions(value) AS (
                        SELECT min({column}) FROM {table}
                        UNION ALL
                        SELECT (SELECT min({column}) FROM {table} WHERE {column} > actions.value)
                        FROM actions WHERE actions.value IS NOT NULL
                    )
                    SELECT value FROM actions WHERE value IS NOT NULL"""
            )
            self.lookup_choices = [row[0] for row in cursor.fetchall()]


class InTheTrailFilter(admin.RelatedOnlyFieldListFilter):
    """Offers the records the trail points at, asked as `IN (SELECT ...)`: PostgreSQL then looks each candidate up
    in the trail's index. Django's own filter asks for the DISTINCT values, which reads every event."""

    limit_choices_to: dict = {}

    def field_choices(self, field, request, model_admin):
        in_the_trail = model_admin.get_queryset(request).values(self.field_path)
        return field.get_choices(
            include_blank=False,
            limit_choices_to={"pk__in": in_the_trail, **self.limit_choices_to},
            ordering=self.field_admin_ordering(field, request, model_admin),
        )


class StaffActorFilter(InTheTrailFilter):
    """Offers the staff who appear in the trail. Every applicant and provider acts in it too, so offering everyone
    would grow the list with the users table. Anyone's events are still listed with ?actor__id__exact=<their id>."""

    limit_choices_to = {"is_staff": True}


@admin.register(AuditEvent)
class AuditEventAdmin(BigListAdmin, ReadOnlyAdmin):
    list_display = ["at", "action", "actor", "content_type", "object_id", "before", "after"]
    # Who acted, on what kind of record, when: the questions an auditor starts with. Only kinds of record the trail
    # holds are offered, and only staff who act in it (StaffActorFilter), so neither list grows with the data.
    # The date is a filter rather than a date hierarchy: the hierarchy lists the years by reading every event's
    # date (a whole-table scan on each visit); the filter's choices cost nothing, and ?at__year=2023 still works.
    list_filter = [
        ("action", ActionFilter),
        ("at", admin.DateFieldListFilter),
        ("actor", StaffActorFilter),
        ("content_type", InTheTrailFilter),
    ]
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

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")  # each row names who acted

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
