from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.permissions import has_staff_permission, permission_required
from exports.services import request_export
from funds.services import BudgetRuleError

from . import selectors, services
from .exports import ALLOCATION
from .forms import IndicatorFormSet, InputsForm, StartForm, indicator_initial
from .models import Indicator

PREFIX = "indicators"
VIEW = "needs.view_needsassessment"
ADD = "needs.add_needsassessment"
CHANGE = "needs.change_needsassessment"
ADOPT = "needs.adopt_needsassessment"


@permission_required(VIEW)
def assessment_list(request):
    return render(request, "needs/list.html", {"assessments": selectors.assessments()})


@permission_required(ADD)
def start(request):
    form = StartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        assessment = services.create_assessment(
            name=data["name"],
            pot_line=data["pot_line"],
            area_kind=data["area_kind"],
            target_year=data["target_year"],
            by=request.user,
        )
        messages.success(request, f"{assessment.name} started. Add its indicators of need and their weights.")
        return redirect("needs:assessment", pk=assessment.pk)
    return render(request, "needs/start.html", {"form": form})


def _page(request, assessment, formset, inputs, status=200):
    # The result shown is always from the saved figures, so it stays visible while typed mistakes are fixed.
    try:
        result, problems = services.run(assessment), []
    except services.NotReady as exc:
        result, problems = None, exc.problems
    return render(
        request,
        "needs/assessment.html",
        {
            "assessment": assessment,
            "formset": formset,
            "inputs": inputs,
            "error_forms": [inputs, formset],
            "result": result,
            "problems": problems,
            "returns_indicators": [
                i for i in inputs.indicators if i.source == Indicator.Source.MONITORING_RETURNS
            ],
        },
        status=status,
    )


@permission_required(VIEW)
def assessment(request, pk: int):
    assessment = get_object_or_404(selectors.assessments(), pk=pk)
    # Anyone who may see an assessment reads its page; saving its figures is a change to it.
    if request.method == "POST" and not has_staff_permission(request.user, CHANGE):
        raise PermissionDenied
    areas = services.areas_for(assessment)
    indicators = list(assessment.indicators.prefetch_related("values"))
    if request.method != "POST":
        formset = IndicatorFormSet(prefix=PREFIX, initial=indicator_initial(indicators))
        inputs = InputsForm(
            assessment=assessment,
            areas=areas,
            indicators=indicators,
            initial=InputsForm.initial_for(assessment, areas, indicators),
        )
        return _page(request, assessment, formset, inputs)

    formset = IndicatorFormSet(request.POST, prefix=PREFIX, initial=indicator_initial(indicators))
    inputs = InputsForm(request.POST, assessment=assessment, areas=areas, indicators=indicators)
    if not (formset.is_valid() and inputs.is_valid()):
        return _page(request, assessment, formset, inputs)
    rows = [
        services.IndicatorInput(
            id=f.cleaned_data.get("id"),
            name=f.cleaned_data.get("name", ""),
            weight=f.cleaned_data.get("weight"),
            source=f.cleaned_data.get("source"),
            measure_code=f.cleaned_data.get("measure_code", ""),
            delete=bool(f.cleaned_data.get("DELETE")),
        )
        for f in formset.forms
        if f.cleaned_data and (f.cleaned_data.get("id") or f.has_changed())
    ]
    try:
        services.save_inputs(
            assessment=assessment,
            pot=inputs.cleaned_data["pot"],
            indicators=rows,
            values=inputs.values(),
            current=inputs.current(),
            by=request.user,
        )
    except services.NeedsError as exc:
        formset.non_form_errors().append(str(exc))
        return _page(request, assessment, formset, inputs)
    action = request.POST.get("action", "save")
    if action == "fill":
        _fill_from_returns(request, assessment)
    elif action == "calculate":
        return redirect(reverse("needs:assessment", args=[assessment.pk]) + "#results")
    else:
        messages.success(request, "Your changes have been saved.")
    return redirect("needs:assessment", pk=assessment.pk)


def _fill_from_returns(request, assessment) -> None:
    indicators = list(assessment.indicators.filter(source=Indicator.Source.MONITORING_RETURNS))
    if not indicators:
        messages.warning(
            request,
            "No indicator takes its figures from monitoring returns. Set an indicator's "
            "source to monitoring returns first.",
        )
        return
    for indicator in indicators:
        try:
            filled = services.fill_from_returns(indicator, by=request.user)
        except services.NeedsError as exc:
            messages.warning(request, str(exc))
            continue
        messages.success(
            request,
            f"{indicator.name}: {filled} of {len(services.areas_for(assessment))} areas have "
            f"demand recorded in monitoring returns; the others keep the figures entered.",
        )


@permission_required(ADOPT)
def adopt(request, pk: int):
    assessment = get_object_or_404(selectors.assessments(), pk=pk)
    error = ""
    if request.method == "POST":
        try:
            decision = services.adopt(assessment, by=request.user)
        except (services.NeedsError, BudgetRuleError) as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                f"Adopted as {assessment.target_year} budget lines under draft decision {decision.number}.",
            )
            return redirect("needs:assessment", pk=assessment.pk)
    try:
        result, problems = services.run(assessment), []
    except services.NotReady as exc:
        result, problems = None, exc.problems
    return render(
        request,
        "needs/adopt.html",
        {"assessment": assessment, "result": result, "problems": problems, "error": error},
    )


@permission_required(VIEW)
@require_POST
def export(request, pk: int):
    assessment = get_object_or_404(selectors.assessments(), pk=pk)
    job = request_export(
        kind=ALLOCATION,
        params={"assessment_id": assessment.pk},
        title=f"{assessment.name}: needs-based allocation",
        by=request.user,
    )
    return redirect("exports:job", pk=job.pk)
