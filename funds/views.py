from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, redirect, render

from exports.services import request_export

from . import selectors
from .exports.builders import BUDGET_TABLES
from .forms import YearForm
from .models import Budget, FinancialYear
from .report_tables import build_report


def _chosen_year(request) -> FinancialYear | None:
    form = YearForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["year"]
    return FinancialYear.objects.filter(budgets__isnull=False).order_by("-start_year").first()


@staff_member_required
def dashboard(request):
    year = _chosen_year(request)
    budgets = list(selectors.budgets_for_year(year)) if year else []
    return render(
        request,
        "funds/dashboard.html",
        {"year": year, "budgets": budgets, "form": YearForm(initial={"year": year}),
         "overallocated": [b for b in budgets if b.overallocated]},
    )


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
