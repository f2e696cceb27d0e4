"""Admin for commissioning staff. Funding a service moves money, so it goes through its own pages (fund, release)
that call providers.services, never through an inline that would skip budget control."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Value
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from audit.admin import AuditTrailInline
from core.admin_tools import BigListAdmin, InlineChoicesReadOnceMixin, ReadOnlyAdmin
from core.admin_widgets import ValidIdsAutocompleteMixin
from core.money import format_pounds
from core.uploads import CheckedFileField

from . import claims, funding_reads, selectors, services
from . import funding as money
from .admin_forms import FundServiceForm, ReleaseFundingForm, YearForm
from .claim_forms import PaymentForm
from .funding_forms import CarryForwardForm, RepaymentForm, ScheduleForm, UnderspendForm, VaryFundingForm
from .models import (
    Breakdown,
    BreakdownOption,
    Claim,
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
    """Read-only: funding is added with "Fund this service from a budget line" and given back with "Release"; it is
    varied, its underspend released, repayments recorded and it is carried forward from the funding's own page."""

    model = ServiceFunding
    extra = 0
    fields = [
        "line",
        "amount_display",
        "paid_display",
        "unpaid_display",
        "changes_display",
        "commitment",
        "release_link",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return funding_reads.with_figures(
            super().get_queryset(request).select_related("line__budget__stream", "line__budget__year")
        )

    @admin.display(description="Committed")
    def amount_display(self, funding):
        return format_pounds(funding.amount)

    @admin.display(description="Paid")
    def paid_display(self, funding):
        return format_pounds(getattr(funding, "paid", None))

    @admin.display(description="Unpaid")
    def unpaid_display(self, funding):
        return format_pounds(getattr(funding, "unpaid", None))

    @admin.display(description="Changes")
    def changes_display(self, funding):
        if funding.pk is None:
            return ""
        return _changes_list(funding)

    @admin.display(description="")
    def release_link(self, funding):
        if funding.pk is None:
            return ""  # a row of a refused form being shown again: nothing to release yet
        url = reverse("admin:providers_service_release_funding", args=[funding.service_id, funding.pk])
        # The funding admin's list of this service's fundings, whose actions vary, release the underspend, record
        # repayments, carry forward and schedule.
        money = (
            f"{reverse('admin:providers_servicefunding_changelist')}?service__id__exact={funding.service_id}"
        )
        return format_html(
            '<a href="{}">Release</a><br><a href="{}">Vary, repay or carry forward</a>', url, money
        )


def _changes_list(funding) -> str:
    changes = funding_reads.changes_of(funding)
    if not changes:
        return "None"
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((c,) for c in changes)))


