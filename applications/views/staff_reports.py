"""OPCC staff pages for end-of-grant reports: the list (by round and status, overdue ones marked), each report's
answers, and accepting it, asking for changes or choosing it as a case study."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import has_staff_permission, permission_required
from audit.selectors import status_changes_of

from .. import questions
from ..grant_reports import EDITABLE, REVIEW, STATUS_CHANGED, VIEW, is_overdue
from ..models import GrantReport, Round
from ..services import grant_reports as services

OVERDUE = "overdue"
PER_PAGE = 50


class ReportFilterForm(forms.Form):
    round = forms.ModelChoiceField(
        label="Round",
        queryset=Round.objects.order_by("-closes_at", "name"),
        required=False,
        empty_label="All",
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "All"), *GrantReport.Status.choices, (OVERDUE, "Overdue (not yet submitted)")],
    )


class SetDueDatesForm(forms.Form):
    round = forms.ModelChoiceField(
        label="Round",
        queryset=Round.objects.order_by("-closes_at", "name"),
        error_messages={"required": "Select the round whose awards need report due dates"},
    )


class FeedbackForm(forms.Form):
    feedback = forms.CharField(
        label="What does the organisation need to change?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": "Say what the organisation needs to change"},
    )


def _reports():
    return GrantReport.objects.select_related(
        "award__application__organisation", "award__application__round", "award__application__area"
    )


@permission_required(VIEW)
def report_list(request):
    today = timezone.localdate()
    form = ReportFilterForm(request.GET or None)
    reports = _reports().order_by("due_on", "pk")
    if form.is_valid():
        if form.cleaned_data["round"]:
            reports = reports.filter(award__application__round=form.cleaned_data["round"])
        status = form.cleaned_data["status"]
        if status == OVERDUE:
            reports = reports.filter(status__in=EDITABLE, due_on__lt=today)
        elif status:
            reports = reports.filter(status=status)
    page = Paginator(reports, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/staff/grant_reports.html",
        {
            "filter_form": form,
            "page": page,
            "reports": [(r, is_overdue(r, today)) for r in page.object_list],
            "due_dates_form": SetDueDatesForm(),
            "can_review": has_staff_permission(request.user, REVIEW),
        },
    )


@permission_required(REVIEW)
@require_POST
def set_due_dates(request):
    form = SetDueDatesForm(request.POST)
    if not form.is_valid():
        messages.info(request, "Select the round whose awards need report due dates")
        return redirect("applications:staff_grant_reports")
    round_ = form.cleaned_data["round"]
    try:
        made = services.schedule_round_reports(round_id=round_.pk, by=request.user)
    except services.ReportRuleError as exc:
        messages.info(request, str(exc))
    else:
        if made:
            messages.success(
                request, f"{made} report{'s' if made != 1 else ''} set up for {round_}'s awards."
            )
        else:
            messages.info(request, f"Every approved award of {round_} already has its reports.")
    return redirect(f"{reverse('applications:staff_grant_reports')}?round={round_.pk}")


@permission_required(VIEW)
def report_detail(request, pk: int):
    return _detail_page(request, pk, FeedbackForm())


def _detail_page(request, pk: int, feedback_form: FeedbackForm):
    report = get_object_or_404(
        _reports().select_related("form_version", "reviewed_by", "submitted_by"), pk=pk
    )
    form = services.report_form(report)
    answered = questions.answered_sections(form, report.answers)
    return render(
        request,
        "applications/staff/grant_report.html",
        {
            "report": report,
            "application": report.award.application,
            "answered": answered,
            "overdue": is_overdue(report, timezone.localdate()),
            "can_review": has_staff_permission(request.user, REVIEW),
            "feedback_form": feedback_form,
            "status_changes": status_changes_of(report, action=STATUS_CHANGED, choices=GrantReport.Status),
            "reminders": report.reminders.order_by("claimed_at", "kind", "recipient"),
        },
    )


@permission_required(REVIEW)
@require_POST
def review_report(request, pk: int):
    report = get_object_or_404(GrantReport, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "accept":
            services.accept_report(report_id=report.pk, by=request.user)
            messages.success(request, "Report accepted. Its figures now count in the year's figures.")
        elif action == "request_changes":
            form = FeedbackForm(request.POST)
            if not form.is_valid():
                return _detail_page(request, pk, form)
            services.request_changes(
                report_id=report.pk, by=request.user, feedback=form.cleaned_data["feedback"]
            )
            messages.success(
                request, "Changes asked for. The organisation can now change and resubmit the report."
            )
        elif action in ("case_study", "not_case_study"):
            services.mark_case_study(report_id=report.pk, by=request.user, on=action == "case_study")
            messages.success(
                request,
                "Marked as a case study to publish."
                if action == "case_study"
                else "No longer marked as a case study.",
            )
    except services.ReportRuleError as exc:
        messages.info(request, str(exc))
    return redirect("applications:staff_grant_report", pk=report.pk)
