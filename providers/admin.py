"""Admin for commissioning staff. Funding a service moves money, so it goes through its own pages (fund, release)
that call providers.services, never through an inline that would skip budget control."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from audit.admin import AuditTrailInline
from core.admin_tools import BigListAdmin, InlineChoicesReadOnceMixin
from core.admin_widgets import ValidIdsAutocompleteMixin
from core.money import format_pounds
from core.uploads import CheckedFileField

from . import services
from .admin_forms import FundServiceForm, ReleaseFundingForm, YearForm
from .models import (
    Breakdown,
    BreakdownOption,
    Measure,
    MonitoringReturn,
    MonitoringTemplate,
    PaymentScheduleItem,
    Provider,
    ProviderAlias,
    ProviderMembership,
    Reminder,
    ReportingPeriod,
    Service,
    ServiceDocument,
    ServiceFunding,
)


class AliasInline(admin.TabularInline):
    model = ProviderAlias
    extra = 1


class MembershipInline(InlineChoicesReadOnceMixin, ValidIdsAutocompleteMixin, admin.TabularInline):
    model = ProviderMembership
    extra = 1
    autocomplete_fields = ["user"]
    row_autocomplete_fields = ("user",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "charity_number", "contact_email"]
    search_fields = ["name", "aliases__name"]
    inlines = [AliasInline, MembershipInline]


class FundingInline(admin.TabularInline):
    """Read-only: funding is added with "Fund this service from a budget line" and given back with "Release"."""

    model = ServiceFunding
    extra = 0
    fields = ["line", "amount_display", "commitment", "release_link"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("line__budget__stream", "line__budget__year", "commitment")
        )

    @admin.display(description="Amount")
    def amount_display(self, funding):
        return format_pounds(funding.amount)

    @admin.display(description="")
    def release_link(self, funding):
        if funding.pk is None:
            return ""  # a row of a refused form being shown again: nothing to release yet
        url = reverse("admin:providers_service_release_funding", args=[funding.service_id, funding.pk])
        return format_html('<a href="{}">Release</a>', url)


class ScheduleInline(admin.TabularInline):
    model = PaymentScheduleItem
    extra = 0


class DocumentInline(admin.TabularInline):
    model = ServiceDocument
    extra = 0
    # The same checks as every other upload, and a generated stored name: upload_to keeps the name it is given.
    formfield_overrides = {models.FileField: {"form_class": CheckedFileField, "generated_name": True}}


def _posted(request):
    # Not `request.POST or None`: an empty POST must still be a bound form, so it shows what is missing.
    return request.POST if request.method == "POST" else None


@admin.register(Service)
class ServiceAdmin(ValidIdsAutocompleteMixin, admin.ModelAdmin):
    list_display = ["name", "provider", "theme", "status", "start_year", "end_year", "template"]
    list_select_related = ["provider", "start_year", "end_year", "template"]
    # Neither listed in full in the form: the provider (hundreds) is searched for, and the contract manager (one of
    # thousands of users) is given by id, since no staff role may view users and so search for them.
    autocomplete_fields = ["provider"]
    raw_id_fields = ["contract_manager"]
    list_filter = ["status", "template", "theme"]
    search_fields = ["name", "provider__name", "provider__aliases__name"]
    filter_horizontal = ["areas"]
    inlines = [FundingInline, ScheduleInline, DocumentInline]
    change_form_template = "admin/providers/service/change_form.html"

    def get_urls(self):
        return [
            path("<int:pk>/fund/", self.admin_site.admin_view(self.fund_view), name="providers_service_fund"),
            path(
                "<int:pk>/fundings/<int:funding_pk>/release/",
                self.admin_site.admin_view(self.release_view),
                name="providers_service_release_funding",
            ),
            *super().get_urls(),
        ]

    def _page(self, request, template: str, **context):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, **context}
        return TemplateResponse(request, f"admin/providers/service/{template}", context)

    def _service(self, request, pk: int) -> Service:
        # Funding commits money, so it is finance's permission, not the commissioning officer's who runs the service.
        if not request.user.has_perm("providers.fund_service"):
            raise PermissionDenied
        return get_object_or_404(Service.objects.select_related("provider", "start_year", "end_year"), pk=pk)

    def fund_view(self, request, pk: int):
        service = self._service(request, pk)
        form = FundServiceForm(_posted(request), service=service)
        if request.method == "POST" and form.is_valid():
            line, amount = form.cleaned_data["line"], form.cleaned_data["amount"]
            try:
                services.fund_service(service=service, line_id=line.pk, amount=amount, by=request.user)
            except services.BudgetRuleError as exc:
                form.add_error("amount", str(exc))
            else:
                self.message_user(
                    request,
                    f"{service.name} is funded with {format_pounds(amount)} from {line.name} "
                    f"({line.budget}).",
                    level=messages.SUCCESS,
                )
                return redirect("admin:providers_service_change", service.pk)
        return self._page(
            request,
            "fund.html",
            title=f"Fund {service.name}",
            service=service,
            original=service,
            form=form,
            fundings=service.fundings.select_related("line__budget__stream", "line__budget__year"),
        )

    def release_view(self, request, pk: int, funding_pk: int):
        service = self._service(request, pk)
        funding = get_object_or_404(
            ServiceFunding.objects.select_related("line__budget__stream", "line__budget__year"),
            pk=funding_pk,
            service=service,
        )
        form = ReleaseFundingForm(_posted(request))
        if request.method == "POST" and form.is_valid():
            try:
                services.release_funding(
                    funding_id=funding.pk, by=request.user, reason=form.cleaned_data["reason"]
                )
            except services.BudgetRuleError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(
                    request,
                    f"{format_pounds(funding.amount)} is back on {funding.line.name} "
                    f"({funding.line.budget}).",
                    level=messages.SUCCESS,
                )
                return redirect("admin:providers_service_change", service.pk)
        return self._page(
            request,
            "release_funding.html",
            title=f"Release funding for {service.name}",
            service=service,
            original=service,
            funding=funding,
            form=form,
        )


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    fields = ["order", "code", "label", "kind", "required", "hint"]
    show_change_link = True


@admin.action(
    description="Create reporting periods and open returns for a financial year",
    permissions=["add_reportingperiod"],
)
def create_periods(modeladmin, request, queryset):
    """Asks for the year on a page of its own, then posts back to this action with "apply"."""
    form = YearForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
        periods = returns = 0
        for template in queryset:
            new_periods, new_returns = services.open_year(template=template, year=year)
            periods, returns = periods + new_periods, returns + new_returns
        modeladmin.message_user(
            request,
            f"{year}: {periods} new reporting periods and {returns} new returns. "
            "Periods and returns that already existed were left as they were.",
            messages.SUCCESS,
        )
        return None
    return TemplateResponse(
        request,
        "admin/providers/monitoringtemplate/create_periods.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": "Create reporting periods and open returns",
            "form": form,
            "templates": queryset,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        },
    )


@admin.register(MonitoringTemplate)
class MonitoringTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "frequency", "due_after_days", "reminder_days_before", "overdue_interval_days"]
    inlines = [MeasureInline]
    actions = [create_periods]

    def has_add_reportingperiod_permission(self, request) -> bool:
        return request.user.has_perm("providers.add_reportingperiod")


class BreakdownInline(admin.TabularInline):
    model = Breakdown
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("measure")  # a row's title names its measure


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["label", "template", "kind", "order"]
    list_select_related = ["template"]
    list_filter = ["template"]
    inlines = [BreakdownInline]


class OptionInline(InlineChoicesReadOnceMixin, admin.TabularInline):
    model = BreakdownOption
    extra = 0
    shared_choices = ("area",)  # every option offers the same areas: read once for the page


@admin.register(Breakdown)
class BreakdownAdmin(admin.ModelAdmin):
    list_display = ["__str__", "dimension"]
    list_select_related = ["measure"]
    inlines = [OptionInline]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["label", "template", "starts_on", "ends_on", "window_opens_on", "due_on"]
    list_select_related = ["template"]
    list_filter = ["template", "year"]


class ReminderInline(admin.TabularInline):
    model = Reminder
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "recipient", "status", "claimed_at", "sent_at", "attempts"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MonitoringReturn)
class MonitoringReturnAdmin(BigListAdmin):
    """Read-only: returns move only through the provider portal and the staff review page."""

    list_display = ["service", "period", "status", "late", "submitted_at"]
    # Each row names "service (provider)" and "period (template)".
    list_select_related = ["service__provider", "period__template"]
    # Newest first, in the primary key's own index: the model's order (period start, provider, service) sorts every
    # return across three joined tables before a page can be shown. The columns still sort by a click.
    ordering = ["-pk"]
    list_filter = ["status", "late", "period__template", "period__label"]
    search_fields = ["service__name", "service__provider__name"]
    readonly_fields = [
        "service",
        "period",
        "status",
        "prepared_by",
        "signed_off_by",
        "first_submitted_at",
        "submitted_at",
        "late",
    ]
    inlines = [AuditTrailInline, ReminderInline]

    def has_add_permission(self, request):
        return False
