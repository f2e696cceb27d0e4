"""The provider portal: a provider's own services and returns. Anything else is not found (404), never forbidden."""

import os

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.services import record_event
from core import uploads

from .. import claims, selectors, services
from ..claim_forms import ClaimForm
from ..forms import ReturnForm, SendBackForm
from ..models import MonitoringReturn, ProviderMembership
from ..workflow import EDITABLE

S = MonitoringReturn.Status


def portal(request):
    returns = list(
        selectors.returns_for_provider_user(request.user).order_by("period__due_on", "service__name")
    )
    return render(
        request,
        "providers/portal.html",
        {
            "providers": selectors.providers_for(request.user),
            "services": selectors.services_for_provider_user(request.user),
            "to_do": [r for r in returns if r.is_open],
            "done": [r for r in returns if not r.is_open],
        },
    )


def service_detail(request, pk: int):
    service = get_object_or_404(selectors.services_for_provider_user(request.user), pk=pk)
    return render(
        request,
        "providers/service.html",
        {
            "service": service,
            "fundings": service.fundings.select_related("line__budget__stream", "line__budget__year"),
            "returns": service.returns.select_related("period").order_by("period__starts_on"),
            "schedule": selectors.schedule_of(service, today=timezone.localdate()),
            "claims": selectors.claims_for_provider_user(request.user).filter(service=service),
            "money": selectors.paid_and_reported(service),
            "can_claim": service.fundings.exists(),
        },
    )


def claim_new(request, pk: int):
    """Claim a payment: which funding (if more than one), which quarter, how much, the spend and a note."""
    service = get_object_or_404(selectors.services_for_provider_user(request.user), pk=pk)
    form = ClaimForm(request.POST if request.method == "POST" else None, service=service)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim = claims.submit_claim(
                service_id=service.pk,
                funding_id=data["funding"],
                period_id=data.get("period"),
                schedule_item_id=data.get("schedule_item"),
                amount=data["amount"],
                reported_spend=data["reported_spend"],
                note=data["note"],
                by=request.user,
            )
        except claims.ClaimError as exc:
            shown = exc.field in form.fields and (exc.field != "funding" or form.asks_for_funding)
            form.add_error(exc.field if shown else None, str(exc))
        else:
            messages.success(
                request,
                f"Your claim for {claim.period.label if claim.period else 'a payment'} has been sent. "
                "The office will check it against your return.",
            )
            return redirect("providers:service", pk=service.pk)
    return render(request, "providers/claim_new.html", {"service": service, "form": form})


def claim_detail(request, pk: int):
    claim = get_object_or_404(selectors.claims_for_provider_user(request.user), pk=pk)
    return render(request, "providers/claim_detail.html", {"claim": claim})


def service_document(request, pk: int, document_pk: int):
    document = get_object_or_404(
        selectors.documents_for_provider_user(request.user), pk=document_pk, service_id=pk
    )
    # Offered under its title, not its stored name (a random one for anything uploaded through the checker).
    file_name = uploads.display_name(document.title + os.path.splitext(document.file.name)[1].lower())
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=file_name)
    # Contracts are commercially sensitive: who read one, and when, goes in the audit trail.
    record_event(
        "service_document.downloaded",
        obj=document,
        by=request.user,
        after={"service": document.service_id, "title": document.title, "file_name": file_name},
    )
    return response


def _own_return(request, pk: int) -> MonitoringReturn:
    return get_object_or_404(selectors.returns_for_provider_user(request.user), pk=pk)


def _figures(ret: MonitoringReturn):
    measures = services.template_measures(ret.period.template_id)
    return measures, services.stored_figures(ret)


