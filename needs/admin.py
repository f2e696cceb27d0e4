from django.contrib import admin

from .models import CurrentAllocation, Indicator, NeedsAssessment


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


class CurrentAllocationInline(admin.TabularInline):
    model = CurrentAllocation
    extra = 0
    autocomplete_fields = ()


@admin.register(NeedsAssessment)
class NeedsAssessmentAdmin(admin.ModelAdmin):
    list_display = ["name", "pot_line", "pot", "target_year", "status", "illustrative"]
    list_select_related = ["pot_line__budget__stream", "pot_line__budget__year", "target_year"]
    # Adoption writes budget lines and a decision, so it happens only through the needs pages (needs.services.adopt).
    readonly_fields = ["status", "adopted_decision", "created_by", "created_at"]
    inlines = [IndicatorInline, CurrentAllocationInline]
