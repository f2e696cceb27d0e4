"""The demo's tables printed from monitoring returns and the money ledger (reports.DataTable).

- 2022/23 "Victims Supported": new victims by crime category over the year's accepted victims' services returns,
  printed after the Victims Fund table. Defined only when there are 2022/23 returns on the victims' services template.
- 2024/25 Arrest Referral outputs by quarter, printed after the Prevention and Intervention table. Defined only when
  a service reports on the "arrest-referral" template.
- 2024/25 "Grants and Services Commissioned": every stream's pot in £000's, as the Police and Crime Plan printed
  2021/22's, at the end of the grants section.

Runs after providers.demo.load(); asks nothing of other apps' demos and defines nothing whose data is not there.
Safe to run twice: each table is found by its year and title, each row by its place.
"""

from funds.models import FinancialYear, FundingStream
from providers import ready_templates
from providers.models import Breakdown, Measure, MonitoringReturn, Service

from .models import DataTable, DataTableRow

ARREST_REFERRAL = "arrest-referral"
ARREST_REFERRAL_MEASURES = [
    "required_assessments",
    "voluntary_assessments",
    "court_assessments",
    "total_assessments",
    "contacts_interventions",
    "drrs_granted",
    "atrs_granted",
    "treatment_referrals",
]


def _table(year: FinancialYear, title: str, **fields) -> DataTable:
    table, _ = DataTable.objects.update_or_create(year=year, title=title, defaults=fields)
    return table


def _rows(table: DataTable, rows: list[dict]) -> None:
    for order, row in enumerate(rows, start=1):
        DataTableRow.objects.update_or_create(table=table, order=order, defaults=row)
    table.rows.filter(order__gt=len(rows)).delete()


def _victims_supported(streams: dict[str, FundingStream]) -> DataTable | None:
    year = FinancialYear.objects.filter(start_year=2022).first()
    breakdown = Breakdown.objects.filter(
        measure__template__slug=ready_templates.VICTIMS_SERVICES,
        measure__code="new_victims",
        dimension="crime_type",
    ).first()
    if year is None or breakdown is None:
        return None
    if not MonitoringReturn.objects.filter(
        period__year=year, period__template_id=breakdown.measure.template_id
    ).exists():
        return None
    return _table(
        year,
        "Victims Supported {year}",
        kind=DataTable.Kind.BY_CATEGORY,
        breakdown=breakdown,
        label_heading="Crime category",
        figure_heading="Victims supported",
        total_label="Total victims supported",
        after_stream=streams.get("victims-fund"),
    )


def _arrest_referral(streams: dict[str, FundingStream]) -> DataTable | None:
    year = FinancialYear.objects.filter(start_year=2024).first()
    service = (
        Service.objects.filter(
            template__slug=ARREST_REFERRAL, start_year__start_year__lte=2024, end_year__start_year__gte=2024
        )
        .order_by("pk")
        .first()
    )
    if year is None or service is None:
        return None
    measures = {m.code: m for m in Measure.objects.filter(template_id=service.template_id)}
    table = _table(
        year,
        "Arrest Referral outputs {year}",
        kind=DataTable.Kind.BY_QUARTER,
        service=service,
        label_heading="Output",
        total_label="Total",
        after_stream=streams.get("prevention-and-intervention"),
    )
    _rows(
        table,
        [{"measure": measures[code], "label": ""} for code in ARREST_REFERRAL_MEASURES if code in measures],
    )
    return table


def _grants_and_services(streams: dict[str, FundingStream]) -> DataTable | None:
    year = FinancialYear.objects.filter(start_year=2024).first()
    if year is None or not streams:
        return None
    table = _table(
        year,
        "Grants and Services Commissioned {year}",
        kind=DataTable.Kind.BY_STREAM,
        money=DataTable.Money.POT,
        unit=DataTable.Unit.THOUSANDS,
        label_heading="Area",
        total_label="Total",
        after_stream=None,
    )
    _rows(table, [{"stream": stream, "label": ""} for stream in streams.values()])
    return table


def load() -> list[DataTable]:
    streams = {s.slug: s for s in FundingStream.objects.filter(budgets__year__start_year=2024).distinct()}
    made = [_victims_supported(streams), _arrest_referral(streams), _grants_and_services(streams)]
    return [table for table in made if table is not None]
