"""The annual report's tables printed from monitoring returns and the money ledger (reports.data_tables): one measure
by category over a year's accepted returns, a service's measures by quarter (a percentage never summed), and money by
stream in £000's with rounding that still adds up; the Plan's 2021/22 table reproduced; the staff page."""

import random
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import roles
from funds.models import BudgetEntry, FundingSource
from providers import ready_templates, services
from providers.models import (
    BreakdownOption,
    Measure,
    MonitoringReturn,
    MonitoringTemplate,
    ReturnBreakdownValue,
    ReturnValue,
)
from reports.data_tables import build_data_tables, tables_for_year
from reports.models import DataTable, DataTableRow
from reports.rounding import ROWS_ROUNDED_SEPARATELY
from tests.factories import BudgetFactory, FinancialYearFactory, FundingStreamFactory, UserFactory
from tests.providers.factories import ServiceFactory

pytestmark = pytest.mark.django_db
ACCEPTED, SUBMITTED = MonitoringReturn.Status.ACCEPTED, MonitoringReturn.Status.SUBMITTED


def _return(service, period, status, numbers: dict[Measure, Decimal | int], options: dict | None = None):
    ret = MonitoringReturn.objects.create(service=service, period=period, status=status)
    ReturnValue.objects.bulk_create(
        ReturnValue(monitoring_return=ret, measure=m, number=Decimal(n)) for m, n in numbers.items()
    )
    ReturnBreakdownValue.objects.bulk_create(
        ReturnBreakdownValue(monitoring_return=ret, option=o, count=c) for o, c in (options or {}).items()
    )
    return ret


# --- By category -----------------------------------------------------------------------------------------------------


@pytest.fixture
def victims_2022():
    """Two services' 2022/23 victims' returns with random crime-type counts; one return only submitted."""
    year = FinancialYearFactory(start_year=2022)
    template = ready_templates.install()[ready_templates.VICTIMS_SERVICES]
    new_victims = Measure.objects.get(template=template, code="new_victims")
    breakdown = new_victims.breakdowns.get(dimension="crime_type")
    options = list(BreakdownOption.objects.filter(breakdown=breakdown).order_by("order"))
    periods = services.create_periods(template=template, year=year)
    rng = random.Random(2022)
    expected = {o.label: 0 for o in options}
    for service in (
        ServiceFactory(template=template, start_year=year),
        ServiceFactory(template=template, start_year=year),
    ):
        for period, status in zip(periods, [ACCEPTED, ACCEPTED, SUBMITTED, ACCEPTED], strict=True):
            counts = {o: rng.randint(0, 40) for o in options}
            _return(service, period, status, {new_victims: sum(counts.values())}, counts)
            if status == ACCEPTED:
                for option, count in counts.items():
                    expected[option.label] += count
    table = DataTable.objects.create(
        year=year,
        number=9,
        title="Victims Supported {year}",
        kind=DataTable.Kind.BY_CATEGORY,
        breakdown=breakdown,
        label_heading="Crime category",
        figure_heading="Victims supported",
        total_label="Total victims supported",
    )
    return year, table, expected


def test_victims_by_crime_category_count_only_the_year_s_accepted_returns(victims_2022):
    year, definition, expected = victims_2022
    tables, problems = build_data_tables(year)
    [table] = tables
    assert table.key == f"data-{definition.pk}"
    assert table.title == "Table 9. Victims Supported 2022/23"
    assert table.headings == ["Crime category", "Victims supported"]
    assert [(r.cells[0].value, r.cells[1].value) for r in table.rows[:-1]] == list(expected.items())
    assert table.rows[-1].label == "Total victims supported"
    assert table.rows[-1].cells[1].value == sum(expected.values())
    assert problems == []


def test_a_breakdown_that_does_not_add_up_to_its_measure_is_a_problem(victims_2022):
    year, _, _ = victims_2022
    ret = MonitoringReturn.objects.filter(status=ACCEPTED).first()
    ReturnValue.objects.filter(monitoring_return=ret, measure__code="new_victims").update(number=10_000)
    _, problems = build_data_tables(year)
    assert len(problems) == 1
    assert "crime type counts add up to" in problems[0]


def test_a_year_with_no_accepted_returns_is_a_problem_not_an_error(victims_2022):
    year, _, _ = victims_2022
    MonitoringReturn.objects.update(status=SUBMITTED)
    [table], problems = build_data_tables(year)
    assert [r.cells[1].value for r in table.rows[:-1]] == [0] * (len(table.rows) - 1)
    assert problems == [
        "Table 9. Victims Supported 2022/23: no accepted 2022/23 return gave “New victims supported”, "
        "so the table is empty."
    ]


