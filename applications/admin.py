"""Admin for OPCC staff and finance. Money moves only through services: the actions below call them."""

from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone

from audit.admin import AuditTrailInline
from core.admin_widgets import ValidIdsAutocompleteMixin
from core.money import format_pounds
from funds.models import BudgetLine

from . import services
from .models import (
    Application,
    Award,
    AwardPayment,
    Criterion,
    Invitation,
    Membership,
    Organisation,
    Question,
    Round,
    RoundRingFence,
)


class RingFenceInline(admin.TabularInline):
    model = RoundRingFence
    extra = 0


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["name", "budget", "opens_at", "closes_at", "illustrative"]
    list_filter = ["budget__stream", "budget__year"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["areas"]
    inlines = [RingFenceInline, QuestionInline, CriterionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        criteria_changed = any(fs.model is Criterion and fs.has_changed() for fs in formsets)
        if change and (criteria_changed or "scoring_scale" in form.changed_data):
            # Criteria, weights or the scoring scale may have changed: the round's stored scores follow, in the same
            # transaction as the change (the admin's change view runs in one).
            services.recompute_round_scores(form.instance)


class MembershipInline(ValidIdsAutocompleteMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "area", "illustrative"]
    list_filter = ["type", "area", "illustrative"]
    search_fields = ["name", "charity_number", "company_number"]
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "created_at", "sent_at", "accepted_at"]
    readonly_fields = ["sent_at", "accepted_at"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["reference", "organisation", "round", "area", "status", "amount_requested"]
    list_filter = ["status", "round", "area"]
    search_fields = ["reference", "organisation__name", "project_title"]
    list_select_related = ["organisation", "round", "area"]
    # The lifecycle moves only through the workflow, so status and money fields are read-only here.
    readonly_fields = [
        "status",
        "reference",
        "submitted_at",
        "submitted_by",
        "recommended_amount",
        "amount_requested",
        "created_by",
        "drafts",
        "completed_tasks",
    ]
    inlines = [AuditTrailInline]


class AwardPaymentInline(admin.TabularInline):
    model = AwardPayment
    extra = 0
    can_delete = False
    readonly_fields = ["number", "amount", "due_on", "payment"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "organisation",
        "line",
        "amount_display",
        "status",
        "schedule",
        "accepted_at",
    ]
    list_filter = ["status", "application__round", "line__area"]
    list_select_related = ["application__organisation", "line__budget__stream", "line__budget__year"]
    search_fields = ["application__reference", "application__organisation__name"]
    actions = ["approve_selected"]
    inlines = [AwardPaymentInline]

    @admin.display(description="Reference", ordering="application__reference")
    def reference(self, obj):
        return obj.application.reference

    @admin.display(description="Organisation")
    def organisation(self, obj):
        return obj.application.organisation

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj):
        return format_pounds(obj.amount)

    def get_readonly_fields(self, request, obj=None):
        # Before finance approval the line and the schedule may be chosen; after it, nothing about the money changes.
        fixed = [
            "application",
            "amount",
            "status",
            "commitment",
            "approved_by",
            "approved_at",
            "accepted_at",
            "letter_sent_at",
        ]
        if obj and obj.status != Award.Status.AWAITING_FINANCE:
            fixed += ["line", "schedule", "instalments"]
        return fixed

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "line":
            award_id = request.resolver_match.kwargs.get("object_id")
            qs = BudgetLine.objects.select_related("budget__stream", "budget__year")
            if award_id:
                award = Award.objects.select_related("application__round").filter(pk=award_id).first()
                if award:
                    qs = qs.filter(budget_id=award.application.round.budget_id)
            kwargs["queryset"] = qs
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return False  # awards come from the panel's decision

    def changeform_view(self, request, *args, **kwargs):
        # A refusal from the service (approved in another tab meanwhile) is shown, not a server error.
        try:
            with transaction.atomic():
                return super().changeform_view(request, *args, **kwargs)
        except services.AwardError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            return redirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        if not form.changed_data:
            return  # nothing to write; an approved award's page has no fields left to change
        services.change_award_terms(
            award_id=obj.pk, line_id=obj.line_id, schedule=obj.schedule, instalments=obj.instalments
        )

    @admin.action(description="Approve selected awards and commit the money (all or nothing)")
    def approve_selected(self, request, queryset):
        try:
            approved = services.approve_awards(
                award_ids=list(queryset.values_list("pk", flat=True)), by=request.user
            )
        except services.AwardError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            return
        total = sum(a.amount for a in approved)
        self.message_user(
            request,
            f"Approved {len(approved)} award{'s' if len(approved) != 1 else ''} "
            f"totalling {format_pounds(total)}",
            level=messages.SUCCESS,
        )


@admin.register(AwardPayment)
class AwardPaymentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "amount", "due_on", "is_made"]
    list_filter = ["award__application__round"]
    list_select_related = ["award__application"]
    readonly_fields = ["award", "number", "amount", "due_on", "payment"]
    actions = ["mark_made"]

    def has_add_permission(self, request):
        return False

    @admin.display(boolean=True, description="Paid")
    def is_made(self, obj):
        return obj.is_made

    @admin.action(description="Mark selected payments as made today")
    def mark_made(self, request, queryset):
        done = 0
        for scheduled in queryset.order_by("pk"):
            try:
                services.mark_payment_made(
                    award_payment_id=scheduled.pk, paid_on=timezone.localdate(), by=request.user
                )
                done += 1
            except services.AwardError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
        if done:
            self.message_user(
                request, f"Marked {done} payment{'s' if done != 1 else ''} as made", messages.SUCCESS
            )
