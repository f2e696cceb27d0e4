"""Admin for finance staff: £ columns, filters by year, stream and area, lines inline on their budget, computed totals
read-only and change history. Every save that moves money goes through funds.services.

No back doors: commitments, payments, ledger entries and transfer requests are read only here, nothing that holds money
can be deleted in bulk, and each action that changes money declares the permission it needs, asks for a reason on a
page of its own and calls a service, which checks the permission again.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from audit.admin import AuditTrailHistoryMixin, AuditTrailInline
from core.admin_tools import (
    BigListAdmin,
    InlineChoicesReadOnceMixin,
    ReadOnlyAdmin,
    SelectRelatedChoicesMixin,
)
from core.admin_widgets import ValidIdsAutocompleteMixin
from core.money import format_pounds

from . import budget_import, payment_run, selectors, services, tasks
from .forms import (
    BudgetAdminForm,
    BudgetImportForm,
    BudgetLineAdminForm,
    FundingSourceForm,
    PreceptAdminForm,
    PreceptBandForm,
    ReasonForm,
    TransferForm,
)
from .models import (
    Area,
    Budget,
    BudgetEntry,
    BudgetImportJob,
    BudgetLine,
    BudgetSection,
    Commitment,
    Decision,
    FinancialYear,
    FundingSource,
    FundingStream,
    Office,
    Payment,
    Precept,
    PreceptBand,
    ReportTable,
    StreamName,
    TransferRequest,
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


class NoBulkDeleteMixin:
    """Money is never deleted in bulk: the "Delete selected" action is gone from every model that holds money."""

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions


class HistoryOnPageMixin:
    """The object's audit trail at the foot of its page (audit.admin.AuditTrailInline). It is read only, so it is
    left out of a save: a form posted without its management fields is then not refused for missing them."""

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if request.method == "POST":
            return [i for i in inlines if not isinstance(i, AuditTrailInline)]
        return inlines


def _has(request, codename: str) -> bool:
    return request.user.has_perm(f"funds.{codename}")


def reason_action(modeladmin, request, queryset, *, title: str, explain: str, button: str, run, done: str):
    """An action's page of its own: what will happen, a reason box, and the service `run(obj, reason)` for each row
    chosen. A refusal is shown beside the row it is about; nothing else on the page is lost."""
    form = ReasonForm(request.POST if "confirm" in request.POST else None)
    if "confirm" in request.POST and form.is_valid():
        refused = []
        for obj in queryset:
            try:
                run(obj, form.cleaned_data["reason"])
            except services.BudgetRuleError as exc:
                refused.append(f"{obj}: {exc}")
            else:
                modeladmin.message_user(request, done.format(obj=obj), level=messages.SUCCESS)
        for message in refused:
            modeladmin.message_user(request, message, level=messages.ERROR)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "explain": explain,
        "button": button,
        "form": form,
        "objects": list(queryset),
        "action": request.POST.get("action"),
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/funds/reason_action.html", context)


class OfficeForm(forms.ModelForm):
    def clean_payment_run_columns(self):
        columns = self.cleaned_data.get("payment_run_columns") or []
        names = f"The columns are: {', '.join(payment_run.COLUMNS)}"
        if not isinstance(columns, list) or not all(isinstance(key, str) for key in columns):
            raise forms.ValidationError(
                f'Enter the columns as a list of names, like ["payment_date", "amount"], or [] for all. {names}'
            )
        if unknown := payment_run.unknown_columns(columns):
            quoted = " and ".join(f"“{key}”" for key in unknown)
            what = "is not a payment run column" if len(unknown) == 1 else "are not payment run columns"
            raise forms.ValidationError(f"{quoted} {what}. {names}")
        if twice := sorted({key for key in columns if columns.count(key) > 1}):
            raise forms.ValidationError(f"Name each column once: {', '.join(twice)} is named more than once")
        return columns


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    form = OfficeForm
    list_display = ["name", "short_name", "giving_prefix", "org_identifier"]


@admin.register(FinancialYear)
class FinancialYearAdmin(HistoryOnPageMixin, NoBulkDeleteMixin, AuditTrailHistoryMixin, admin.ModelAdmin):
    list_display = ["__str__", "starts_on", "ends_on", "closed_display"]
    list_select_related = ["closed_by"]
    readonly_fields = ["closed_display"]
    actions = ["roll_forward", "close_year"]
    inlines = [AuditTrailInline]

    @admin.display(description="Closed")
    def closed_display(self, year):
        if not year.is_closed:
            return "Open"
        when = timezone.localtime(year.closed_at)
        return f"Closed on {when:%-d %B %Y} by {year.closed_by} because {year.close_reason}"

    def get_readonly_fields(self, request, obj=None):
        # A closed year keeps its start year: its budgets and the published tables are filed under it.
        return (
            [*self.readonly_fields, "start_year"]
            if obj is not None and obj.is_closed
            else self.readonly_fields
        )

    def has_delete_permission(self, request, obj=None):
        return False

    def has_close_financialyear_permission(self, request):
        return _has(request, "close_financialyear")

    def has_roll_forward_year_permission(self, request):
        return _has(request, "roll_forward_year")

    @admin.action(description="Roll forward into the next year", permissions=["roll_forward_year"])
    def roll_forward(self, request, queryset):
        return reason_action(
            self,
            request,
            queryset,
            title="Roll forward into the next year",
            explain="The next year gets a budget for each stream, with the same sections and lines (areas, reserves, "
            "ring-fences, commissioning lines and their finance codes) at £0, ready for its pots, and the annual "
            "report's table settings. Anything the next year already has is left as it is. Unspent commitments are "
            "carried forward one by one, from the award or the service's funding.",
            button="Roll forward",
            run=lambda year, reason: services.roll_forward_year(
                year_id=year.pk, by=request.user, reason=reason
            ),
            done="{obj} is rolled forward into the next year.",
        )

    @admin.action(description="Close the financial year", permissions=["close_financialyear"])
    def close_year(self, request, queryset):
        return reason_action(
            self,
            request,
            queryset,
            title="Close the financial year",
            explain="After this, nothing about the year's money can change: its budgets, lines, commitments and "
            "payments are refused with a message that says the year is closed. Work that belongs to a later year "
            "is made in that year.",
            button="Close the year",
            run=lambda year, reason: services.close_year(year_id=year.pk, by=request.user, reason=reason),
            done="{obj} is closed.",
        )


@admin.register(Area)
class AreaAdmin(ValidIdsAutocompleteMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "ons_code", "valid_from", "valid_to", "succeeded_by"]
    list_filter = ["kind"]
    search_fields = ["name", "ons_code"]
    autocomplete_fields = ["parent", "succeeded_by"]


@admin.register(FundingSource)
class FundingSourceAdmin(admin.ModelAdmin):
    form = FundingSourceForm
    list_display = ["name", "kind", "terms"]

    @admin.display(description="What its money may fund")
    def terms(self, source):
        return source.describe_terms()


class StreamNameInline(admin.TabularInline):
    model = StreamName
    extra = 0


@admin.register(FundingStream)
class FundingStreamAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "purpose", "area_kind", "report_order"]
    list_select_related = ["source"]
    search_fields = ["name", "names__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StreamNameInline]


class BudgetLineFormSet(forms.BaseInlineFormSet):
    """Shows funds.services' refusal beside the line it is about; the services check again under lock when saving."""

    def clean(self):
        super().clean()
        changed = False
        for form in self.forms:
            if not hasattr(form, "cleaned_data"):
                continue
            delete = bool(form.cleaned_data.get("DELETE"))
            changed = changed or delete or (form.has_changed() and not delete)
            line = form.instance
            if not line.pk:
                continue
            try:
                services.check_line_change(line=line, amount=form.cleaned_data.get("amount"), delete=delete)
            except services.BudgetRuleError as exc:
                form.add_error(None if delete else "amount", str(exc))
        # The reason is a field of the budget's own form (BudgetAdminForm); a formset reads it from what was posted.
        if changed and not (self.data.get("change_reason") or "").strip():
            raise forms.ValidationError("Say why the lines are changing, in “Reason for the change” above.")


