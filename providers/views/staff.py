"""Staff pages for commissioning: the returns dashboard, reviewing a return, the measure chart and the export."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import permission_required
from core.money import format_pounds
from core.pagination import LatePaginator
from exports.services import request_export
from funds.models import FinancialYear
from funds.selectors import commitment_paid
from funds.services import BudgetRuleError

from .. import claims, selectors, services
from ..chart import bar_chart
from ..claim_forms import ClaimFilterForm, PaymentForm, ReturnClaimForm
from ..exports import RETURNS_FOR_PERIOD
from ..forms import DashboardFilterForm, ExportForm, ReopenForm, RequestChangesForm, ReturnForm
from ..models import Claim, Measure, Service


def _year(request) -> FinancialYear | None:
    try:
        return FinancialYear.objects.get(pk=int(request.GET["year"]))
    except (KeyError, ValueError, FinancialYear.DoesNotExist):
        return FinancialYear.objects.filter(reporting_periods__isnull=False).order_by("-start_year").first()


@permission_required(("providers.review_returns", "providers.view_monitoringreturn"))
def dashboard(request):
    year = _year(request)
    form = DashboardFilterForm(request.GET or None, year=year)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    returns = selectors.filtered_returns(
        year=year,
        period_label=filters.get("period") or "",
        provider_id=getattr(filters.get("provider"), "pk", None),
        stream_id=getattr(filters.get("stream"), "pk", None),
    )
    # Only the page's 100 returns are read in full, found on their ids (core.pagination).
    page = LatePaginator(selectors.dashboard_rows(returns), 100).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "providers/staff/dashboard.html",
        {
            "year": year,
            "years": FinancialYear.objects.filter(reporting_periods__isnull=False).distinct(),
            "form": form,
            "summary": selectors.period_summary(returns, today=today),
            "page": page,
            "today": today,
            "export_form": ExportForm(year=year),
            "measures": Measure.objects.exclude(kind=Measure.Kind.TEXT).select_related("template"),
            "claims_to_check": selectors.claims_to_check_count(),
        },
    )


@permission_required("providers.review_returns")
def return_review(request, pk: int):
    ret = get_object_or_404(selectors.returns_visible_to(request.user), pk=pk)
    changes_form, reopen_form = RequestChangesForm(), ReopenForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept":
                services.accept(return_id=ret.pk, by=request.user)
                messages.success(request, f"{ret} accepted.")
                return redirect("providers:staff_return", pk=ret.pk)
            if action == "request_changes":
                changes_form = RequestChangesForm(request.POST)
                if changes_form.is_valid():
                    services.request_changes(
                        return_id=ret.pk, by=request.user, comment=changes_form.cleaned_data["comment"]
                    )
                    messages.success(
                        request, "Changes requested. The provider can now edit and resubmit the return."
                    )
                    return redirect("providers:staff_return", pk=ret.pk)
            if action == "reopen":
                reopen_form = ReopenForm(request.POST)
                if reopen_form.is_valid():
                    services.reopen(
                        return_id=ret.pk, by=request.user, reason=reopen_form.cleaned_data["reason"]
                    )
                    messages.success(request, "Return reopened. The provider can now change and resubmit it.")
                    return redirect("providers:staff_return", pk=ret.pk)
        except services.ReturnRuleError as exc:
            messages.info(request, str(exc))
            return redirect("providers:staff_return", pk=ret.pk)
    measures = services.template_measures(ret.period.template_id)
    return render(
        request,
        "providers/staff/return.html",
        {
            "ret": ret,
            "form": ReturnForm(measures=measures, stored=services.stored_figures(ret)),
            "changes_form": changes_form,
            "reopen_form": reopen_form,
            "transitions": selectors.history_of(ret),
            "reminders": ret.reminders.order_by("claimed_at", "kind", "recipient"),
        },
    )


@permission_required(("providers.review_returns", "providers.view_monitoringreturn"))
def measure_chart(request, pk: int):
    measure = get_object_or_404(
        Measure.objects.select_related("template").exclude(kind=Measure.Kind.TEXT), pk=pk
    )
    service = None
    wanted = request.GET.get("service", "")
    if wanted.isdecimal() and len(wanted) < 19:  # anything else is no service, not a server error
        service = Service.objects.filter(pk=int(request.GET["service"]), template=measure.template).first()
    series = selectors.measure_series(measure, service_id=service.pk if service else None)
    points = [(row["label"], row["value"]) for row in series]
    return render(
        request,
        "providers/staff/chart.html",
        {
            "measure": measure,
            "service": service,
            "series": series,
            "chart": bar_chart(points, percentage=measure.kind == Measure.Kind.PERCENTAGE),
            "services": measure.template.services.select_related("provider"),
            "is_money": measure.kind == Measure.Kind.MONEY,
            "is_percentage": measure.kind == Measure.Kind.PERCENTAGE,
        },
    )


@permission_required("providers.review_returns")
@require_POST
def export_period(request):
    year = _year(request) if request.GET.get("year") else None
    year = (
        year or FinancialYear.objects.filter(reporting_periods__isnull=False).order_by("-start_year").first()
    )
    form = ExportForm(request.POST, year=year)
    if not form.is_valid():
        messages.info(request, "Choose a period to export.")
        return redirect("providers:staff_dashboard")
    label = form.cleaned_data["period"]
    job = request_export(
        kind=RETURNS_FOR_PERIOD,
        params={"year_id": year.pk, "period_label": label},
        title=f"Monitoring returns {label}",
        by=request.user,
    )
    return redirect("exports:job", pk=job.pk)


# --- Claims ----------------------------------------------------------------------------------------------------------


@permission_required("providers.view_claim")
def claims_list(request):
    form = ClaimFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_bound and form.is_valid() else ""
    page = LatePaginator(selectors.staff_claims(status=status), 100).get_page(request.GET.get("page"))
    return render(request, "providers/staff/claims.html", {"form": form, "page": page, "status": status})


CLAIM_MOVES = {"check", "return", "approve", "pay"}


@permission_required("providers.view_claim")
def claim_review(request, pk: int):
    """The claim, its return and what has been paid; a button for each move the person may make (providers.claims
    checks again)."""
    claim = get_object_or_404(
        Claim.objects.select_related(
            "service__provider",
            "funding__line__budget__year",
            "funding__commitment",
            "period",
            "monitoring_return__period",
            "schedule_item",
            "payment",
            "submitted_by",
            "checked_by",
            "approved_by",
        ),
        pk=pk,
    )
    return_form, payment_form = ReturnClaimForm(), PaymentForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "check":
                claims.check_claim(claim_id=claim.pk, by=request.user)
                messages.success(request, "Claim checked. Finance can now approve it.")
                return redirect("providers:staff_claim", pk=claim.pk)
            if action == "approve":
                claims.approve_claim(claim_id=claim.pk, by=request.user)
                messages.success(request, "Claim approved for payment.")
                return redirect("providers:staff_claim", pk=claim.pk)
            if action == "return":
                return_form = ReturnClaimForm(request.POST)
                if return_form.is_valid():
                    claims.return_claim(
                        claim_id=claim.pk, by=request.user, reason=return_form.cleaned_data["reason"]
                    )
                    messages.success(request, "Claim returned to the provider.")
                    return redirect("providers:staff_claim", pk=claim.pk)
            if action == "pay":
                payment_form = PaymentForm(request.POST)
                if payment_form.is_valid():
                    claims.pay_claim(
                        claim_id=claim.pk,
                        paid_on=payment_form.cleaned_data["paid_on"],
                        reference=payment_form.cleaned_data["reference"],
                        by=request.user,
                    )
                    messages.success(request, f"Payment of {format_pounds(claim.amount)} recorded.")
                    return redirect("providers:staff_claim", pk=claim.pk)
        except BudgetRuleError as exc:  # providers.claims.ClaimError, or a refusal by funds.services
            messages.info(request, str(exc))
            return redirect("providers:staff_claim", pk=claim.pk)
    S = Claim.Status
    return render(
        request,
        "providers/staff/claim.html",
        {
            "claim": claim,
            "money": selectors.paid_and_reported(claim.service),
            "left_to_pay": claim.funding.commitment.amount - commitment_paid(claim.funding.commitment_id),
            "may_check": claims.may(claim, S.CHECKED, request.user),
            "may_return": claims.may(claim, S.RETURNED, request.user),
            "may_approve": claims.may(claim, S.APPROVED, request.user),
            "may_pay": claims.may(claim, S.PAID, request.user),
            "approve_refusal": claims.refusal(claim, S.APPROVED, request.user)
            if claim.status == S.CHECKED
            else None,
            "return_form": return_form,
            "payment_form": payment_form,
            "transitions": selectors.claim_history(claim),
        },
    )
