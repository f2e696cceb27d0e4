"""OPCC staff pages: the applications list and export, and each application's screening, assessment,
recommendation and decision."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from accounts.permissions import permission_required
from core.pagination import LateRowLookupData
from exports.services import request_export

from .. import duties, questions, selectors, services, workflow
from ..filters import StaffApplicationFilter
from ..models import Application, Assessment, Status
from ..staff_forms import (
    ConflictForm,
    DecisionForm,
    InformationRequestForm,
    RecommendationForm,
    ScoreForm,
    ScreeningForm,
)
from ..tables import StaffApplicationTable
from ..workflow import TransitionNotAllowed

VIEW = "applications.view_application"


@permission_required(VIEW)
def application_list(request):
    filterset = StaffApplicationFilter(request.GET or None, queryset=selectors.staff_applications())
    # Each page is found on the ordered ids alone, then only its 25 rows are read (core.pagination), so the last of
    # 4,000 pages costs what the first does.
    table = StaffApplicationTable(LateRowLookupData(filterset.qs))
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    return render(request, "applications/staff/list.html", {"filter": filterset, "table": table})


@permission_required(VIEW)
@require_POST
def export_list(request):
    filterset = StaffApplicationFilter(request.POST, queryset=selectors.staff_applications())
    filterset.is_valid()
    job = request_export(
        kind="applications.list", params=filterset.params, title="Applications", by=request.user
    )
    return redirect("exports:job", pk=job.pk)


def _forms(application, user, data=None, which=None, files=None):
    """Each action's form; only the one posted is bound."""
    bound = lambda name: data if which == name else None  # noqa: E731
    assessment = application.assessments.filter(assessor=user).first()
    criteria = list(application.round.criteria.all())
    return {
        "screen": ScreeningForm(bound("screen"), prefix="screen"),
        "request_information": InformationRequestForm(
            bound("request_information"), files if which == "request_information" else None, prefix="info"
        ),
        "conflict": ConflictForm(bound("conflict"), prefix="conflict"),
        "score": ScoreForm(
            bound("score"), prefix="score", criteria=criteria, scale=application.round.scoring_scale
        ),
        "recommend": RecommendationForm(
            bound("recommend"), prefix="recommend", initial={"amount": application.amount_requested}
        ),
        "decide": DecisionForm(bound("decide"), prefix="decide", application=application),
    }, assessment


def _what_they_may_do(application: Application, user, assessment: Assessment | None) -> tuple[set, dict]:
    """The actions this page offers the person at the application's status: the set they may take, and for each one
    the separation of duties keeps from them, the sentence why. An action their role never takes is simply left out.
    The services check all of this again when a form is posted."""
    moves = {
        Status.SUBMITTED: {"screen": Status.IN_ASSESSMENT, "request_information": Status.MORE_INFORMATION},
        Status.IN_ASSESSMENT: {
            "recommend": Status.RECOMMENDED,
            "request_information": Status.MORE_INFORMATION,
        },
        Status.RECOMMENDED: {"decide": Status.APPROVED},
    }.get(application.status, {})
    can, why = set(), {}
    for action, to in moves.items():
        if duties.missing_permission(user, workflow.allowed(application.status, to)):
            continue
        if problem := workflow.refusal(application, to, user):
            why[action] = problem
        else:
            can.add(action)
    if application.status == Status.IN_ASSESSMENT and not duties.missing_permission(user, duties.ASSESS):
        can.add("score" if assessment else "conflict")
    if application.status == Status.APPROVED and not duties.missing_permission(user, duties.APPROVE_AWARD):
        award = getattr(application, "award", None)
        if award is not None and (problem := duties.signature_refusal(award, user)):
            why["approve_award"] = problem
        else:
            can.add("approve_award")
    return can, why


@permission_required(VIEW)
def application_detail(request, pk, action=None):
    application = get_object_or_404(
        Application.objects.select_related(
            "round__budget",
            "form_version",
            "organisation__area",
            "area",
            "ring_fence",
            "decision",
            "award__first_approved_by",
            "award__approved_by",
        ).prefetch_related(
            "budget_items",
            "documents",
            "information_requests",
            "assessments__assessor",
            "assessments__scores__criterion",
        ),
        pk=pk,
    )
    sent = request.method == "POST"
    forms, assessment = _forms(
        application, request.user, request.POST if sent else None, action, request.FILES if sent else None
    )
    if request.method == "POST":
        form = forms.get(action)
        if form is not None and form.is_valid():
            try:
                message = _act(action, application, form, assessment, request.user)
            except (services.ReviewError, services.AwardError, TransitionNotAllowed) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, message)
                return redirect("applications:staff_detail", pk=pk)
    conflicted = assessment is not None and assessment.has_conflict
    can, why = _what_they_may_do(application, request.user, assessment)
    return render(
        request,
        "applications/staff/detail.html",
        {
            "application": application,
            "forms": forms,
            "assessment": assessment,
            "conflicted": conflicted,
            # During assessment the answers open to a member of staff only once they have declared any conflict.
            "awaiting_declaration": application.status == Status.IN_ASSESSMENT and assessment is None,
            "posted": action,
            "all_forms": list(forms.values()),
            "budget_total": sum(i.amount for i in application.budget_items.all()),
            "answer_sections": questions.answered_sections(application.form, application.answers),
            "status_changes": selectors.status_changes(application),
            "information_requests": selectors.information_requests_with_files(application),
            "can": can,
            "why": why,
            "sees_scores": duties.can_see_scores(application, request.user, own=assessment),
            "scores_hidden_reason": duties.scores_hidden_reason(application, request.user, own=assessment),
            "Status": Status,
        },
    )


def _act(action, application, form, assessment: Assessment | None, user) -> str:
    data = form.cleaned_data
    if action == "screen":
        services.screen(
            application_id=application.pk, eligible=data["eligible"] == "yes", reason=data["reason"], by=user
        )
        return "Screening recorded"
    if action == "request_information":
        services.request_information(
            application_id=application.pk, question=data["question"], attachment=data["attachment"], by=user
        )
        return "We have asked the applicant for more information"
    if action == "conflict":
        services.declare_conflict(
            application_id=application.pk,
            assessor=user,
            has_conflict=data["has_conflict"] == "yes",
            details=data["details"],
        )
        return "Declaration recorded"
    if action == "score":
        if assessment is None:
            raise services.ReviewError("Declare any conflict of interest before you score")
        services.score_application(assessment_id=assessment.pk, scores=form.scores(), by=user)
        return "Scores saved"
    if action == "recommend":
        services.recommend(
            application_id=application.pk, amount=data["amount"], reason=data["reason"], by=user
        )
        return "Recommendation recorded"
    if action == "decide":
        services.decide(
            application_id=application.pk,
            approve=data["outcome"] == "approve",
            reason=data["reason"],
            by=user,
            decision=data["decision"],
            line=data["line"],
        )
        return "Decision recorded"
    raise services.ReviewError("Unknown action")