class BudgetLineInline(InlineChoicesReadOnceMixin, ValidIdsAutocompleteMixin, admin.TabularInline):
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
    # Each line's row shows its area and section without a query of its own (core.admin_tools).
    row_autocomplete_fields = ("area",)
    shared_choices = ("section",)

    def get_queryset(self, request):
        # The budget's stream and year too: a row's title is the line's __str__, "name (stream year)".
        return selectors.with_line_totals(super().get_queryset(request)).select_related(
            "area", "section", "budget__stream", "budget__year"
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section":
            # A line sits in a section of its own budget: the others' sections are not offered (and not read).
            budget_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = BudgetSection.objects.filter(budget_id=budget_id if budget_id else None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    committed_display = pounds_column("committed", "Committed")
    remaining_display = pounds_column("remaining", "Left to commit")


class BudgetEntryFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            new = form.instance.pk is None and form.has_changed() and hasattr(form, "cleaned_data")
            if new and not (form.cleaned_data.get("note") or "").strip():
                form.add_error("note", "Say why the pot is changing")


class BudgetEntryInline(admin.TabularInline):
    """Pot movements. Existing entries are history and cannot be changed; a correction is a new entry, made by
    funds.services.add_to_pot (BudgetAdmin.save_formset)."""

    model = BudgetEntry
    formset = BudgetEntryFormSet
    fk_name = "budget"
    extra = 0
    fields = [
        "kind",
        "amount",
        "source",
        "decision",
        "note",
        "counterpart",
        "created_at",
        "created_by",
        "countersigned_by",
    ]
    readonly_fields = ["counterpart", "created_at", "created_by", "countersigned_by"]
    can_delete = False

    def get_queryset(self, request):
        # Entries are shown read only, each naming its source, decision, people and the other budget of a transfer.
        return (
            super()
            .get_queryset(request)
            .select_related(
                "source",
                "decision",
                "created_by",
                "countersigned_by",
                "counterpart__stream",
                "counterpart__year",
            )
        )

    # A transfer is two entries made together by funds.services; its page is "Transfer to another budget".
    KINDS_HERE = [BudgetEntry.Kind.ALLOCATION, BudgetEntry.Kind.TOP_UP, BudgetEntry.Kind.REDUCTION]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            kwargs["choices"] = [("", "---------"), *((k.value, k.label) for k in self.KINDS_HERE)]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and _has(request, "transfer_funds")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BudgetSectionInline(admin.TabularInline):
    model = BudgetSection
    extra = 0


@admin.register(Budget)
class BudgetAdmin(
    HistoryOnPageMixin, NoBulkDeleteMixin, ServiceErrorsMixin, AuditTrailHistoryMixin, admin.ModelAdmin
):
    form = BudgetAdminForm
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
        (None, {"fields": ["stream", "year", "notes", "change_reason"]}),
        ("Totals (computed from the lines and the ledger)", {"fields": readonly_fields}),
    ]
    inlines = [BudgetEntryInline, BudgetSectionInline, BudgetLineInline, AuditTrailInline]
    change_form_template = "admin/funds/budget/change_form.html"

    def get_queryset(self, request):
        return selectors.with_budget_totals(super().get_queryset(request).select_related("stream", "year"))

    def get_object(self, request, object_id, from_field=None):
        return self.get_queryset(request).filter(pk=object_id).first()

    def get_readonly_fields(self, request, obj=None):
        # A budget stays with its stream and year: moving it would move every line and commitment with it.
        return [*self.readonly_fields, "stream", "year"] if obj is not None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

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
        # admin_view lets in any member of staff; moving money needs the permission to.
        if not _has(request, "transfer_funds"):
            raise PermissionDenied
        form = TransferForm(request.POST if request.method == "POST" else None, from_budget=budget)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                transfer = services.request_transfer(
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
                if transfer.status == TransferRequest.Status.PENDING:
                    message = (
                        f"Moving {format_pounds(data['amount'])} from {budget} to {data['to_budget']} needs a second "
                        "signature. A finance approver other than you can approve it under Transfer requests."
                    )
                else:
                    message = f"Moved {format_pounds(data['amount'])} from {budget} to {data['to_budget']}."
                self.message_user(request, message, level=messages.SUCCESS)
                return redirect(reverse("admin:funds_budget_change", args=[budget.pk]))
        office = selectors.current_office()
        context = {
            **self.admin_site.each_context(request),
            "title": f"Transfer from {budget}",
            "form": form,
            "budget": budget,
            "office": office,
            "opts": self.model._meta,
            "original": budget,
        }
        return TemplateResponse(request, "admin/funds/budget/transfer.html", context)

    def save_formset(self, request, form, formset, change):
        # save(commit=False) is what fills formset.deleted_objects and new_objects (admin's change message reads
        # them), so it comes first; the writes themselves go through the services.
        reason = form.cleaned_data.get("change_reason", "")
        if formset.model is BudgetLine:
            lines = formset.save(commit=False)
            for line in formset.deleted_objects:
                services.delete_line(line_id=line.pk, by=request.user, reason=reason)
            for line in lines:
                services.save_line(line=line, by=request.user, reason=reason)
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
        elif formset.model is BudgetSection:
            sections = formset.save(commit=False)
            for section in formset.deleted_objects:
                services.delete_section(section_id=section.pk, by=request.user)
            for section in sections:
                services.save_section(section=section, by=request.user)
        else:
            super().save_formset(request, form, formset, change)


@admin.register(BudgetLine)
class BudgetLineAdmin(
    HistoryOnPageMixin,
    NoBulkDeleteMixin,
    SelectRelatedChoicesMixin,
    ValidIdsAutocompleteMixin,
    ServiceErrorsMixin,
    AuditTrailHistoryMixin,
    admin.ModelAdmin,
):
    form = BudgetLineAdminForm
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
    choices_select_related = {"budget": ["stream", "year"]}
    readonly_fields = ["committed_display", "paid_display", "remaining_display"]
    change_list_template = "admin/funds/budgetline/change_list.html"
    inlines = [AuditTrailInline]
    actions = ["delete_empty_lines"]

    def get_queryset(self, request):
        return selectors.with_line_totals(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "budget"] if obj is not None else self.readonly_fields

    amount_display = pounds_column("amount", "Allocation")
    committed_display = pounds_column("committed", "Committed")
    paid_display = pounds_column("paid", "Paid")
    remaining_display = pounds_column("remaining", "Left to commit")

    def save_model(self, request, obj, form, change):
        services.save_line(line=obj, by=request.user, reason=form.cleaned_data["change_reason"])

    def has_delete_permission(self, request, obj=None):
        # Deleting goes through the action below (funds.services.delete_line), which asks why and refuses a line
        # with money against it; the admin's own delete page would do neither.
        return False

    def has_delete_budgetline_permission(self, request):
        return _has(request, "delete_budgetline")

    @admin.action(description="Delete the selected empty lines", permissions=["delete_budgetline"])
    def delete_empty_lines(self, request, queryset):
        return reason_action(
            self,
            request,
            queryset,
            title="Delete empty budget lines",
            explain="Only a line that has never had money committed or paid from it can be deleted.",
            button="Delete the lines",
            run=lambda line, reason: services.delete_line(line_id=line.pk, by=request.user, reason=reason),
            done="{obj} was deleted.",
        )

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="funds_budgetline_import"),
            path(
                "import/<int:pk>/",
                self.admin_site.admin_view(self.import_job_view),
                name="funds_budgetline_import_job",
            ),
            *super().get_urls(),
        ]

    def _may_import(self, request) -> None:
        if not self.has_change_permission(request):
            raise PermissionDenied

    def import_view(self, request):
        """Upload: refused at once if over a limit, else stored and checked by a worker (funds.tasks)."""
        self._may_import(request)
        posted = request.method == "POST"
        form = BudgetImportForm(request.POST if posted else None, request.FILES if posted else None)
        if posted and form.is_valid():
            try:
                with transaction.atomic():
                    job = budget_import.start_job(
                        upload=form.cleaned_data["file"], year=form.cleaned_data["year"], by=request.user
                    )
                    tasks.queue(job)
            except budget_import.ImportFileError as exc:
                form.add_error("file", str(exc))
            except services.YearClosed as exc:
                form.add_error("year", str(exc))
            else:
                return redirect(reverse("admin:funds_budgetline_import_job", args=[job.pk]))
        return TemplateResponse(
            request, "admin/funds/budgetline/import.html", {**self._import_context(request), "form": form}
        )

    def import_job_view(self, request, pk: int):
        """The job's progress, then what the file would change (or its problems), the confirm step and its outcome."""
        self._may_import(request)
        # A job is shown only to the person who uploaded it; another's id is simply not found.
        job = BudgetImportJob.objects.filter(pk=pk, requested_by=request.user).select_related("year").first()
        if job is None:
            raise Http404("No such import")
        if request.method == "POST":
            action = request.POST.get("action")
            if action == "confirm" and budget_import.confirm_job(job, by=request.user):
                job.refresh_from_db()
                tasks.queue(job)
            elif action == "retry" and budget_import.retry_job(job, by=request.user):
                tasks.queue(job)
            return redirect(reverse("admin:funds_budgetline_import_job", args=[job.pk]))
        Status = BudgetImportJob.Status
        outcome = job.result or {}
        context = {
            **self._import_context(request),
            "title": f"Import of {job.filename}",
            "job": job,
            "waiting": job.status in (Status.QUEUED, Status.CHECKING, Status.IMPORTING),
            "errors": budget_import.shown_errors(outcome.get("errors", []), outcome.get("error_count", 0)),
            "can_retry": budget_import.can_retry(job),
            "percent": min(100, 100 * job.rows_done // job.rows_total) if job.rows_total else 0,
        }
        return TemplateResponse(request, "admin/funds/budgetline/import_job.html", context)

    def _import_context(self, request) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": "Import budget lines",
            "opts": self.model._meta,
            "max_rows": f"{budget_import.MAX_ROWS:,}",
            "max_size": f"{budget_import.MAX_BYTES // (1024 * 1024)}MB",
        }