# --- By quarter ------------------------------------------------------------------------------------------------------


@pytest.fixture
def arrest_referral():
    """A quarterly template with two counts and a percentage recomputed from them; Q1 to Q3 accepted, Q4 only
    submitted; another service's returns in the same quarters."""
    year = FinancialYearFactory(start_year=2024)
    template = MonitoringTemplate.objects.create(name="Arrest Referral outputs", slug="arrest-referral-test")
    tests = Measure.objects.create(template=template, code="positive_tests", label="Positive tests", order=1)
    assessed = Measure.objects.create(
        template=template, code="required_assessments", label="Required assessments", order=2
    )
    share = Measure.objects.create(
        template=template,
        code="assessed_pct",
        label="Assessed after a positive test (%)",
        kind=Measure.Kind.PERCENTAGE,
        numerator=assessed,
        denominator=tests,
        order=3,
    )
    service = ServiceFactory(template=template, start_year=year, name="Arrest Referral Service")
    other = ServiceFactory(template=template, start_year=year)
    periods = services.create_periods(template=template, year=year)
    figures = [(400, 300), (500, 450), (100, 20), (900, 900)]  # (tests, assessed) per quarter
    for period, (t, a), status in zip(
        periods, figures, [ACCEPTED, ACCEPTED, ACCEPTED, SUBMITTED], strict=True
    ):
        _return(service, period, status, {tests: t, assessed: a})
        _return(other, period, ACCEPTED, {tests: 7, assessed: 7})
    table = DataTable.objects.create(
        year=year,
        title="Arrest Referral outputs {year}",
        kind=DataTable.Kind.BY_QUARTER,
        service=service,
        label_heading="Output",
        total_label="Total",
    )
    for order, (measure, label) in enumerate([(tests, "Positive drug tests"), (assessed, ""), (share, "")]):
        DataTableRow.objects.create(table=table, order=order, measure=measure, label=label)
    return year, table


def test_by_quarter_prints_the_service_s_accepted_figures_and_a_year_total(arrest_referral):
    year, _ = arrest_referral
    [table], problems = build_data_tables(year)
    assert table.as_text() == [
        ["Output", "Q1", "Q2", "Q3", "Q4", "Total"],
        ["Positive drug tests", "400", "500", "100", "", "1,000"],
        ["Required assessments", "300", "450", "20", "", "770"],
        # 300/400, 450/500, 20/100; the year is 770 of 1,000, not 75 + 90 + 20
        ["Assessed after a positive test (%)", "75.0%", "90.0%", "20.0%", "", "77.0%"],
    ]
    assert problems == [
        "Arrest Referral outputs 2024/25: Arrest Referral Service has no accepted return for Q4 2024/25."
    ]
    assert table.notes == [
        "The total for “Assessed after a positive test (%)” is not a sum: recomputed from its parts: 770 of 1,000."
    ]


def test_a_percentage_with_no_parts_is_averaged_over_the_year_never_summed(arrest_referral):
    year, definition = arrest_referral
    share = Measure.objects.get(code="assessed_pct")
    Measure.objects.filter(pk=share.pk).update(numerator=None, denominator=None)
    for ret, pct in zip(
        MonitoringReturn.objects.filter(service=definition.service).order_by("period__starts_on"),
        [60, 70, 80, 10],
        strict=True,
    ):
        ReturnValue.objects.create(monitoring_return=ret, measure=share, number=Decimal(pct))
    [table], _ = build_data_tables(year)
    assert table.as_text()[3] == [
        "Assessed after a positive test (%)",
        "60.0%",
        "70.0%",
        "80.0%",
        "",
        "70.0%",
    ]


def test_a_row_s_measure_must_be_one_the_service_reports(arrest_referral):
    _, definition = arrest_referral
    victims = ready_templates.install()[ready_templates.VICTIMS_SERVICES]
    row = DataTableRow(table=definition, measure=Measure.objects.get(template=victims, code="new_victims"))
    with pytest.raises(ValidationError, match="Choose a measure from the Arrest Referral outputs template"):
        row.clean()


# --- By stream -------------------------------------------------------------------------------------------------------


def _stream_table(year, unit, rows, *, total_label="", money=DataTable.Money.POT, title="Grants {year}"):
    table = DataTable.objects.create(
        year=year,
        title=title,
        kind=DataTable.Kind.BY_STREAM,
        money=money,
        unit=unit,
        label_heading="Area",
        total_label=total_label,
    )
    for order, (stream, label) in enumerate(rows):
        DataTableRow.objects.create(table=table, order=order, stream=stream, label=label)
    return table