class ScheduleItemForm(forms.ModelForm):
    """A paid instalment is the record of a payment: shown, never changed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.payment_id:
            for field in self.fields.values():
                field.disabled = True


class ScheduleFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            item = form.instance
            deleting = item.pk and self.can_delete and self._should_delete_form(form)
            if deleting and (item.payment_id or Claim.objects.filter(schedule_item=item).exists()):
                raise forms.ValidationError(
                    f"The instalment due on {item.due_on:%-d %B %Y} has been paid or claimed, "
                    "so it cannot be deleted."
                )


class ScheduleInline(admin.TabularInline):
    """Instalments are planned here; they are paid through providers.claims (claims, or the instalments' page)."""

    model = PaymentScheduleItem
    extra = 0
    form = ScheduleItemForm
    formset = ScheduleFormSet


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


# --- A service's funding: its money after it was committed ---------------------------------------------------------


VARY = "funds.vary_commitment"  # varying, releasing an underspend and recording a repayment
CARRY_FORWARD = "funds.carry_forward_commitment"


@admin.register(ServiceFunding)
class ServiceFundingAdmin(ReadOnlyAdmin):
    """Each funding of a service, with what is committed, paid and left, and every change since. Nothing is edited
    here: finance changes the money through the actions, each asking for the values and the reason on a page of its
    own and calling providers.funding (which calls funds.services, so the line is locked, checked and the change
    recorded). A refusal is shown as a message; nothing is changed."""

    list_display = [
        "service",
        "line_display",
        "committed",
        "paid_display",
        "unpaid_display",
        "changes_display",
    ]
    list_select_related = ["service__provider", "line__budget__stream", "line__budget__year"]
    list_filter = ["line__budget__year", "line__budget__stream"]
    search_fields = ["service__name", "service__provider__name", "line__name"]
    fields = [
        "service",
        "line",
        "committed",
        "paid_display",
        "unpaid_display",
        "changes_display",
        "instalments",
        "commitment",
    ]
    readonly_fields = fields
    actions = ["vary_funding", "release_underspend", "record_repayment", "carry_forward", "make_schedule"]

    def get_queryset(self, request):
        # Joined here, not by list_select_related: the changelist adds that only to a queryset that joins nothing yet.
        return funding_reads.with_figures(
            super().get_queryset(request).select_related(*self.list_select_related)
        )

    @admin.display(description="Line", ordering="line__name")
    def line_display(self, funding):
        return f"{funding.line.name} ({funding.line.budget})"

    @admin.display(description="Committed", ordering="amount")
    def committed(self, funding):
        return format_pounds(funding.amount)

    @admin.display(description="Paid")
    def paid_display(self, funding):
        return format_pounds(funding.paid)

    @admin.display(description="Unpaid")
    def unpaid_display(self, funding):
        return format_pounds(funding.unpaid)

    @admin.display(description="Changes (variations, underspend, repaid, carried forward)")
    def changes_display(self, funding):
        return _changes_list(funding)

    @admin.display(description="Instalments")
    def instalments(self, funding):
        items = funding.schedule.select_related("payment").order_by("due_on", "pk")
        rows = [
            (
                f"{format_pounds(item.amount)} due {item.due_on:%-d %B %Y}",
                f"paid on {item.payment.paid_on:%-d %B %Y} ({item.payment.reference})"
                if item.payment
                else "not paid",
            )
            for item in items
        ]
        if not rows:
            return "None planned"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", rows))

    # The actions' permissions: Django offers an action only to a person for whom has_<name>_permission is true. Each
    # action declares the one permission that decides it, by its full name where it is funds' (the methods for those
    # are set below the class, since a name with a dot cannot be written as a method), and each check also asks for
    # providers.fund_service, which every function of providers.funding needs. The services check both again.
    def has_fund_service_permission(self, request) -> bool:
        return request.user.has_perm("providers.fund_service")

    def _ask(self, request, queryset, *, title: str, explain: str, button: str, form):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "explain": explain,
            "button": button,
            "form": form,
            "objects": [
                f"{f.service.name}: {format_pounds(f.amount)} from {f.line.name} ({f.line.budget})"
                for f in queryset.select_related("service", "line__budget__stream", "line__budget__year")
            ],
            "action": request.POST.get("action"),
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/funds/reason_action.html", context)

    def _one(self, request, queryset, doing: str):
        chosen = list(queryset[:2])
        if len(chosen) != 1:
            self.message_user(request, f"Choose one funding to {doing} at a time.", level=messages.ERROR)
            return None
        return chosen[0]

    def _each(self, request, queryset, change, done: str) -> None:
        """Apply `change(funding_id)` to each chosen funding; a refusal is a message, and the others still go."""
        changed = 0
        for chosen in queryset.select_related(
            "service", "line__budget__stream", "line__budget__year"
        ).order_by("pk"):
            try:
                change(chosen.pk)
                changed += 1
            except services.BudgetRuleError as exc:
                self.message_user(
                    request, f"{chosen.service.name} ({chosen.line.budget}): {exc}", level=messages.ERROR
                )
        if changed:
            self.message_user(
                request, f"{done} for {changed} funding{'s' if changed != 1 else ''}.", level=messages.SUCCESS
            )

    @admin.action(description="Vary the funding", permissions=[VARY])
    def vary_funding(self, request, queryset):
        chosen = self._one(request, queryset, "vary")
        if chosen is None:
            return None
        form = VaryFundingForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                money.vary_funding(
                    funding_id=chosen.pk,
                    new_amount=data["new_amount"],
                    by=request.user,
                    reason=data["reason"],
                    decision_id=data["decision"].pk if data["decision"] else None,
                )
            except services.BudgetRuleError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{chosen.service.name}'s funding from {chosen.line.name} ({chosen.line.budget}) is now "
                    f"{format_pounds(data['new_amount'])}. Its unpaid instalments were changed to add up to it.",
                    level=messages.SUCCESS,
                )
            return None
        return self._ask(
            request,
            queryset,
            title="Vary the funding",
            explain=f"Now {format_pounds(chosen.amount)}. The unpaid instalments are changed to add up to the new "
            "amount: the last ones take the change.",
            button="Vary the funding",
            form=form,
        )

    @admin.action(description="Release the underspend", permissions=[VARY])
    def release_underspend(self, request, queryset):
        form = UnderspendForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(
                request,
                queryset,
                lambda pk: money.release_funding_underspend(funding_id=pk, by=request.user, reason=reason),
                "Released the underspend",
            )
            return None
        return self._ask(
            request,
            queryset,
            title="Release the underspend",
            explain="At the end of the contract: each funding comes down to what has been paid, the rest goes back "
            "to its budget line, and the instalments not paid are taken off the schedule.",
            button="Release the underspend",
            form=form,
        )

    @admin.action(description="Record money repaid", permissions=[VARY])
    def record_repayment(self, request, queryset):
        chosen = self._one(request, queryset, "record a repayment on")
        if chosen is None:
            return None
        form = RepaymentForm(request.POST if "confirm" in request.POST else None, line=chosen.line)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                money.record_funding_repayment(
                    funding_id=chosen.pk,
                    amount=data["amount"],
                    received_on=data["received_on"],
                    reference=data["reference"],
                    by=request.user,
                    reason=data["reason"],
                    to_line_id=data["to_line"].pk if data["to_line"] else None,
                )
            except services.BudgetRuleError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
            else:
                where = data["to_line"].name if data["to_line"] else chosen.line.name
                self.message_user(
                    request,
                    f"{format_pounds(data['amount'])} repaid by {chosen.service.provider} is recorded and back on "
                    f"{where} ({chosen.line.budget}).",
                    level=messages.SUCCESS,
                )
            return None
        return self._ask(
            request,
            queryset,
            title="Record money repaid",
            explain="Money the provider paid back. The funding comes down by as much and the money goes back to its "
            "line, or to the reserve line you choose.",
            button="Record the repayment",
            form=form,
        )

    @admin.action(description="Carry forward into next year", permissions=[CARRY_FORWARD])
    def carry_forward(self, request, queryset):
        form = CarryForwardForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            decision_id = data["decision"].pk if data["decision"] else None
            self._each(
                request,
                queryset,
                lambda pk: money.carry_funding_forward(
                    funding_id=pk, by=request.user, reason=data["reason"], decision_id=decision_id
                ),
                "Carried the unpaid money into next year",
            )
            return None
        return self._ask(
            request,
            queryset,
            title="Carry forward into next year",
            explain="What is unpaid on each funding moves, with its budget, to the same line of next year's budget, "
            "and the unpaid instalments move with it. Next year's budgets must exist (roll the year forward first).",
            button="Carry forward",
            form=form,
        )

    @admin.action(description="Make a quarterly payment schedule", permissions=["fund_service"])
    def make_schedule(self, request, queryset):
        form = ScheduleForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            quarterly = form.cleaned_data["how_often"] == "quarterly"
            self._each(
                request,
                queryset,
                lambda pk: money.make_schedule(funding_id=pk, by=request.user, quarterly=quarterly),
                "Made the payment schedule",
            )
            return None
        return self._ask(
            request,
            queryset,
            title="Make a payment schedule",
            explain="What is left to pay on each funding, in equal instalments through its year (the last takes the "
            "pennies left over). Quarterly instalments fall due on 1 July, 1 October, 1 January and 31 March.",
            button="Make the schedule",
            form=form,
        )