@admin.register(Decision)
class DecisionAdmin(SelectRelatedChoicesMixin, AuditTrailHistoryMixin, admin.ModelAdmin):
    list_display = ["number", "decided_on", "title", "status", "confidentiality"]
    list_filter = ["status", "confidentiality", "decided_on"]
    search_fields = ["number", "title", "public_summary"]
    filter_horizontal = ["budgets", "lines"]
    date_hierarchy = "decided_on"
    # Each option is labelled "stream year" (a budget) or "name (stream year)" (a line): read with its option.
    choices_select_related = {"budgets": ["stream", "year"], "lines": ["budget__stream", "budget__year"]}


@admin.register(ReportTable)
class ReportTableAdmin(admin.ModelAdmin):
    list_display = ["number", "printed_title", "year", "kind", "stream"]
    list_select_related = ["year", "stream"]
    list_filter = ["year", "kind"]


class PreceptBandInline(admin.TabularInline):
    """Bands typed in from the council's resolution, to check Band D against; the table never prints them. A typed
    band is corrected, not deleted: it is part of the precept's history."""

    model = PreceptBand
    form = PreceptBandForm
    extra = 0
    can_delete = False
    verbose_name = "band as the council's resolution prints it"
    verbose_name_plural = "bands as the council's resolution prints them (checked against Band D)"