def test_the_plan_s_grants_and_services_commissioned_2021_22_is_reproduced_from_the_pots():
    year = FinancialYearFactory(start_year=2021)
    home_office = FundingSource.objects.create(name="Home Office", kind=FundingSource.Kind.HOME_OFFICE)
    pots = {
        "Community Safety Funding through the WMCSP": Decimal("3862740.00"),
        "Active Citizens Funding": Decimal("400300.00"),
        "Violence Reduction Unit (Home Office grant)": Decimal("3369500.00"),
        "Victims Services Funding (MoJ grant)": Decimal("3937049.99"),
    }
    rows = []
    for label, pot in pots.items():
        stream = (
            FundingStreamFactory(source=home_office) if "Home Office" in label else FundingStreamFactory()
        )
        BudgetFactory(stream=stream, year=year, pot=pot)
        rows.append((stream, label))
    rows.append((None, "General Commissioning"))
    _stream_table(year, DataTable.Unit.THOUSANDS, rows, title="Grants and Services Commissioned {year}")
    [table] = tables_for_year(year)
    assert table.title == "Grants and Services Commissioned 2021/22"
    assert table.as_text() == [
        ["Area", "£000's"],
        ["Community Safety Funding through the WMCSP", "3,863"],
        ["Active Citizens Funding", "400"],
        ["Violence Reduction Unit (Home Office grant)", "3,370"],
        ["Victims Services Funding (MoJ grant)", "3,937"],
        ["General Commissioning", ""],
    ]
    assert table.notes == []


def test_thousands_are_rounded_so_the_rows_add_up_to_the_printed_total():
    year = FinancialYearFactory(start_year=2024)
    streams = [BudgetFactory(year=year, pot=Decimal("1400")).stream for _ in range(3)]
    _stream_table(year, DataTable.Unit.THOUSANDS, [(s, "") for s in streams], total_label="Total")
    [table], problems = build_data_tables(year)
    # Each alone would print 1, and 1 + 1 + 1 is not the 4 that £4,200 prints as.
    assert [r.cells[1].text for r in table.rows] == ["2", "1", "1", "4"]
    assert table.rows[-1].style == "total"
    assert table.notes == [] and problems == []


def test_a_negative_row_is_rounded_on_its_own_with_a_note():
    year = FinancialYearFactory(start_year=2024)
    plus = [BudgetFactory(year=year, pot=Decimal("1400")).stream for _ in range(2)]
    minus = BudgetFactory(year=year).stream
    budget = minus.budgets.get()
    BudgetEntry.objects.create(budget=budget, kind=BudgetEntry.Kind.REDUCTION, amount=Decimal("-600"))
    _stream_table(year, DataTable.Unit.THOUSANDS, [(s, "") for s in [*plus, minus]], total_label="Total")
    [table], _ = build_data_tables(year)
    # £1,400 + £1,400 - £600 is £2,200: 2 in thousands, but 1 + 1 - 1 printed above it.
    assert [r.cells[1].text for r in table.rows] == ["1", "1", "-1", "2"]
    assert table.notes == [ROWS_ROUNDED_SEPARATELY]


def test_a_stream_with_no_budget_that_year_prints_0_and_is_a_problem():
    year = FinancialYearFactory(start_year=2024)
    stream = FundingStreamFactory(name="Violence Reduction Unit")
    _stream_table(year, DataTable.Unit.MILLIONS, [(stream, "")], total_label="Total")
    [table], problems = build_data_tables(year)
    assert table.as_text() == [["Area", "£m"], ["Violence Reduction Unit", "0.00"], ["Total", "0.00"]]
    assert problems == [
        "Grants 2024/25: Violence Reduction Unit has no budget for 2024/25, so “Violence Reduction Unit” is 0."
    ]


# --- Queries, the page -----------------------------------------------------------------------------------------------


def test_the_queries_do_not_grow_with_the_rows(victims_2022, arrest_referral, django_assert_num_queries):
    year_2024, _ = arrest_referral
    streams = [BudgetFactory(year=year_2024, pot=Decimal("1000")).stream for _ in range(4)]
    _stream_table(year_2024, DataTable.Unit.THOUSANDS, [(s, "") for s in streams], total_label="Total")
    _stream_table(year_2024, DataTable.Unit.POUNDS, [(s, "") for s in streams], money=DataTable.Money.PAID)
    # 2 for the definitions (tables, rows), by quarter 1 for the returns then 2 a measure (by period and for the
    # year), by stream 1 for the pots and 1 for what was paid, however many streams and tables.
    with django_assert_num_queries(2 + 1 + 2 * 3 + 2):
        build_data_tables(year_2024)
    year_2022, _, _ = victims_2022
    # 3 for the definitions (tables, rows, a breakdown's categories); by category the returns, the categories'
    # counts and the measure's total
    with django_assert_num_queries(3 + 3):
        build_data_tables(year_2022)


