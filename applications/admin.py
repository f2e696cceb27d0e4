"""Admin for OPCC staff and finance. Money moves only through services: the actions below call them."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Count, Subquery
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from audit.admin import AuditTrailInline
from core.admin_tools import (
    BigListAdmin,
    InlineChoicesReadOnceMixin,
    ReadOnlyAdmin,
    SelectRelatedChoicesMixin,
    form_action,
)
from core.admin_widgets import ValidIdsAutocompleteMixin
from core.money import format_pounds
from funds.forms import ReasonForm
from funds.models import BudgetLine, Office
from funds.selectors import instalment_state_on
from funds.services import BudgetRuleError

from . import duties, services
from .admin_forms import (
    CarryForwardForm,
    CopyRoundForm,
    QuestionInlineFormSet,
    RecordPaymentForm,
    RepaymentForm,
    RoundForm,
    VaryAwardForm,
)
from .models import (
    CHOICE_KINDS,
    Application,
    Award,
    AwardPayment,
    AwardVariation,
    Criterion,
    FormPurpose,
    FormVersion,
    Invitation,
    Membership,
    Organisation,
    Question,
    QuestionKind,
    Round,
    RoundRingFence,
    Section,
)


class RingFenceInline(InlineChoicesReadOnceMixin, SelectRelatedChoicesMixin, admin.TabularInline):
    model = RoundRingFence
    extra = 0
    # Every ring fence offers the same lines, each labelled "name (stream year)": read once for the page.
    shared_choices = ("line",)
    choices_select_related = {"line": ["budget__stream", "budget__year"]}


class WithGuidance:
    """An inline with a paragraph of guidance above it, for a grants officer building a form without help."""

    template = "admin/applications/round/inline_with_guidance.html"
    guidance = ""


class SectionInline(WithGuidance, admin.TabularInline):
    model = Section
    extra = 0
    inner_template = "admin/edit_inline/tabular.html"
    fields = ["purpose", "order", "title", "description"]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 50})},
    }
    verbose_name = "form section"
    verbose_name_plural = "Form sections"
    guidance = (
        'Each section of the application form is one task on the applicant\'s task list, after "Your project"; '
        "the sections of the end-of-grant report are the parts of each grantee's report. Sections come in order, "
        "lowest first. Save the round, and a new section can then be chosen for questions below. Deleting a "
        "section deletes its questions too."
    )


class QuestionInline(WithGuidance, InlineChoicesReadOnceMixin, admin.StackedInline):
    """The round's questions on the round's own page (Django has no inline within an inline): each chooses its
    section, and may be a column of a repeating group or depend on an earlier answer, all of this round."""

    model = Question
    formset = QuestionInlineFormSet
    extra = 0
    inner_template = "admin/edit_inline/stacked.html"
    fields = [
        ("section", "order"),
        ("kind", "required"),
        "text",
        "hint",
        "options",
        "max_words",
        ("group", "max_rows"),
        ("shown_if", "shown_if_value"),
        "output",
    ]
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 40})},
    }
    verbose_name_plural = "Questions"
    guidance = (
        "Choose each question's section and kind, then its wording. Questions come in order, lowest first, within "
        "their section. A repeating group (rows of answers, like budget items) is a question of its own: its "
        'columns are questions in the same section that choose it under "Column of repeating group". A question '
        "can be asked only when an earlier choice or yes or no question has a given answer. A new section or "
        "question can be chosen in these boxes once the round has been saved with it."
    )
    # Every question's section, group and condition offer the same rows: read once for the page.
    shared_choices = ("section", "group", "shown_if")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("section")
            .order_by("section__purpose", "section__order", "section_id", "order", "pk")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only this round's sections and questions are offered; on the add page, before the round exists, none.
        round_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        if db_field.name == "section":
            kwargs["queryset"] = Section.objects.filter(round_id=round_id).order_by("purpose", "order", "pk")
        elif db_field.name in ("group", "shown_if"):
            kinds = [QuestionKind.REPEATING_GROUP] if db_field.name == "group" else list(CHOICE_KINDS)
            kwargs["queryset"] = (
                Question.objects.filter(round_id=round_id, kind__in=kinds)
                .select_related("section")
                .order_by("section__purpose", "section__order", "section_id", "order", "pk")
            )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "section":
            field.label_from_instance = lambda s: f"{s.title} ({s.get_purpose_display().lower()})"
            if not round_id:
                field.help_text = "Save the round first: its sections can then be chosen here"
        elif db_field.name in ("group", "shown_if"):
            field.label_from_instance = lambda q: f"{q.section.title}: {q.text}"
        if db_field.name == "group":
            field.label = "Column of repeating group"
        elif db_field.name == "shown_if":
            field.label = "Ask only when the answer to"
            field.help_text = "An earlier choice or yes or no question of the same form"
        return field

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "shown_if_value":
            field.label = "is"
        if db_field.name in QUESTION_LIMITS:
            # The column's own range (32,767, or a 64-bit one on SQLite) would be checked first, in Django's words:
            # the form checks the question's real limits, with the message the model's clean gives.
            low, high, message = QUESTION_LIMITS[db_field.name]
            field.validators = [
                v for v in field.validators if not isinstance(v, (MinValueValidator, MaxValueValidator))
            ] + [MinValueValidator(low, message), MaxValueValidator(high, message)]
            field.error_messages["invalid"] = message
            field.widget.attrs.update({"min": low, "max": high})
        return field


# Question fields with limits of their own: (lowest, highest, what to fix), the same as Question.clean says.
QUESTION_LIMITS = {
    "max_words": (1, 2000, "Enter a word limit from 1 to 2000"),
    "max_rows": (1, 50, "Enter the most rows from 1 to 50"),
}


class FormVersionInline(WithGuidance, admin.TabularInline):
    """The versions of the round's forms that applications and reports were started on, read only."""

    model = FormVersion
    extra = 0
    inner_template = "admin/edit_inline/tabular.html"
    can_delete = False
    fields = ["purpose", "number", "created_at", "started_on_it"]
    readonly_fields = fields
    verbose_name_plural = "Versions of the forms"
    guidance = (
        "Once an application or report has been started on a form, editing its questions makes a new version for "
        "those started afterwards. Each keeps the version it was started on."
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                application_count=Count("applications", distinct=True),
                report_count=Count("grant_reports", distinct=True),
            )
        )

    @admin.display(description="Started on it")
    def started_on_it(self, obj):
        if obj.purpose == FormPurpose.REPORT:
            return f"{obj.report_count} report{'s' if obj.report_count != 1 else ''}"
        return f"{obj.application_count} application{'s' if obj.application_count != 1 else ''}"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


