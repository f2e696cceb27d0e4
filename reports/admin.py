from django import forms
from django.contrib import admin

from core.admin_tools import InlineChoicesReadOnceMixin
from core.admin_widgets import ValidIdsAutocompleteMixin

from .models import DataTable, DataTableRow


class _NamedByTemplate(forms.ModelChoiceField):
    # "New victims supported" is a measure of more than one template: say whose.
    def label_from_instance(self, obj) -> str:
        measure = getattr(obj, "measure", obj)
        return f"{measure.template}: {obj}"


class DataTableRowInline(InlineChoicesReadOnceMixin, admin.TabularInline):
    model = DataTableRow
    extra = 0
    fields = ["order", "label", "measure", "stream"]
    shared_choices = ("measure", "stream")

    def get_queryset(self, request):
        # Each row is shown by its printed label, which may be its measure's or its stream's.
        return super().get_queryset(request).select_related("measure", "stream")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "measure":
            kwargs["form_class"] = _NamedByTemplate
            kwargs["queryset"] = db_field.related_model.objects.select_related("template").exclude(
                kind="text"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(DataTable)
class DataTableAdmin(ValidIdsAutocompleteMixin, admin.ModelAdmin):
    """The tables printed from monitoring returns and the money ledger; the staff page “Annual report tables from monitoring returns”
    shows each as it prints."""

    list_display = ["__str__", "year", "kind", "after_stream", "order"]
    list_select_related = ["year", "after_stream"]
    list_filter = ["year", "kind"]
    search_fields = ["title"]
    # Services are many (a form must not list them all); breakdowns and streams are few.
    autocomplete_fields = ["service"]
    inlines = [DataTableRowInline]
    fieldsets = [
        (
            None,
            {"fields": ["year", "number", "title", "kind", "label_heading", "figure_heading", "total_label"]},
        ),
        ("Where it is printed", {"fields": ["after_stream", "order"]}),
        ("By category", {"fields": ["breakdown"]}),
        (
            "By quarter",
            {"fields": ["service"], "description": "Each row below is a measure of the service's template."},
        ),
        (
            "By funding stream",
            {
                "fields": ["money", "unit"],
                "description": "Each row below is a stream, or a label alone for a row printed with no amount.",
            },
        ),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "breakdown":
            kwargs["form_class"] = _NamedByTemplate
            kwargs["queryset"] = db_field.related_model.objects.select_related("measure__template")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
