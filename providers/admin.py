"""Admin for commissioning staff. Funding a service moves money, so it goes through providers.services.fund_service
(the demo and scripts call it; a staff form for it is still to build), never through an inline that would skip budget
control."""

from django.contrib import admin, messages

from funds.models import FinancialYear

from . import services
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
    ReturnTransition,
    Service,
    ServiceDocument,
    ServiceFunding,
)


class AliasInline(admin.TabularInline):
    model = ProviderAlias
    extra = 1


class MembershipInline(admin.TabularInline):
    model = ProviderMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "charity_number", "contact_email"]
    search_fields = ["name", "aliases__name"]
    inlines = [AliasInline, MembershipInline]


class FundingInline(admin.TabularInline):
    model = ServiceFunding
    extra = 0
    fields = ["line", "amount", "commitment"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ScheduleInline(admin.TabularInline):
    model = PaymentScheduleItem
    extra = 0


class DocumentInline(admin.TabularInline):
    model = ServiceDocument
    extra = 0


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "theme", "status", "start_year", "end_year", "template"]
    list_filter = ["status", "template", "theme"]
    search_fields = ["name", "provider__name", "provider__aliases__name"]
    filter_horizontal = ["areas"]
    inlines = [FundingInline, ScheduleInline, DocumentInline]


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    fields = ["order", "code", "label", "kind", "required", "hint"]
    show_change_link = True


@admin.action(description="Create the reporting periods for the latest financial year, and open their returns")
def create_periods(modeladmin, request, queryset):
    year = FinancialYear.objects.order_by("-start_year").first()
    for template in queryset:
        for period in services.create_periods(template=template, year=year):
            services.open_returns(period=period)
    modeladmin.message_user(request, f"Periods for {year} are ready.", messages.SUCCESS)


@admin.register(MonitoringTemplate)
class MonitoringTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "frequency", "due_after_days", "reminder_days_before", "overdue_interval_days"]
    inlines = [MeasureInline]
    actions = [create_periods]


class BreakdownInline(admin.TabularInline):
    model = Breakdown
    extra = 0
    show_change_link = True


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["label", "template", "kind", "order"]
    list_filter = ["template"]
    inlines = [BreakdownInline]


class OptionInline(admin.TabularInline):
    model = BreakdownOption
    extra = 0


@admin.register(Breakdown)
class BreakdownAdmin(admin.ModelAdmin):
    list_display = ["__str__", "dimension"]
    inlines = [OptionInline]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["label", "template", "starts_on", "ends_on", "window_opens_on", "due_on"]
    list_filter = ["template", "year"]


class TransitionInline(admin.TabularInline):
    model = ReturnTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "action", "by", "at", "comment"]

    def has_add_permission(self, request, obj=None):
        return False


class ReminderInline(admin.TabularInline):
    model = Reminder
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "recipient", "status", "claimed_at", "sent_at", "attempts"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MonitoringReturn)
class MonitoringReturnAdmin(admin.ModelAdmin):
    """Read-only: returns move only through the provider portal and the staff review page."""

    list_display = ["service", "period", "status", "late", "submitted_at"]
    list_filter = ["status", "late", "period__template", "period__label"]
    search_fields = ["service__name", "service__provider__name"]
    readonly_fields = ["service", "period", "status", "prepared_by", "signed_off_by", "first_submitted_at",
                       "submitted_at", "late"]
    inlines = [TransitionInline, ReminderInline]

    def has_add_permission(self, request):
        return False