def _fund_service_and(permission: str):
    def check(self, request) -> bool:
        return self.has_fund_service_permission(request) and request.user.has_perm(permission)

    return check


for _permission in (VARY, CARRY_FORWARD):
    setattr(ServiceFundingAdmin, f"has_{_permission}_permission", _fund_service_and(_permission))


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


class PartChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, measure) -> str:
        return f"{measure.label} ({measure.get_kind_display().lower()}, {measure.template})"


# The measures a percentage can be worked out from (Measure.clean says which are allowed, and why not).
PARTS = ("numerator", "denominator", "weighted_by")


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["label", "template", "kind", "how_combined", "order"]
    list_select_related = ["template", "numerator", "denominator", "weighted_by"]
    list_filter = ["template", "kind"]
    inlines = [BreakdownInline]
    fieldsets = [
        (None, {"fields": ["template", "code", "label", "kind", "hint", "required", "order"]}),
        (
            "How a percentage is combined across returns",
            {
                "description": "A percentage is never added up. Choose the two counts it is worked out from (the "
                "provider then gives the counts, not the percentage), or a count to weight each return's "
                "percentage by. With neither, returns are averaged plainly, and every table says so. Leave "
                "these blank for any other kind of measure.",
                "fields": PARTS,
            },
        ),
    ]

    @admin.display(description="How it is combined")
    def how_combined(self, measure: Measure) -> str:
        if measure.kind == Measure.Kind.TEXT:
            return "Not combined"
        if measure.kind == Measure.Kind.YES_NO:
            return "Returns that said yes"
        if measure.kind != Measure.Kind.PERCENTAGE:
            return "Added up"
        if measure.is_recomputed:
            return f"Recomputed from {measure.numerator} and {measure.denominator}"
        if measure.weighted_by_id:
            return f"Average weighted by {measure.weighted_by}"
        return "Plain average"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in PARTS:
            # On a measure's page, offer the other measures of its template; Measure.clean refuses any that is not a
            # count, with a message naming it.
            measures = Measure.objects.select_related("template").order_by("template__name", "order", "pk")
            object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            template_id = (
                Measure.objects.filter(pk=object_id).values_list("template_id", flat=True).first()
                if object_id and str(object_id).isdecimal()
                else None
            )
            if template_id is not None:
                measures = measures.filter(template_id=template_id).exclude(pk=object_id)
            kwargs["queryset"] = measures
            kwargs["form_class"] = PartChoiceField
            kwargs["error_messages"] = {"invalid_choice": "Choose a measure from this template’s list"}
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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


