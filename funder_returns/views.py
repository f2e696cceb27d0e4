from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import permission_required
from exports.services import request_export

from . import selectors, services
from .exports import WORKBOOK, sign_off_stamp
from .forms import PrepareForm
from .models import FunderReturn

VIEW = "funder_returns.view_funderreturn"
PREPARE = services.PREPARE
SIGN_OFF = services.SIGN_OFF
S = FunderReturn.Status

# The buttons of the return page: (the status it moves to, what the button says), in the order they show.
MOVES = [
    (S.READY, "Send for sign-off"),
    (S.SIGNED_OFF, "Sign off the return"),
    (S.DRAFT, "Send back to draft"),
]


@permission_required(VIEW)
def return_list(request):
    return render(
        request,
        "funder_returns/list.html",
        {
            "returns": selectors.funder_returns(),
            "templates": selectors.templates(),
            "may_prepare": services.may_prepare(request.user),
        },
    )


@permission_required(PREPARE)
def prepare(request):
    form = PrepareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            funder_return = services.prepare_return(
                template_id=data["template"].pk,
                year_id=data["year"].pk,
                period_code=data["period"],
                by=request.user,
            )
        except services.FunderReturnError as exc:
            form.add_error(exc.field, str(exc))
        else:
            return redirect("funder_returns:detail", pk=funder_return.pk)
    return render(request, "funder_returns/prepare.html", {"form": form})


def _page(request, funder_return: FunderReturn, *, error: str = "", status: int = 200):
    figures = list(selectors.figures_with_trace(funder_return))
    sections: list[tuple[str, list]] = []
    for figure in figures:
        if not sections or sections[-1][0] != figure.section_heading:
            sections.append((figure.section_heading, []))
        sections[-1][1].append(figure)
    return render(
        request,
        "funder_returns/detail.html",
        {
            "funder_return": funder_return,
            "sections": sections,
            "gaps": list(funder_return.gaps.all()),
            "moves": [(to, label) for to, label in MOVES if services.may(funder_return, to, request.user)],
            "may_rebuild": funder_return.status == S.DRAFT and services.may_prepare(request.user),
            "stamp": sign_off_stamp(funder_return),
            "history": selectors.history(funder_return),
            "error": error,
        },
        status=status,
    )


@permission_required(VIEW)
def detail(request, pk: int):
    return _page(request, get_object_or_404(selectors.funder_returns(), pk=pk))


@permission_required((PREPARE, SIGN_OFF))
@require_POST
def move(request, pk: int):
    funder_return = get_object_or_404(selectors.funder_returns(), pk=pk)
    to_status = request.POST.get("to", "")
    if to_status not in S.values:
        return _page(request, funder_return, error="Choose what to do with the return.", status=400)
    try:
        services.move(return_id=funder_return.pk, to_status=to_status, by=request.user)
    except services.FunderReturnError as exc:
        return _page(request, funder_return, error=str(exc), status=400)
    return redirect("funder_returns:detail", pk=funder_return.pk)


@permission_required(PREPARE)
@require_POST
def rebuild(request, pk: int):
    funder_return = get_object_or_404(selectors.funder_returns(), pk=pk)
    try:
        services.prepare_return(
            template_id=funder_return.template_id,
            year_id=funder_return.year_id,
            period_code=funder_return.period_label,
            by=request.user,
        )
    except services.FunderReturnError as exc:
        return _page(request, funder_return, error=str(exc), status=400)
    return redirect("funder_returns:detail", pk=funder_return.pk)


@permission_required(VIEW)
@require_POST
def download(request, pk: int):
    funder_return = get_object_or_404(selectors.funder_returns(), pk=pk)
    job = request_export(
        kind=WORKBOOK,
        params={"return_id": funder_return.pk},
        title=f"{funder_return.template.name}, {funder_return.period_label}",
        by=request.user,
    )
    return redirect("exports:job", pk=job.pk)
