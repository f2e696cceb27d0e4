"""Admin for finance staff: £ columns, filters by year, stream and area, lines inline on their budget, computed totals
read-only and change history. Every save that moves money goes through funds.services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from audit.admin import AuditTrailHistoryMixin
from core.admin_tools import ReadOnlyAdmin
from core.admin_widgets import ValidIdsAutocompleteMixin
from core.money import format_pounds

from . import selectors, services
from .budget_import import MAX_ROWS, ImportFileError, describe, import_budget_lines, read_rows
from .forms import BudgetImportForm, TransferForm
from .models import (
    Area,
    Budget,
    BudgetEntry,
    BudgetLine,
    BudgetSection,
    Commitment,
    Decision,
    FinancialYear,
    FundingSource,
    FundingStream,
    Office,
    Payment,
    ReportTable,
    StreamName,
)


def pounds_column(field: str, label: str):
    def column(admin_or_inline, obj):
        return format_pounds(getattr(obj, field, None))

    column.short_description = label
    column.admin_order_field = field
    return column


class ServiceErrorsMixin:
    """Show a refused budget rule as an admin error message instead of a server error."""

    def changeform_view(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                return super().changeform_view(request, *args, **kwargs)
        except services.BudgetRuleError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            return redirect(request.get_full_path())


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "giving_prefix", "org_identifier"]


@admin.register(FinancialYear)
class FinancialYearAdmin(admin.ModelAdmin):
    list_display = ["__str__", "starts_on", "ends_on"]


@admin.register(Area)
class AreaAdmin(ValidIdsAutocompleteMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "ons_code", "valid_from", "valid_to", "succeeded_by"]
    list_filter = ["kind"]
    search_fields = ["name", "ons_code"]
    autocomplete_fields = ["parent", "succeeded_by"]


@admin.register(FundingSource)
class FundingSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]


class StreamNameInline(admin.TabularInline):
    model = StreamName
    extra = 0


@admin.register(FundingStream)
class FundingStreamAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "area_kind", "report_order"]
    search_fields = ["name", "names__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StreamNameInline]


class BudgetLineFormSet(forms.BaseInlineFormSet):
    """Shows funds.services' refusal beside the line it is about; the services check again under lock when saving."""

    def clean(self):
        super().clean()
        for form in self.forms:
            line = form.instance
            if not line.pk or not hasattr(form, "cleaned_data"):
                continue
            delete = bool(form.cleaned_data.get("DELETE"))
            try:
                services.check_line_change(line=line, amount=form.cleaned_data.get("amount"), delete=delete)
            except services.BudgetRuleError as exc:
                form.add_error(None if delete else "amount", str(exc))


class BudgetLineInline(ValidIdsAutocompleteMixin, admin.TabularInline):
    model = BudgetLine
    formset = BudgetLineFormSet
    extra = 0
    fields = [
        "order",
        "section",
        "kind",
        "name",
        "area",
        "amount",
        "committed_display",
        "remaining_display",
        "recorded_project_count",
    ]
    readonly_fields = ["committed_display", "remaining_display"]
    autocomplete_fields = ["area"]
    show_change_link = True

    def get_queryset(self, request):
        return selectors.with_line_totals(super().get_queryset(request)).select_related("area", "section")

    committed_display = pounds_column("committed", "Committed")
    remaining_display = pounds_column("remaining", "Left to commit")


class BudgetEntryInline(admin.TabularInline):
    """Pot movements. Existing entries are history and cannot be changed; a correction is a new entry."""

    model = BudgetEntry
    fk_name = "budget"
    extra = 0
    fields = ["kind", "amount", "source", "decision", "note", "counterpart", "created_at", "created_by"]
    readonly_fields = ["counterpart", "created_at", "created_by"]
    can_delete = False
    # A transfer is two entries made together by funds.services; its page is "Transfer to another budget".
    KINDS_HERE = [BudgetEntry.Kind.ALLOCATION, BudgetEntry.Kind.TOP_UP, BudgetEntry.Kind.REDUCTION]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            kwargs["choices"] = [("", "---------"), *((k.value, k.label) for k in self.KINDS_HERE)]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False


class BudgetSectionInline(admin.TabularInline):
    model = BudgetSection
    extra = 0


