from django.contrib import admin

from core.admin_tools import InlineChoicesReadOnceMixin, SelectRelatedChoicesMixin

from .models import CurrentAllocation, Indicator, NeedsAssessment


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


class CurrentAllocationInline(InlineChoicesReadOnceMixin, admin.TabularInline):
    model = CurrentAllocation
    extra = 0
    shared_choices = ("area",)  # every row offers the same areas: read once for the page
    autocomplete_fields = ()


@admin.register(NeedsAssessment)
class NeedsAssessmentAdmin(SelectRelatedChoicesMixin, admin.ModelAdmin):
    list_display = ["name", "pot_line", "pot", "target_year", "status", "illustrative"]
    list_select_related = ["pot_line__budget__stream", "pot_line__budget__year", "target_year"]
    # Each line offered is labelled "name (stream year)": read with its option.
    choices_select_related = {"pot_line": ["budget__stream", "budget__year"]}
    # Adoption writes budget lines and a decision, so it happens only through the needs pages (needs.services.adopt).
    readonly_fields = ["status", "adopted_decision", "created_by", "created_at"]
    inlines = [IndicatorInline, CurrentAllocationInline]
