"""Public pages: grants awarded (with CSV and Excel downloads) and the PCC decision register. Open to anyone."""

import itertools

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from funds.models import FinancialYear

from . import grant_files, publication, selectors
from .forms import DecisionFilterForm, GrantFilterForm
from .responses import public_response

GRANTS_PER_PAGE = 25
DECISIONS_PER_PAGE = 100


def _page(rows, number, *, per_page: int, count: int):
    paginator = Paginator(rows, per_page)
    # The count is already known from the totals query; this saves the paginator counting again.
    paginator.count = count
    return paginator.get_page(number)


def _with_year_labels(rows):
    return [{**row, "year": FinancialYear(start_year=row["year_start"]).label()} for row in rows]


def _facets(request) -> selectors.GrantFacets:
    # Built once per publication version: every filter's choices, totals and page count come from it.
    return publication.remember(request.publication_version, "grant-facets", (), selectors.grant_facets)


@login_not_required
@require_safe
@public_response()
def grants(request):
    facets = _facets(request)
    form = GrantFilterForm(request.GET, facets=facets)
    context = {"form": form}
    if form.is_valid():
        totals = facets.totals(**form.filters)
        rows = selectors.GrantRows(facets, **form.filters)
        page = _page(rows, request.GET.get("page"), per_page=GRANTS_PER_PAGE, count=len(rows))
        context.update(
            totals=totals,
            page=page,
            rows=_with_year_labels(page.object_list),
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
            filtered=any(form.filters.values()),
        )
    return render(request, "transparency/grants.html", context)


def _download(request, fmt: str):
    form = GrantFilterForm(request.GET)
    if not form.is_valid():
        # The grants page shows what is wrong with the filter, in the GOV.UK error pattern.
        return redirect(reverse("transparency:grants") + "?" + request.GET.urlencode())
    filters = form.filters
    name = grant_files.file_name(fmt, **filters)
    version = request.publication_version
    # A connection holding an uncommitted change (publication.uncommitted_change_here) sees rows nobody else does:
    # it neither serves the stored file nor keeps what it builds.
    kept = grant_files.prebuilt_filters(filters) and not publication.uncommitted_change_here()
    if kept:
        download = grant_files.stored(name, version)
        if download is not None:
            try:
                response = FileResponse(download.file.open("rb"), content_type=grant_files.CONTENT_TYPES[fmt])
            except OSError:  # its version moved on and the file was let go of just now: build it below
                pass
            else:
                response["Content-Disposition"] = f'attachment; filename="{name}"'
                response["ETag"] = download.etag
                return response
    content = grant_files.build(fmt, **filters)
    response = HttpResponse(content, content_type=grant_files.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    if kept:
        # Kept in private storage for the next person, not copied into the cache as well; the other years' files
        # are built in the background.
        if grant_files.store(name, version, content) is not None:
            grant_files.build_the_rest_later(version)
        response.kept_elsewhere = True
    return response


@login_not_required
@require_safe
@public_response(html=False)
def grants_csv(request):
    return _download(request, "csv")


@login_not_required
@require_safe
@public_response(html=False)
def grants_xlsx(request):
    return _download(request, "xlsx")


@login_not_required
@require_safe
@public_response()
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
@public_response()
def decision_detail(request, number):
    decision = get_object_or_404(
        selectors.with_public_budgets(selectors.published_decisions()), number=number
    )
    return render(request, "transparency/decision_detail.html", {"decision": selectors.public_view(decision)})
