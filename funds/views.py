from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from exports.services import request_export

from . import dashboard as dashboard_reads
from . import selectors
from .exports.builders import ANNUAL_REPORT_PACK, BUDGET_TABLES
from .forms import YearForm
from .models import Budget, FinancialYear
from .report_figures import annual_figures
from .report_tables import build_report


def _chosen_year(request) -> FinancialYear | None:
    form = YearForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["year"]
    return FinancialYear.objects.filter(budgets__isnull=False).order_by("-start_year").first()


def _url_if_there(name: str) -> str | None:
    # Pages other parts of the system add later (the 360Giving export) are linked once their URL exists.
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@staff_member_required
def dashboard(request):
    # One query gives the picker its years and the default (the latest year with budgets); the form is only drawn
    # from that list, so choosing a year costs no query of its own.
    years = selectors.years_with_budget_flag()
    chosen = request.GET.get("year", "")
    year = next((y for y in years if str(y.pk) == chosen), None) or next((y for y in years if y.has_budgets), None)
    form = YearForm(initial={"year": year})
    form.fields["year"].choices = [(y.pk, y.label()) for y in years]
    budgets = list(selectors.budgets_for_year(year)) if year else []
    context = {
        "year": year, "budgets": budgets, "form": form,
        "overallocated": [b for b in budgets if b.overallocated],
        "totals": dashboard_reads.all_streams(budgets),
        "sections": dashboard_reads.stream_sections(year, budgets) if budgets else [],
        "pipeline": dashboard_reads.pipeline(year) if year else None,
        "returns": dashboard_reads.returns_due(timezone.localdate()),
        "giving360_url": _url_if_there("transparency:giving360"),
    }
    return render(request, "funds/dashboard.html", context)


@staff_member_required
def budget_detail(request, pk: int):
    budget = get_object_or_404(selectors.with_budget_totals(Budget.objects.select_related("stream", "year")), pk=pk)
    lines = selectors.with_line_totals(budget.lines.select_related("section", "area")).order_by(
        "section__order", "order", "pk"
    )
    return render(request, "funds/budget_detail.html", {"budget": budget, "lines": lines})


@staff_member_required
def budget_tables(request):
    if request.method == "POST":
        form = YearForm(request.POST)
        if form.is_valid():
            year = form.cleaned_data["year"]
            job = request_export(
                kind=BUDGET_TABLES,
                params={"year_id": year.pk},
                title=f"Annual report budget tables {year}",
                by=request.user,
            )
            messages.info(request, f"We are preparing the {year} budget tables.")
            return redirect("exports:job", pk=job.pk)
        year = None
    else:
        year = _chosen_year(request)
        form = YearForm(initial={"year": year})
    report = build_report(year) if year else None
    return render(request, "funds/budget_tables.html", {"form": form, "year": year, "report": report})


@staff_member_required
def annual_report_pack(request):
    if request.method == "POST":
        form = YearForm(request.POST)
        if form.is_valid():
            year = form.cleaned_data["year"]
            job = request_export(
                kind=ANNUAL_REPORT_PACK,
                params={"year_id": year.pk},
                title=f"Annual report pack {year}",
                by=request.user,
            )
            messages.info(request, f"We are preparing the {year} annual report pack.")
            return redirect("exports:job", pk=job.pk)
        year = None
    else:
        year = _chosen_year(request)
        form = YearForm(initial={"year": year})
    figures = annual_figures(year) if year else None
    return render(request, "funds/annual_report_pack.html", {"form": form, "year": year, "figures": figures})