# After a save, what the person should know about the forms they changed.
STARTED_ON_EARLIER_VERSION = {
    FormPurpose.APPLICATION: "Applications already started keep version {n} of the form. Your changes apply to "
    "applications started from now on.",
    FormPurpose.REPORT: "Reports already started keep version {n} of the report form. Your changes apply to "
    "reports started from now on.",
}


@admin.register(Round)
class RoundAdmin(SelectRelatedChoicesMixin, admin.ModelAdmin):
    form = RoundForm
    list_display = ["name", "budget", "opens_at", "closes_at", "illustrative"]
    list_select_related = ["budget__stream", "budget__year"]
    choices_select_related = {
        "budget": ["stream", "year"],
        "default_line": ["budget__stream", "budget__year"],
    }
    list_filter = ["budget__stream", "budget__year"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["areas"]
    inlines = [SectionInline, QuestionInline, CriterionInline, RingFenceInline, FormVersionInline]
    actions = ["copy_selected"]

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        # The versions are read only, so left out of a save: a form posted without their management fields is not
        # refused for missing them.
        if request.method == "POST":
            return [i for i in inlines if not isinstance(i, FormVersionInline)]
        return inlines

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        round_ = form.instance
        criteria_changed = any(fs.model is Criterion and fs.has_changed() for fs in formsets)
        if change and (criteria_changed or "scoring_scale" in form.changed_data):
            # Criteria, weights or the scoring scale may have changed: the round's stored scores follow, in the same
            # transaction as the change (the admin's change view runs in one).
            services.recompute_round_scores(round_)
        for purpose, message in STARTED_ON_EARLIER_VERSION.items():
            in_use = services.version_in_use(round_, purpose)
            if in_use is not None and in_use.definition != services.live_definition(round_, purpose):
                self.message_user(request, message.format(n=in_use.number), level=messages.WARNING)
        for group in round_.questions.filter(kind=QuestionKind.REPEATING_GROUP, columns__isnull=True):
            self.message_user(
                request,
                f'The repeating group "{group.text}" has no columns yet. Add questions to its section that choose '
                'it under "Column of repeating group".',
                level=messages.WARNING,
            )

    @admin.action(description="Copy the selected round for another year", permissions=["add"])
    def copy_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose one round to copy at a time", level=messages.ERROR)
            return None
        source = queryset.select_related("budget__stream", "budget__year").get()
        return form_action(
            self,
            request,
            queryset,
            form_class=CopyRoundForm,
            form_kwargs={"round_": source},
            title=f"Copy {source}",
            explain="The new round has this round's set-up, areas, application and report forms and assessment "
            "criteria, paid from the budget you choose. Ring-fenced themes are not copied: each is a line of "
            f"{source.budget.year}'s budget, so add the new year's on the new round's page.",
            button="Copy the round",
            run=lambda r, data: services.copy_round(
                round_id=r.pk,
                name=data["name"],
                slug=data["slug"],
                budget_id=data["budget"].pk,
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                by=request.user,
            ),
            done="Copied {obj} with its forms and criteria. Ring-fenced themes were not copied, as they are lines "
            "of the old year's budget: add the new year's on the new round's page.",
            refusals=(services.RoundCopyError,),
        )


@admin.register(FormVersion)
class FormVersionAdmin(ReadOnlyAdmin):
    """Every version of every round's forms, as applications and reports were asked them: for auditors."""

    list_display = ["round", "purpose", "number", "created_at"]
    list_filter = ["purpose", "round"]
    list_select_related = ["round"]
    fields = ["round", "purpose", "number", "created_at", "definition"]
    readonly_fields = fields


class MembershipInline(InlineChoicesReadOnceMixin, ValidIdsAutocompleteMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    row_autocomplete_fields = ("user",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Organisation)
class OrganisationAdmin(BigListAdmin):
    list_display = ["name", "type", "area", "illustrative"]
    list_select_related = ["area"]
    list_filter = ["type", "area", "illustrative"]
    search_fields = ["name", "charity_number", "company_number"]
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(ValidIdsAutocompleteMixin, admin.ModelAdmin):
    list_display = ["email", "organisation", "created_at", "sent_at", "accepted_at"]
    list_select_related = ["organisation"]
    readonly_fields = ["sent_at", "accepted_at"]
    # Thousands of organisations and users, so neither is listed in full in the form: the organisation is searched
    # for, and the inviting user is given by id (no staff role may view users, so it could not be searched for).
    autocomplete_fields = ["organisation"]
    raw_id_fields = ["invited_by"]


@admin.register(Application)
class ApplicationAdmin(ValidIdsAutocompleteMixin, BigListAdmin):
    list_display = ["reference", "organisation", "round", "area", "status", "amount_requested"]
    list_filter = ["status", "round", "area"]
    search_fields = ["reference", "organisation__name", "project_title"]
    list_select_related = ["organisation", "round", "area"]
    autocomplete_fields = ["organisation"]  # thousands of them
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

    # Applications come from applicants and leave only through the retention schedule (services.retention): an
    # admin delete would take an award's history with it, and an admin add would skip submission.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AwardPaymentInline(admin.TabularInline):
    model = AwardPayment
    extra = 0
    can_delete = False
    readonly_fields = ["number", "amount", "due_on", "payment"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("payment")

    def has_add_permission(self, request, obj=None):
        return False


class NeverDeleted:
    """Awards and their payments are public money's record: never deleted, in bulk or one by one. An award that
    should not stand is cancelled (services.cancel_award), which releases its money through funds."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions


class HistoryOnPage:
    """The award's audit trail and variations at the foot of its page, read only, so left out of a save: a form
    posted without their management fields is not refused for missing them."""

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if request.method == "POST":
            return [i for i in inlines if not isinstance(i, AuditTrailInline | AwardVariationInline)]
        return inlines


class AwardVariationInline(admin.TabularInline):
    model = AwardVariation
    extra = 0
    fields = [
        "varied_at",
        "varied_by",
        "amount_before",
        "amount_after",
        "line_after",
        "instalments_after",
        "decision",
        "reason",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


REFUSED = (services.AwardError, BudgetRuleError)


class CancelAwardForm(forms.Form):
    reason = forms.CharField(
        label="Why are these awards being cancelled?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason for cancelling the awards"},
    )


@admin.register(Award)
class AwardAdmin(NeverDeleted, HistoryOnPage, BigListAdmin):
    list_display = [
        "reference",
        "organisation",
        "line",
        "amount_display",
        "status",
        "signatures",
        "schedule",
        "accepted_at",
    ]
    list_filter = ["status", "application__round", "line__area"]
    list_select_related = [
        "application__organisation",
        "line__budget__stream",
        "line__budget__year",
        "first_approved_by",
        "approved_by",
    ]
    search_fields = ["application__reference", "application__organisation__name"]
    actions = [
        "approve_selected",
        "cancel_selected",
        "vary_selected",
        "close_selected",
        "record_repayment",
        "carry_forward_selected",
    ]
    inlines = [AwardPaymentInline, AwardVariationInline, AuditTrailInline]

    @admin.display(description="Reference", ordering="application__reference")
    def reference(self, obj):
        return obj.application.reference

    @admin.display(description="Organisation")
    def organisation(self, obj):
        return obj.application.organisation

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj):
        return format_pounds(obj.amount)

    @admin.display(description="Signed by")
    def signatures(self, obj):
        names = [u.get_full_name() for u in (obj.first_approved_by, obj.approved_by) if u is not None]
        return " and ".join(names) or "—"

    # The actions' permissions: Django shows an action only to a person for whom has_<name>_permission is true.
    def has_approve_award_permission(self, request):
        return request.user.has_perm(duties.APPROVE_AWARD)

    def has_cancel_award_permission(self, request):
        return request.user.has_perm(duties.CANCEL_AWARD)

    def get_readonly_fields(self, request, obj=None):
        # Before finance approval the line and the schedule may be chosen; after it, nothing about the money changes.
        fixed = [
            "application",
            "amount",
            "status",
            "commitment",
            "first_approved_by",
            "first_approved_at",
            "approved_by",
            "approved_at",
            "cancelled_by",
            "cancelled_at",
            "cancel_reason",
            "accepted_at",
            "letter_sent_at",
        ]
        # After the first signature too: the second signer signs what the first signed.
        if obj and (obj.status != Award.Status.AWAITING_FINANCE or obj.first_approved_by_id):
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
            award_id=obj.pk,
            line_id=obj.line_id,
            schedule=obj.schedule,
            instalments=obj.instalments,
            by=request.user,
        )

    @admin.action(
        description="Approve selected awards and commit the money (all or nothing)",
        permissions=["approve_award"],
    )
    def approve_selected(self, request, queryset):
        try:
            signed = services.approve_awards(
                award_ids=list(queryset.values_list("pk", flat=True)), by=request.user
            )
        except services.AwardError as exc:
            # One message per refused award, so a long list reads as a list.
            count = len(exc.problems)
            self.message_user(
                request,
                f"Nothing was approved. {count} award{'s were' if count != 1 else ' was'} refused:",
                level=messages.ERROR,
            )
            for problem in exc.problems:
                self.message_user(request, problem, level=messages.ERROR)
            return
        approved = [a for a in signed if a.status == Award.Status.COMMITTED]
        first_only = [a for a in signed if a.status == Award.Status.AWAITING_FINANCE]
        if approved:
            total = sum(a.amount for a in approved)
            self.message_user(
                request,
                f"Approved {len(approved)} award{'s' if len(approved) != 1 else ''} "
                f"totalling {format_pounds(total)}",
                level=messages.SUCCESS,
            )
        if first_only:
            self.message_user(
                request,
                f"Signed {len(first_only)} award{'s' if len(first_only) != 1 else ''} over "
                f"{format_pounds(duties.office_settings().second_signature_over)}: "
                + ", ".join(a.application.reference for a in first_only)
                + ". A different finance approver must give the second signature before the money is committed.",
                level=messages.WARNING,
            )

    @admin.action(description="Cancel selected awards and release their money", permissions=["cancel_award"])
    def cancel_selected(self, request, queryset):
        form = CancelAwardForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            cancelled = 0
            for award_id in queryset.order_by("pk").values_list("pk", flat=True):
                try:
                    services.cancel_award(
                        award_id=award_id, by=request.user, reason=form.cleaned_data["reason"]
                    )
                    cancelled += 1
                except services.AwardError as exc:
                    self.message_user(request, str(exc), level=messages.ERROR)
            if cancelled:
                self.message_user(
                    request,
                    f"Cancelled {cancelled} award{'s' if cancelled != 1 else ''} and released the money",
                    level=messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Cancel awards",
            "form": form,
            "awards": queryset.select_related("application"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "applications/staff/cancel_awards.html", context)

    def has_vary_award_permission(self, request):
        return request.user.has_perm(duties.VARY_AWARD)

    def _one(self, request, queryset, doing: str):
        if queryset.count() != 1:
            self.message_user(request, f"Choose one award to {doing} at a time", level=messages.ERROR)
            return None
        return queryset.select_related("line__budget", "application").get()

    @admin.action(description="Vary the award (amount, line or instalments)", permissions=["vary_award"])
    def vary_selected(self, request, queryset):
        award = self._one(request, queryset, "vary")
        if award is None:
            return None
        return form_action(
            self,
            request,
            queryset,
            form_class=VaryAwardForm,
            form_kwargs={"award": award},
            title=f"Vary award {award.application.reference}",
            explain=f"Now {format_pounds(award.amount)} from {award.line.name} in {award.instalments} instalment(s). "
            "More money is checked against the line and the pot; less releases the difference. Payments already "
            "made stay as they are and what is left is spread over the unpaid instalments.",
            button="Vary the award",
            run=lambda a, data: services.vary_award(
                award_id=a.pk,
                amount=data["amount"],
                line_id=data["line"].pk if data["line"] else None,
                instalments=data["instalments"],
                decision_id=data["decision"].pk if data["decision"] else None,
                by=request.user,
                reason=data["reason"],
            ),
            done="{obj} varied.",
            refusals=REFUSED,
        )

    @admin.action(description="Close the award and release its underspend", permissions=["vary_award"])
    def close_selected(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            form_class=ReasonForm,
            title="Close awards and release their underspend",
            explain="What is left unpaid on each award goes back to its budget line, and its unpaid instalments are "
            "removed. Payments already made stay.",
            button="Close and release the underspend",
            run=lambda a, data: services.close_award(award_id=a.pk, by=request.user, reason=data["reason"]),
            done="{obj} closed; its underspend is released.",
            refusals=REFUSED,
        )

    @admin.action(description="Record money repaid", permissions=["vary_award"])
    def record_repayment(self, request, queryset):
        award = self._one(request, queryset, "record a repayment on")
        if award is None:
            return None
        return form_action(
            self,
            request,
            queryset,
            form_class=RepaymentForm,
            form_kwargs={"award": award},
            title=f"Record money repaid on {award.application.reference}",
            explain="The repayment is recorded against the award's payments. The money returns to the award's line, "
            "or to a reserve of the same budget if you choose one.",
            button="Record the repayment",
            run=lambda a, data: services.record_award_repayment(
                award_id=a.pk,
                amount=data["amount"],
                received_on=data["received_on"],
                reference=data["reference"],
                to_line_id=data["to_line"].pk if data["to_line"] else None,
                by=request.user,
                reason=data["reason"],
            ),
            done="Repayment recorded on {obj}.",
            refusals=REFUSED,
        )

    @admin.action(description="Carry what is unpaid into next year", permissions=["vary_award"])
    def carry_forward_selected(self, request, queryset):
        return form_action(
            self,
            request,
            queryset,
            form_class=CarryForwardForm,
            title="Carry awards forward into next year",
            explain="What is unpaid on each award moves, with its budget, to the matching line of next year's budget "
            "(roll the year forward first). The award is then paid from next year.",
            button="Carry forward",
            run=lambda a, data: services.carry_award_forward(
                award_id=a.pk,
                by=request.user,
                reason=data["reason"],
                decision_id=data["decision"].pk if data["decision"] else None,
            ),
            done="{obj} carried forward.",
            refusals=REFUSED,
        )


@admin.register(AwardPayment)
class AwardPaymentAdmin(NeverDeleted, BigListAdmin):
    list_display = ["__str__", "amount", "due_on", "state"]
    list_filter = ["award__application__round"]
    list_select_related = ["award__application", "payment"]
    # Newest award first, by the unique (award, number) index read backwards: the model's order sorts by the
    # award's creation time, which joins every instalment to its award before a page can be shown.
    ordering = ["-award_id", "-number"]
    readonly_fields = ["award", "number", "amount", "due_on", "payment"]
    actions = ["mark_made"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        # The office's payment terms, read with the page's rows rather than once per row.
        terms = Office.objects.order_by("pk").values("payment_terms_days")[:1]
        return super().get_queryset(request).annotate(terms=Subquery(terms))

    @admin.display(description="State")
    def state(self, obj):
        """Paid (on its date), not yet due, due, or overdue once the office's payment terms have passed since it
        fell due (funds.selectors.instalment_state_on); an instalment due on acceptance falls due when the award is
        accepted."""
        if obj.payment_id:
            return f"Paid on {obj.payment.paid_on:%-d %b %Y}"
        due_on = obj.due_on or (obj.award.accepted_at.date() if obj.award.accepted_at else None)
        if due_on is None:
            return "Due when accepted"
        terms = obj.terms if obj.terms is not None else Office._meta.get_field("payment_terms_days").default
        return instalment_state_on(
            due_on=due_on, paid=False, today=timezone.localdate(), terms_days=terms
        ).label

    def has_record_award_payment_permission(self, request):
        return request.user.has_perm(duties.RECORD_PAYMENT)

    @admin.action(description="Record selected payments as made", permissions=["record_award_payment"])
    def mark_made(self, request, queryset):
        return form_action(
            self,
            request,
            queryset.select_related("award__application").order_by("pk"),
            form_class=RecordPaymentForm,
            title="Record payments as made",
            explain="Each instalment chosen is recorded as paid on the date you give, with the finance system's "
            "reference. The financial year a payment counts in is the year of that date.",
            button="Record the payments",
            run=lambda scheduled, data: services.mark_payment_made(
                award_payment_id=scheduled.pk,
                paid_on=data["paid_on"],
                reference=data["reference"],
                amount=data["amount"],
                by=request.user,
            ),
            done="{obj} recorded as paid.",
            refusals=REFUSED,
        )
