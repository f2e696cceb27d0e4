"""The applicant's dashboard and what they can do after submitting: answer questions, withdraw, accept an award."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from .. import selectors, services
from ..forms import ResponseForm, WithdrawForm
from ..models import Document, InformationRequest, Status
from ..next_steps import next_steps_for
from ..workflow import WITHDRAWABLE, TransitionNotAllowed


def dashboard(request):
    applications = list(selectors.dashboard_applications(request.user))
    for application in applications:
        application.next_steps = next_steps_for(application)
        application.open_requests = [r for r in application.prefetched_requests if not r.responded_at]
    return render(
        request,
        "applications/dashboard.html",
        {
            "applications": applications,
            "organisations": list(selectors.organisations_of(request.user)),
            "open_rounds": list(selectors.open_rounds()[:5]),
        },
    )


def withdraw(request, pk):
    application = get_object_or_404(selectors.applications_of_member(request.user), pk=pk)
    if application.status not in WITHDRAWABLE:
        messages.info(request, "This application can no longer be withdrawn")
        return redirect("applications:detail", pk=pk)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_application(
                application_id=pk, by=request.user, reason=form.cleaned_data["reason"]
            )
        except TransitionNotAllowed as exc:
            messages.info(request, str(exc))
        else:
            messages.success(request, f"You have withdrawn {application.reference or application.title}")
        return redirect("applications:dashboard")
    return render(request, "applications/withdraw.html", {"application": application, "form": form})


def respond(request, pk, request_pk):
    application = get_object_or_404(selectors.applications_of_member(request.user), pk=pk)
    info = get_object_or_404(InformationRequest, pk=request_pk, application=application)
    if info.responded_at:
        return redirect("applications:detail", pk=pk)
    posted = request.method == "POST"
    form = ResponseForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            services.answer_information_request(
                request_id=info.pk,
                response=form.cleaned_data["response"],
                attachment=form.cleaned_data["attachment"],
                by=request.user,
            )
        except TransitionNotAllowed as exc:
            messages.info(request, str(exc))
        else:
            messages.success(
                request, "Thank you. We have your answer and will carry on with your application"
            )
        return redirect("applications:detail", pk=pk)
    sent = info.documents.filter(kind=Document.Kind.REQUEST_ATTACHMENT)
    return render(
        request,
        "applications/respond.html",
        {"application": application, "info": info, "form": form, "sent_files": list(sent)},
    )


def accept_award(request, pk):
    application = get_object_or_404(
        selectors.applications_of_member(request.user).select_related("award"), pk=pk, status=Status.AWARDED
    )
    if request.method == "POST":
        try:
            services.accept_award(award_id=application.award.pk, by=request.user)
        except services.AwardError as exc:
            messages.info(request, str(exc))
        else:
            messages.success(request, "You have accepted your award. We will make the first payment soon")
    return redirect("applications:detail", pk=pk)