def _person(role: str | None):
    user = UserFactory(is_staff=True)
    if role:
        roles.sync_roles(reset=True)
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (roles.FINANCE_OFFICER, 200),
        (roles.COMMISSIONING_OFFICER, 200),
        (roles.READ_ONLY, 200),
        (roles.ASSESSOR, 403),
        (None, 403),
    ],
)
def test_the_page_is_for_those_who_see_budgets(client, victims_2022, role, status):
    client.force_login(_person(role))
    response = client.get(reverse("reports:data_tables"))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Table 9. Victims Supported 2022/23" in page
        assert "Total victims supported" in page


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(reverse("reports:data_tables"))
    assert response.status_code == 302


@pytest.mark.parametrize("year", ["abc", "99999999999999999999999", "-1", "", "1.5"])
def test_a_year_that_is_not_one_gets_a_message_not_an_error(staff_client, victims_2022, year):
    response = staff_client.get(reverse("reports:data_tables"), {"year": year})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Victims Supported" not in page


def test_the_chosen_year_shows_its_tables_and_its_checks(staff_client, victims_2022, arrest_referral):
    year, _ = arrest_referral
    response = staff_client.get(reverse("reports:data_tables"), {"year": year.pk})
    page = response.content.decode()
    assert "Arrest Referral outputs 2024/25" in page
    assert "has no accepted return for Q4 2024/25" in page
    assert "Victims Supported" not in page


# --- The demo --------------------------------------------------------------------------------------------------------


def test_the_demo_defines_the_tables_whose_data_it_has_and_loads_twice(full_demo):
    from funds.models import FinancialYear
    from funds.selectors import budgets_for_year
    from providers.models import Service
    from reports import demo

    year = FinancialYear.objects.get(start_year=2024)
    before = DataTable.objects.count()
    demo.load()
    assert DataTable.objects.count() == before
    tables = {t.title: t for t in tables_for_year(year)}
    grants = tables["Grants and Services Commissioned 2024/25"]
    pots = {b.stream.name: b.pot for b in budgets_for_year(year)}
    assert grants.headings == ["Area", "£000's"]
    printed = {r.label: r.cells[1].value for r in grants.rows[:-1]}
    assert printed.keys() == pots.keys()
    assert all(abs(printed[name] - pot / 1000) < 1 for name, pot in pots.items())
    assert sum(printed.values()) == grants.rows[-1].cells[1].value
    assert grants.rows[-1].cells[1].value == (sum(pots.values()) / 1000).quantize(Decimal(1))
    has_arrest_referral = Service.objects.filter(template__slug=demo.ARREST_REFERRAL).exists()
    assert ("Arrest Referral outputs 2024/25" in tables) == has_arrest_referral
    has_2022_returns = MonitoringReturn.objects.filter(
        period__year__start_year=2022, period__template__slug=ready_templates.VICTIMS_SERVICES
    ).exists()
    assert (
        DataTable.objects.filter(year__start_year=2022, title="Victims Supported {year}").exists()
        == has_2022_returns
    )


def test_admin_refuses_a_row_from_another_template_and_reads_as_many_queries_with_more_rows(
    admin_client, arrest_referral
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, definition = arrest_referral
    url = reverse("admin:reports_datatable_change", args=[definition.pk])
    admin_client.get(url)  # the first page of a session reads what later pages find cached
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    measure = definition.rows.first().measure
    for order in range(10, 20):
        DataTableRow.objects.create(table=definition, order=order, measure=measure)
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(url).status_code == 200
    assert len(many) == len(few)

    victims = ready_templates.install()[ready_templates.VICTIMS_SERVICES]
    response = admin_client.get(url)
    data = {
        key: value
        for key, value in response.context["adminform"].form.initial.items()
        if value is not None and not hasattr(value, "pk")
    }
    data.update(
        year=definition.year_id,
        service=definition.service_id,
        kind=definition.kind,
        unit=definition.unit,
        **{
            "rows-TOTAL_FORMS": "1",
            "rows-INITIAL_FORMS": "0",
            "rows-0-order": "50",
            "rows-0-measure": str(Measure.objects.get(template=victims, code="new_victims").pk),
        },
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Choose a measure from the Arrest Referral outputs template" in response.content.decode()
