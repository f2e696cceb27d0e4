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
from . import data_tables as data_table_reads
from .audit_trail import filtered_trail
from .exports.builders import (
    ANNUAL_REPORT_PACK,
    AUDIT_TRAIL,
    BUDGET_TABLES,
    SECTION6_DOCUMENT,
    SECTION6_WORKBOOK,
)
from .forms import AuditTrailFilterForm, YearForm
from .report_figures import DEFINITIONS, annual_figures, year_totals
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
        "year_totals": year_totals(year, budgets) if year else None,
        "definitions": DEFINITIONS,
        "sections": dashboard_reads.stream_sections(year, budgets) if budgets else [],
        "pipeline": dashboard_reads.pipeline(year) if year else None,
        "returns": dashboard_reads.returns_due(timezone.localdate()),
        "giving360_url": _url_if_there("transparency:giving360"),
        "can_see_trail": has_staff_permission(request.user, VIEW_TRAIL),
    }
    return render(request, "reports/dashboard.html", context)


def _year_workbook_page(
    request, *, kind: str, title: str, template: str, figures_for, also: dict | None = None
):
    """A page that shows a year's figures and, on POST, asks Celery for the same year's workbook. `also` maps the
    value of another button on the page to the (kind, title) of the file it asks for instead."""
    if request.method == "POST":
        form = YearForm(request.POST)
        if form.is_valid():
            year = form.cleaned_data["year"]
            kind, title = (also or {}).get(request.POST.get("file", ""), (kind, title))
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
        also={
            "section6-document": (SECTION6_DOCUMENT, "Annual report section 6 Word document"),
            "section6-workbook": (SECTION6_WORKBOOK, "Annual report section 6 spreadsheet"),
        },
        figures_for=lambda year: {
            "report": build_report(year) if year else None,
            "year_totals": year_totals(year) if year else None,
            "definitions": DEFINITIONS,
        },
    )


@permission_required(VIEW_BUDGETS)
def data_tables(request):
    """The year's tables printed from monitoring returns and the money ledger, as the report prints them."""
    form = YearForm(request.GET or None)
    if form.is_bound:
        year = form.cleaned_data["year"] if form.is_valid() else None
    else:
        year = data_table_reads.latest_year_with_tables() or _chosen_year(request)
        form = YearForm(initial={"year": year})
    tables, problems = data_table_reads.build_data_tables(year) if year else ([], [])
    return render(
        request,
        "reports/data_tables.html",
        {"form": form, "year": year, "tables": tables, "problems": problems},
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


# --- The payment run file (reports.payment_run) ---


@permission_required("funds.view_payment")
def payment_run(request):
    """Finance, and auditors who may read every payment, ask for the payment run file; Celery builds it."""
    from .payment_run import PAYMENT_RUN, params
    from .payment_run_form import PaymentRunForm

    form = PaymentRunForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        start, end, fmt = form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["format"]
        title = f"Payment run file, {start:%-d %B %Y} to {end:%-d %B %Y}"
        job = request_export(kind=PAYMENT_RUN, params=params(start, end, fmt), title=title, by=request.user)
        return redirect("exports:job", pk=job.pk)
    return render(request, "reports/payment_run.html", {"form": form})


# --- The outturn and the finance reports (funds.outturn, reports.finance_reports) ---


@permission_required(VIEW_BUDGETS)
def outturn(request):
    """A year's outturn by stream, line and area; ?format=csv downloads it. The year is typed as 2024/25, 24-25 or
    2024-25; one that cannot be read is a message on the page."""
    from django.http import HttpResponse

    from funds.outturn import outturn_for_year

    from .outturn import DEFINITIONS_OF_THE_COLUMNS, chosen_year, outturn_csv

    form, year = chosen_year(request)
    figures = outturn_for_year(year) if year else None
    if figures and request.GET.get("format") == "csv":
        response = HttpResponse(outturn_csv(figures), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="outturn-{year.label(year.LabelStyle.LONG)}.csv"'
        )
        return response
    paid_in_year = selectors.paid_in_year(year) if year else None
    context = {
        "form": form,
        "year": year,
        "outturn": figures,
        "paid_in_year": paid_in_year,
        "paid_elsewhere": paid_in_year - figures.total.paid if figures else None,
        "definitions": DEFINITIONS_OF_THE_COLUMNS,
    }
    return render(request, "reports/outturn.html", context)


@permission_required(VIEW_BUDGETS)
def finance_reports(request):
    """Budget against actual and forecast by quarter, commitments not yet paid by age, and the year's spend on
    commissioned services reconciled to the payments ledger."""
    from .finance_reports import finance_reports as reports_for
    from .outturn import chosen_year

    form, year = chosen_year(request)
    reports = reports_for(year, today=timezone.localdate()) if year else None
    context = {"form": form, "year": year, "reports": reports}
    return render(request, "reports/finance.html", context)