@admin.register(Precept)
class PreceptAdmin(
    HistoryOnPageMixin, NoBulkDeleteMixin, ServiceErrorsMixin, AuditTrailHistoryMixin, admin.ModelAdmin
):
    """A year's Band D precept. Saved through funds.services.set_precept and set_precept_band, which check the
    person's permission and record the change with its reason."""

    form = PreceptAdminForm
    list_display = ["year", "band_d_display", "decision", "notes"]
    list_select_related = ["year", "decision"]
    inlines = [PreceptBandInline, AuditTrailInline]
    band_d_display = pounds_column("band_d", "Band D")

    def get_readonly_fields(self, request, obj=None):
        # A precept belongs to its year: a wrong year is a new precept, so the history of each stays whole.
        return ["year"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.set_precept(
            obj.year_id,
            form.cleaned_data["band_d"],
            by=request.user,
            reason=form.cleaned_data["change_reason"],
            decision=form.cleaned_data.get("decision"),
            notes=form.cleaned_data.get("notes", ""),
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        if formset.model is not PreceptBand:
            return super().save_formset(request, form, formset, change)
        # save(commit=False) saves nothing: it lists the new and changed bands (the admin's history names them).
        for typed in formset.save(commit=False):
            services.set_precept_band(
                precept_id=form.instance.pk,
                band=typed.band,
                amount=typed.amount,
                by=request.user,
                reason=form.cleaned_data["change_reason"],
            )
        return None


@admin.register(Commitment)
class CommitmentAdmin(
    HistoryOnPageMixin, NoBulkDeleteMixin, AuditTrailHistoryMixin, BigListAdmin, ReadOnlyAdmin
):
    list_display = ["reference", "line", "amount_display", "created_at", "created_by", "released_at"]
    list_filter = ["line__budget__year", "line__budget__stream"]
    search_fields = ["reference", "line__name"]
    list_select_related = ["line__budget__stream", "line__budget__year", "created_by"]
    amount_display = pounds_column("amount", "Amount")
    actions = ["release_unpaid"]
    inlines = [AuditTrailInline]

    def has_release_commitment_permission(self, request):
        return _has(request, "release_commitment")

    @admin.action(description="Release the unpaid money", permissions=["release_commitment"])
    def release_unpaid(self, request, queryset):
        return reason_action(
            self,
            request,
            queryset,
            title="Release the unpaid money",
            explain="The money goes back to its budget line; the commitment stays in the ledger, marked released. "
            "Only a commitment with nothing paid, and not made for an award or a service, is released here: an "
            "award's is released by cancelling the award.",
            button="Release the money",
            run=lambda c, reason: services.release_unpaid_commitment(
                commitment_id=c.pk, by=request.user, reason=reason
            ),
            done="{obj} was released.",
        )


@admin.register(Payment)
class PaymentAdmin(NoBulkDeleteMixin, BigListAdmin, ReadOnlyAdmin):
    list_display = ["commitment", "amount_display", "paid_on", "reference", "reverses", "created_by"]
    list_select_related = ["commitment", "created_by", "reverses"]
    amount_display = pounds_column("amount", "Amount")
    actions = ["correct_payment"]

    def has_reverse_payment_permission(self, request):
        return _has(request, "reverse_payment")

    @admin.action(description="Correct this payment (a reversing entry)", permissions=["reverse_payment"])
    def correct_payment(self, request, queryset):
        return reason_action(
            self,
            request,
            queryset,
            title="Correct a payment",
            explain="A payment recorded in error is corrected by a payment of the opposite amount that points at it. "
            "Nothing is deleted, and the paid totals net to nothing. A payment is corrected once.",
            button="Correct the payment",
            run=lambda p, reason: services.reverse_payment(payment_id=p.pk, by=request.user, reason=reason),
            done="{obj} was corrected.",
        )


@admin.register(TransferRequest)
class TransferRequestAdmin(HistoryOnPageMixin, NoBulkDeleteMixin, AuditTrailHistoryMixin, ReadOnlyAdmin):
    list_display = [
        "from_budget",
        "to_budget",
        "amount_display",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decision_note",
    ]
    list_filter = ["status"]
    list_select_related = [
        "from_budget__stream",
        "from_budget__year",
        "to_budget__stream",
        "to_budget__year",
        "requested_by",
        "decided_by",
    ]
    amount_display = pounds_column("amount", "Amount")
    actions = ["approve", "refuse"]
    inlines = [AuditTrailInline]

    def has_countersign_permission(self, request):
        return _has(request, "countersign")

    @admin.action(description="Countersign and make the transfer", permissions=["countersign"])
    def approve(self, request, queryset):
        return reason_action(
            self,
            request,
            queryset,
            title="Countersign transfers",
            explain="You give the second signature: the money moves now, recorded with both names. You cannot "
            "countersign a transfer you asked for.",
            button="Countersign and move the money",
            run=lambda t, reason: services.approve_transfer(request_id=t.pk, by=request.user, note=reason),
            done="{obj}: made.",
        )

    @admin.action(description="Refuse the transfer", permissions=["countersign"])
    def refuse(self, request, queryset):
        return reason_action(
            self,
            request,
            queryset,
            title="Refuse transfers",
            explain="The money stays where it is. The person who asked sees your reason.",
            button="Refuse",
            run=lambda t, reason: services.refuse_transfer(request_id=t.pk, by=request.user, reason=reason),
            done="{obj}: refused.",
        )