# --- Claims and scheduled instalments: read only here; paid only through providers.claims -----------------------


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    """Claims move only on the staff claim page (providers.claims): nothing about one is added, edited or deleted."""

    list_display = ["__str__", "amount_display", "status", "submitted_at", "checked_by", "approved_by"]
    list_select_related = ["service", "period", "checked_by", "approved_by"]
    list_filter = ["status"]
    search_fields = ["service__name", "service__provider__name"]
    ordering = ["-pk"]
    inlines = [AuditTrailInline]

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, claim):
        return format_pounds(claim.amount)


@admin.register(PaymentScheduleItem)
class PaymentScheduleItemAdmin(ReadOnlyAdmin):
    """Instalments are planned on their service's page; finance pays them here, through providers.claims."""

    list_display = ["__str__", "service", "amount_display", "due_on", "state"]
    list_select_related = ["service__provider", "payment"]
    list_filter = ["due_on"]
    search_fields = ["service__name", "service__provider__name"]
    ordering = ["due_on", "pk"]
    actions = ["pay_selected"]
    inlines = [AuditTrailInline]

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, item):
        return format_pounds(item.amount)

    def get_queryset(self, request):
        # The office's payment terms read once for the page, not once for each row's state.
        return super().get_queryset(request).annotate(terms_days=Value(selectors.payment_terms_days()))

    @admin.display(description="State")
    def state(self, item):
        terms = getattr(item, "terms_days", None)
        return selectors.instalment_state(item, today=timezone.localdate(), terms_days=terms).label

    def has_approve_claim_permission(self, request) -> bool:
        return request.user.has_perm("providers.approve_claim") and request.user.has_perm(
            "funds.record_payment"
        )

    @admin.action(description="Pay selected instalments", permissions=["approve_claim"])
    def pay_selected(self, request, queryset):
        """Asks for the date paid and the finance reference on a page of its own, then pays each instalment."""
        form = PaymentForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            paid = 0
            for item in queryset.order_by("due_on", "pk"):
                try:
                    claims.pay_scheduled_item(
                        item_id=item.pk,
                        paid_on=form.cleaned_data["paid_on"],
                        reference=form.cleaned_data["reference"],
                        by=request.user,
                    )
                    paid += 1
                except services.BudgetRuleError as exc:
                    self.message_user(request, f"{item}: {exc}", level=messages.ERROR)
            if paid:
                self.message_user(
                    request, f"Paid {paid} instalment{'s' if paid != 1 else ''}", level=messages.SUCCESS
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Pay instalments",
            "explain": "Record a payment of each of these instalments from its service's funding.",
            "button": "Pay instalments",
            "form": form,
            "objects": list(queryset.select_related("service")),
            "action": request.POST.get("action"),
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/funds/reason_action.html", context)
