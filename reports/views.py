from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from accounts.permissions import has_staff_permission, permission_required
from core.pagination import LateRowLookupData
from exports.services import request_export
from funds import selectors
from funds.models import FinancialYear

from . import dashboard as dashboard_reads
from .audit_trail import filtered_trail
from .exports.builders import ANNUAL_REPORT_PACK, AUDIT_TRAIL, BUDGET_TABLES
from .forms import AuditTrailFilterForm, YearForm
from .report_figures import annual_figures
from .report_tables import build_report
from .tables import AuditTrailTable


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


VIEW_BUDGETS = "funds.view_budget"
VIEW_TRAIL = "audit.view_auditevent"


@permission_required(VIEW_BUDGETS)
def dashboard(request):
    # One query gives the picker its years and the default (the latest year with budgets); the form is only drawn
    # from that list, so choosing a year costs no query of its own.
    years = selectors.years_with_budget_flag()
    chosen = request.GET.get("year", "")
    year = next((y for y in years if str(y.pk) == chosen), None) or next(
        (y for y in years if y.has_budgets), None
    )
    form = YearForm(initial={"year": year})
    form.fields["year"].choices = [(y.pk, y.label()) for y in years]
    budgets = list(selectors.budgets_for_year(year)) if year else []
    context = {
        "year": year,
        "budgets": budgets,
        "form": form,
        "overallocated": [b for b in budgets if b.overallocated],
        "totals": dashboard_reads.all_streams(budgets),
        "sections": dashboard_reads.stream_sections(year, budgets) if budgets else [],
        "pipeline": dashboard_reads.pipeline(year) if year else None,
        "returns": dashboard_reads.returns_due(timezone.localdate()),
        "giving360_url": _url_if_there("transparency:giving360"),
        "can_see_trail": has_staff_permission(request.user, VIEW_TRAIL),
    }
    return render(request, "reports/dashboard.html", context)


def _year_workbook_page(request, *, kind: str, title: str, template: str, figures_for):
    """A page that shows a year's figures and, on POST, asks Celery for the same year's workbook."""
    if request.method == "POST":
        form = YearForm(request.POST)
        if form.is_valid():
            year = form.cleaned_data["year"]
            job = request_export(
                kind=kind, params={"year_id": year.pk}, title=f"{title} {year}", by=request.user
            )
            messages.info(request, f"We are preparing the {year} {title[0].lower()}{title[1:]}.")
            return redirect("exports:job", pk=job.pk)
        year = None
    else:
        year = _chosen_year(request)
        form = YearForm(initial={"year": year})
    return render(request, template, {"form": form, "year": year, **figures_for(year)})


@permission_required(VIEW_BUDGETS)
def budget_tables(request):
    return _year_workbook_page(
        request,
        kind=BUDGET_TABLES,
        title="Annual report budget tables",
        template="reports/budget_tables.html",
        figures_for=lambda year: {"report": build_report(year) if year else None},
    )


@permission_required(VIEW_BUDGETS)
def annual_report_pack(request):
    return _year_workbook_page(
        request,
        kind=ANNUAL_REPORT_PACK,
        title="Annual report pack",
        template="reports/annual_report_pack.html",
        figures_for=lambda year: {"figures": annual_figures(year) if year else None},
    )


PER_PAGE = 50


@permission_required(VIEW_TRAIL)
def audit_trail(request):
    # A filter typed wrongly gets its message and is left out; the others still apply, so the page always answers.
    form = AuditTrailFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    # The page is found on the events' ids alone and only its 50 events are read (core.pagination), so the last page
    # of 350,000 events costs what the first does.
    table = AuditTrailTable(LateRowLookupData(filtered_trail(form.filters())))
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    table.describe_page()
    return render(request, "reports/audit_trail.html", {"form": form, "table": table})


@permission_required(VIEW_TRAIL)
@require_POST
def audit_trail_export(request):
    form = AuditTrailFilterForm(request.POST)
    form.is_valid()
    job = request_export(kind=AUDIT_TRAIL, params=form.params, title="Audit trail", by=request.user)
    return redirect("exports:job", pk=job.pk)