@admin.register(Budget)
class BudgetAdmin(ServiceErrorsMixin, AuditTrailHistoryMixin, admin.ModelAdmin):
    list_display = [
        "stream",
        "year",
        "pot_display",
        "allocated_display",
        "committed_display",
        "paid_display",
        "remaining_display",
        "allocation_check",
    ]
    list_filter = ["year", "stream"]
    search_fields = ["stream__name", "stream__names__name"]
    readonly_fields = [
        "pot_display",
        "allocated_display",
        "committed_display",
        "paid_display",
        "remaining_display",
        "allocation_check",
    ]
    fieldsets = [
        (None, {"fields": ["stream", "year", "notes"]}),
        ("Totals (computed from the lines and the ledger)", {"fields": readonly_fields}),
    ]
    inlines = [BudgetEntryInline, BudgetSectionInline, BudgetLineInline]
    change_form_template = "admin/funds/budget/change_form.html"

    def get_queryset(self, request):
        return selectors.with_budget_totals(super().get_queryset(request).select_related("stream", "year"))

    def get_object(self, request, object_id, from_field=None):
        return self.get_queryset(request).filter(pk=object_id).first()

    pot_display = pounds_column("pot", "Pot")
    allocated_display = pounds_column("allocated", "Allocated")
    committed_display = pounds_column("committed", "Committed")
    paid_display = pounds_column("paid", "Paid")
    remaining_display = pounds_column("remaining", "Left to commit")

    @admin.display(description="Check")
    def allocation_check(self, obj):
        if getattr(obj, "overallocated", False):
            return f"OVER-ALLOCATED: lines exceed the pot by {format_pounds(obj.allocated - obj.pot)}"
        return "OK"

    def get_urls(self):
        return [
            path(
                "<int:pk>/transfer/",
                self.admin_site.admin_view(self.transfer_view),
                name="funds_budget_transfer",
            ),
            *super().get_urls(),
        ]

    def transfer_view(self, request, pk: int):
        budget = self.get_object(request, pk)
        if budget is None:
            raise Http404("No budget with that id")
        # admin_view lets in any member of staff; moving money needs the right to change the budget.
        if not self.has_change_permission(request, budget):
            raise PermissionDenied
        form = TransferForm(request.POST if request.method == "POST" else None, from_budget=budget)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.transfer_between_budgets(
                    from_budget_id=budget.pk,
                    to_budget_id=data["to_budget"].pk,
                    amount=data["amount"],
                    decision=data["decision"],
                    note=data["note"],
                    by=request.user,
                )
            except services.BudgetRuleError as exc:
                form.add_error("amount", str(exc))
            else:
                self.message_user(
                    request,
                    f"Moved {format_pounds(data['amount'])} from {budget} to {data['to_budget']}.",
                    level=messages.SUCCESS,
                )
                return redirect(reverse("admin:funds_budget_change", args=[budget.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Transfer from {budget}",
            "form": form,
            "budget": budget,
            "opts": self.model._meta,
            "original": budget,
        }
        return TemplateResponse(request, "admin/funds/budget/transfer.html", context)

    def save_formset(self, request, form, formset, change):
        # save(commit=False) is what fills formset.deleted_objects and new_objects (admin's change message reads
        # them), so it comes first; the writes themselves go through the services.
        if formset.model is BudgetLine:
            lines = formset.save(commit=False)
            for line in formset.deleted_objects:
                services.delete_line(line_id=line.pk, by=request.user)
            for line in lines:
                services.save_line(line=line, by=request.user)
        elif formset.model is BudgetEntry:
            entries = formset.save(commit=False)
            formset.new_objects = [
                services.add_to_pot(
                    budget_id=form.instance.pk,
                    amount=entry.amount,
                    kind=entry.kind,
                    source=entry.source,
                    decision=entry.decision,
                    note=entry.note,
                    by=request.user,
                )
                for entry in entries
            ]
        else:
            super().save_formset(request, form, formset, change)


@admin.register(BudgetLine)
class BudgetLineAdmin(
    ValidIdsAutocompleteMixin, ServiceErrorsMixin, AuditTrailHistoryMixin, admin.ModelAdmin
):
    list_display = [
        "name",
        "budget",
        "kind",
        "area",
        "amount_display",
        "committed_display",
        "paid_display",
        "remaining_display",
    ]
    list_filter = ["budget__year", "budget__stream", "kind", "area"]
    search_fields = ["name", "area__name", "budget__stream__name"]
    list_select_related = ["budget__stream", "budget__year", "area"]
    autocomplete_fields = ["area"]
    readonly_fields = ["committed_display", "paid_display", "remaining_display"]
    change_list_template = "admin/funds/budgetline/change_list.html"

    def get_queryset(self, request):
        return selectors.with_line_totals(super().get_queryset(request))

    amount_display = pounds_column("amount", "Allocation")
    committed_display = pounds_column("committed", "Committed")
    paid_display = pounds_column("paid", "Paid")
    remaining_display = pounds_column("remaining", "Left to commit")

    def save_model(self, request, obj, form, change):
        services.save_line(line=obj, by=request.user)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="funds_budgetline_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        posted = request.method == "POST"
        form = BudgetImportForm(request.POST if posted else None, request.FILES if posted else None)
        report, result = [], None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = read_rows(upload.read(), upload.name)
            except ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                result = import_budget_lines(
                    rows,
                    year=form.cleaned_data["year"],
                    dry_run=form.cleaned_data["dry_run"],
                    by=request.user,
                )
                report = describe(result)
                if result.written:
                    self.message_user(request, f"Imported: {result.summary()}.", level=messages.SUCCESS)
                    return redirect(reverse("admin:funds_budgetline_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import budget lines",
            "form": form,
            "report": report,
            "result": result,
            "opts": self.model._meta,
            "max_rows": f"{MAX_ROWS:,}",
        }
        return TemplateResponse(request, "admin/funds/budgetline/import.html", context)


@admin.register(Decision)
class DecisionAdmin(AuditTrailHistoryMixin, admin.ModelAdmin):
    list_display = ["number", "decided_on", "title", "status", "confidentiality"]
    list_filter = ["status", "confidentiality", "decided_on"]
    search_fields = ["number", "title", "public_summary"]
    filter_horizontal = ["budgets", "lines"]
    date_hierarchy = "decided_on"


@admin.register(ReportTable)
class ReportTableAdmin(admin.ModelAdmin):
    list_display = ["number", "printed_title", "year", "stream"]
    list_filter = ["year"]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "line", "amount_display", "created_at", "created_by", "released_at"]
    list_filter = ["line__budget__year", "line__budget__stream"]
    search_fields = ["reference", "line__name"]
    list_select_related = ["line__budget__stream", "line__budget__year", "created_by"]
    amount_display = pounds_column("amount", "Amount")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["commitment", "amount_display", "paid_on", "reference", "created_by"]
    list_select_related = ["commitment", "created_by"]
    amount_display = pounds_column("amount", "Amount")
