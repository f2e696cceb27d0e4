"""The funder's form, as data the office edits when the funder changes it: templates, their sections and questions.

Returns themselves are built and signed off only on their pages (funder_returns.services); here they are read-only.
"""

from django import forms
from django.contrib import admin

from core.admin_tools import ReadOnlyAdmin
from providers.models import BreakdownOption, Measure

from .models import FunderReturn, FunderReturnFigure, ReturnQuestion, ReturnSection, ReturnTemplate


class MeasureChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.template.name}: {obj.label} ({obj.code})"


class OptionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        breakdown = obj.breakdown
        return (
            f"{breakdown.measure.template.name}: {breakdown.measure.label} by {breakdown.label}: {obj.label}"
        )


class QuestionInline(admin.TabularInline):
    model = ReturnQuestion
    extra = 1
    fields = ["order", "label", "source", "measure", "option", "theme"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "measure":
            queryset = Measure.objects.exclude(kind=Measure.Kind.TEXT).select_related("template")
            return MeasureChoice(queryset=queryset, required=False, help_text=db_field.help_text)
        if db_field.name == "option":
            queryset = BreakdownOption.objects.select_related("breakdown__measure__template")
            return OptionChoice(queryset=queryset, required=False, help_text=db_field.help_text)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SectionInline(admin.TabularInline):
    model = ReturnSection
    extra = 1
    fields = ["order", "heading"]
    show_change_link = True  # its questions are edited on the section's own page


@admin.register(ReturnTemplate)
class ReturnTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "funder", "frequency", "monitoring_template", "active"]
    list_select_related = ["monitoring_template"]
    filter_horizontal = ["streams"]
    inlines = [SectionInline]

    def has_delete_permission(self, request, obj=None):
        return False  # returns made from it keep pointing at it


@admin.register(ReturnSection)
class ReturnSectionAdmin(admin.ModelAdmin):
    list_display = ["heading", "template", "order"]
    list_select_related = ["template"]
    list_filter = ["template"]
    inlines = [QuestionInline]


class FigureInline(admin.TabularInline):
    model = FunderReturnFigure
    fields = ["section_heading", "label", "value", "how"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FunderReturn)
class FunderReturnAdmin(ReadOnlyAdmin):
    list_display = ["template", "period_label", "status", "prepared_by", "signed_off_by"]
    list_select_related = ["template", "prepared_by", "signed_off_by"]
    list_filter = ["status", "template"]
    inlines = [FigureInline]
