from django.contrib import admin

from .models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "requested_by", "requested_at", "started_at", "finished_at"]
    list_select_related = ["requested_by"]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ExportJob._meta.fields]

    def has_add_permission(self, request):
        return False