def return_detail(request, pk: int, *, send_back_form: SendBackForm | None = None):
    ret = _own_return(request, pk)
    measures, stored = _figures(ret)
    membership = ProviderMembership.objects.filter(
        user=request.user, provider_id=ret.service.provider_id
    ).first()
    can_sign = (
        ret.status == S.AWAITING_SIGN_OFF
        and membership is not None
        and membership.role == ProviderMembership.Role.SIGNATORY
        and ret.prepared_by_id != request.user.pk
    )
    return render(
        request,
        "providers/return_detail.html",
        {
            "ret": ret,
            "form": ReturnForm(measures=measures, stored=stored),
            "editable": ret.status in EDITABLE,
            "can_send_for_sign_off": ret.status == S.DRAFT,
            "can_sign": can_sign,
            "send_back_form": (send_back_form or SendBackForm())
            if ret.status == S.AWAITING_SIGN_OFF
            else None,
            "transitions": selectors.history_of(ret),
        },
    )


def return_edit(request, pk: int):
    ret = _own_return(request, pk)
    if ret.status not in EDITABLE:
        messages.info(
            request, f"This return is {ret.get_status_display().lower()}, so its figures cannot be changed."
        )
        return redirect("providers:return", pk=ret.pk)
    measures, stored = _figures(ret)
    if request.method == "POST":
        finishing = request.POST.get("action") == "continue"
        form = ReturnForm(request.POST, measures=measures, complete=finishing)
        if form.is_valid() or _only_completeness_errors(form):
            services.save_figures(
                return_id=ret.pk, values=form.values, option_counts=form.option_counts, by=request.user
            )
            if form.is_valid():
                if finishing:
                    return redirect("providers:return", pk=ret.pk)
                messages.success(
                    request, f"Your {ret.period.label} return for {ret.service.name} has been saved."
                )
                return redirect("providers:portal")
    else:
        form = ReturnForm(measures=measures, stored=stored)
        if form.corrections:
            form = form.as_corrections()
    return render(request, "providers/return_edit.html", {"ret": ret, "form": form})


def _only_completeness_errors(form: ReturnForm) -> bool:
    # Every figure could be read, so it is saved even though the return is not ready for sign-off: nothing is lost.
    return (
        form.complete
        and len(form.values) == len(form.measures)
        and all(name in form.values or name in form.option_counts for name in form.errors)
    )


@require_POST
def return_send_for_sign_off(request, pk: int):
    ret = _own_return(request, pk)
    try:
        services.send_for_sign_off(return_id=ret.pk, by=request.user)
    except services.IncompleteReturn:
        messages.info(
            request, "Some figures are missing or do not add up. Check them before sending for sign-off."
        )
        return redirect("providers:return_edit", pk=ret.pk)
    except services.ReturnRuleError as exc:
        messages.info(request, str(exc))
        return redirect("providers:return", pk=ret.pk)
    messages.success(
        request,
        "Your return has been sent for sign-off. Someone else at your organisation who can "
        "sign off returns must now check and submit it.",
    )
    return redirect("providers:return", pk=ret.pk)


@require_POST
def return_sign_off(request, pk: int):
    ret = _own_return(request, pk)
    try:
        ret = services.sign_off_and_submit(return_id=ret.pk, by=request.user)
    except services.ReturnRuleError as exc:
        messages.info(request, str(exc))
        return redirect("providers:return", pk=ret.pk)
    late = " It was submitted after the due date, so it is marked as late." if ret.late else ""
    messages.success(request, f"Return submitted.{late}")
    return redirect("providers:return", pk=ret.pk)


@require_POST
def return_send_back(request, pk: int):
    ret = _own_return(request, pk)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        # A comment that cannot be kept (too long, control characters) is shown back with why; the return stays put.
        return return_detail(request, pk, send_back_form=form)
    try:
        services.send_back(return_id=ret.pk, by=request.user, comment=form.cleaned_data["comment"])
    except services.ReturnRuleError as exc:
        messages.info(request, str(exc))
    else:
        messages.success(request, "The return has been sent back to be changed.")
    return redirect("providers:return", pk=ret.pk)
