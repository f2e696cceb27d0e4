"""Public pages: grants awarded (with CSV and Excel downloads) and the PCC decision register. Open to anyone."""

import itertools

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from funds.models import FinancialYear
from funds.selectors import current_office

from . import downloads, selectors
from .forms import DecisionFilterForm, GrantFilterForm

GRANTS_PER_PAGE = 25
DECISIONS_PER_PAGE = 100


def _page(rows, number, *, per_page: int, count: int):
    paginator = Paginator(rows, per_page)
    # The count is already known from the totals query; this saves the paginator counting again.
    paginator.count = count
    return paginator.get_page(number)


def _with_year_labels(rows):
    return [{**row, "year": FinancialYear(start_year=row["year_start"]).label()} for row in rows]


@login_not_required
@require_safe
def grants(request):
    form = GrantFilterForm(request.GET, with_choices=True)
    context = {"form": form}
    if form.is_valid():
        published = selectors.published_grants(**form.filters)
        totals = selectors.grant_totals(published)
        page = _page(
            selectors.public_grant_rows(published),
            request.GET.get("page"),
            per_page=GRANTS_PER_PAGE,
            count=totals["count"],
        )
        context.update(
            totals=totals,
            page=page,
            rows=_with_year_labels(page.object_list),
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
            filtered=any(form.filters.values()),
        )
    return render(request, "transparency/grants.html", context)


def _download(request, build):
    form = GrantFilterForm(request.GET)
    if not form.is_valid():
        # The grants page shows what is wrong with the filter, in the GOV.UK error pattern.
        return redirect(reverse("transparency:grants") + "?" + request.GET.urlencode())
    rows = selectors.public_grant_rows(selectors.published_grants(**form.filters)).iterator(chunk_size=2000)
    name = "grants-awarded" + "".join(
        f"-{part}"
        for part in (
            FinancialYear(start_year=form.filters["year"]).label(FinancialYear.LabelStyle.LONG)
            if "year" in form.filters
            else "",
            form.filters["stream"].slug if "stream" in form.filters else "",
            f"area-{form.filters['area'].pk}" if "area" in form.filters else "",
        )
        if part
    )
    return build(rows, name)


@login_not_required
@require_safe
def grants_csv(request):
    def build(rows, name):
        response = HttpResponse(downloads.grants_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response

    return _download(request, build)


@login_not_required
@require_safe
def grants_xlsx(request):
    def build(rows, name):
        office = current_office()
        title = "Grants awarded" + (f" by the {office.name}" if office else "")
        response = HttpResponse(
            downloads.grants_xlsx(rows, title=title), content_type=downloads.XLSX_CONTENT_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response

    return _download(request, build)


@login_not_required
@require_safe
def decisions(request):
    form = DecisionFilterForm(request.GET, with_choices=True)
    context = {"form": form}
    if form.is_valid():
        made = selectors.with_public_budgets(selectors.published_decisions())
        year = form.cleaned_data["year"]
        if year is not None:
            made = selectors.decisions_in_year(made, year)
            context["year_label"] = FinancialYear(start_year=year).label()
        page = Paginator(made, DECISIONS_PER_PAGE).get_page(request.GET.get("page"))
        views = [selectors.public_view(d) for d in page.object_list]
        # The annual report lists decisions grouped by date, newest first.
        context.update(
            page=page,
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
            days=[
                (day, list(group)) for day, group in itertools.groupby(views, key=lambda v: v["decided_on"])
            ],
        )
    return render(request, "transparency/decisions.html", context)


@login_not_required
@require_safe
def decision_detail(request, number):
    decision = get_object_or_404(
        selectors.with_public_budgets(selectors.published_decisions()), number=number
    )
    return render(request, "transparency/decision_detail.html", {"decision": selectors.public_view(decision)})
