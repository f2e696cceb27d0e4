"""The annual report pack: the budget tables' sheets, the year's decisions grouped by date (confidential ones as their
public view only), and the narrative figures, each checked against a computation made here from the rows."""

import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from applications.models import Award
from exports.models import ExportJob
from funds import services
from funds.models import BudgetLine, Commitment, Decision, FinancialYear, Payment
from providers import ready_templates
from providers.models import MonitoringReturn, ReturnValue, ServiceFunding
from providers.services import fund_service
from reports.exports.budget_tables import write_budget_tables
from tests.factories import FinancialYearFactory, UserFactory
from tests.providers.factories import PeriodFactory, ServiceFactory

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Settlement with Officer Jane Example over a grievance"
SECRET_SUMMARY = "Pay Jane Example forty thousand pounds to settle her claim"
COMMERCIAL_TITLE = "Award the Acme Case Systems contract at a discount"
D = Decision.Confidentiality


@pytest.fixture
def year(demo_grants, staff_user):
    year = FinancialYear.objects.get(start_year=2024)
    commissioned_services(year, staff_user)
    made = Decision.Status.MADE
    for number, day, title, confidentiality, description, status in [
        ("001-2024", datetime.date(2024, 3, 31), "Budget set the day before the year", D.PUBLIC, "", made),
        ("019-2024", datetime.date(2024, 4, 1), "Victims Services 2024/25", D.PUBLIC, "", made),
        ("024-2024", datetime.date(2024, 6, 12), SECRET_TITLE, D.CONFIDENTIAL, "a staffing matter", made),
        ("023-2024", datetime.date(2024, 6, 12), "Helping Communities Fund awards", D.PUBLIC, "", made),
        ("030-2024", datetime.date(2024, 6, 12), "Not made yet", D.PUBLIC, "", Decision.Status.DRAFT),
        (
            "002-2025",
            datetime.date(2025, 3, 31),
            COMMERCIAL_TITLE,
            D.COMMERCIALLY_CONFIDENTIAL,
            "the procurement of a case management system",
            made,
        ),
        ("003-2025", datetime.date(2025, 4, 1), "The next year's first decision", D.PUBLIC, "", made),
    ]:
        Decision.objects.create(
            number=number,
            decided_on=day,
            title=title,
            confidentiality=confidentiality,
            public_summary=SECRET_SUMMARY if confidentiality != D.PUBLIC else "Published.",
            public_description=description,
            status=status,
        )
    # Some payments in the year, one after it, so total spend is a real sum with an edge to get wrong.
    commitments = list(Commitment.objects.filter(line__budget__year=year, released_at__isnull=True)[:4])
    for commitment, paid_on in zip(
        commitments, ["2024-04-01", "2024-10-10", "2025-03-31", "2025-04-01"], strict=False
    ):
        services.record_payment(
            commitment_id=commitment.pk,
            amount=commitment.amount / 4,
            paid_on=datetime.date.fromisoformat(paid_on),
            reference="Payment run 12",
            by=staff_user,
        )
    return year


def commissioned_services(year, by):
    """Three services, two funded from the year's lines (one from two streams), with returns in several states.
    (The providers demo would do, but it takes half a minute to load.)"""
    template = ready_templates.install()[ready_templates.VICTIMS_SERVICES]
    victims = BudgetLine.objects.filter(budget__year=year, budget__stream__slug="victims-fund").order_by("pk")
    idva = BudgetLine.objects.filter(budget__year=year, budget__stream__slug="idva-isva").order_by("pk")
    both, one, _unfunded = (ServiceFactory(name=n, start_year=year, template=template) for n in "ABC")
    fund_service(service=both, line_id=victims[0].pk, amount=Decimal("1000"), by=by)
    fund_service(service=both, line_id=idva[0].pk, amount=Decimal("2000"), by=by)
    fund_service(service=one, line_id=victims[1].pk, amount=Decimal("3000"), by=by)
    q1 = PeriodFactory(template=template, year=year)
    q2 = PeriodFactory(
        template=template,
        year=year,
        label="Q2 2024/25",
        starts_on=datetime.date(2024, 7, 1),
        ends_on=datetime.date(2024, 9, 30),
        window_opens_on=datetime.date(2024, 10, 1),
        due_on=datetime.date(2024, 10, 21),
    )
    earlier = PeriodFactory(
        template=template,
        year=FinancialYearFactory(start_year=2023),
        label="Q1 2023/24",
        starts_on=datetime.date(2023, 4, 1),
        ends_on=datetime.date(2023, 6, 30),
        window_opens_on=datetime.date(2023, 7, 1),
        due_on=datetime.date(2023, 7, 21),
    )
    S = MonitoringReturn.Status
    for service, period, status, new, existing in [
        (both, q1, S.ACCEPTED, 40, 100),
        (one, q1, S.ACCEPTED, 25, 10),
        (one, q2, S.SUBMITTED, 99, 99),  # not accepted yet: not counted
        (both, earlier, S.ACCEPTED, 1000, 1000),  # another year: not counted
    ]:
        ret = MonitoringReturn.objects.create(service=service, period=period, status=status)
        for code, number in (("new_victims", new), ("existing_victims", existing), ("referrals_received", 7)):
            ReturnValue.objects.create(
                monitoring_return=ret, measure=template.measures.get(code=code), number=number
            )


@pytest.fixture
def pack(staff_client, year, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("reports:annual_report_pack"), {"year": year.pk})
    job = ExportJob.objects.get()
    assert response.url == reverse("exports:job", args=[job.pk])
    assert job.status == ExportJob.Status.READY, job.error
    assert job.filename == "annual-report-pack-2024-25.xlsx"
    download = staff_client.get(reverse("exports:download", args=[job.pk]))
    return load_workbook(io.BytesIO(b"".join(download.streaming_content)))


def rows(sheet) -> list[tuple]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_the_pack_holds_the_budget_tables_sheets_exactly_as_the_budget_tables_workbook(pack, year):
    buffer = io.BytesIO()
    write_budget_tables(year, buffer)
    tables = load_workbook(buffer)
    assert pack.sheetnames == [*tables.sheetnames, "Decisions", "Figures"]
    for name in tables.sheetnames:
        assert rows(pack[name]) == rows(tables[name]), name


def test_decisions_are_those_made_in_the_year_grouped_by_date(pack):
    # Not 31 March 2024 or 1 April 2025 (other years), nor the draft; two made on 12 June share one date row.
    listed = [r[:3] for r in rows(pack["Decisions"])[2:]]
    assert listed == [
        ("1 April 2024", None, None),
        (None, "PCC Decision 019-2024", "Victims Services 2024/25"),
        ("12 June 2024", None, None),
        (None, "PCC Decision 023-2024", "Helping Communities Fund awards"),
        (None, "PCC Decision 024-2024", "is a confidential decision relating to a staffing matter"),
        ("12 November 2024", None, None),  # funds' demo: the invented decision for the top-up from reserves
        (
            None,
            "PCC Decision DEMO-V2-2024",
            "Victims' services 2024/25: top-up from reserves (illustrative, invented for the demo)",
        ),
        ("31 March 2025", None, None),
        (
            None,
            "PCC Decision 002-2025",
            "is a commercially confidential decision relating to the procurement of a case management system",
        ),
    ]


def test_a_confidential_decisions_title_and_summary_are_nowhere_in_the_pack(pack):
    secrets = [SECRET_TITLE, SECRET_SUMMARY, COMMERCIAL_TITLE, "Jane Example", "Acme"]
    cells = 0
    for sheet in pack.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                cells += value is not None
                assert not any(secret in str(value) for secret in secrets), (sheet.title, value)
    assert cells > 100
    assert pack.properties.title == "Annual report pack 2024/25"


def figures_sheet(pack) -> dict[str, dict[str, tuple]]:
    """Section title -> {row label: the row's values}, read from the Figures sheet."""
    sections, current = {}, None
    for row in rows(pack["Figures"])[1:]:
        label, values = row[0], row[1:]
        if label is None or str(label).startswith("Definition: "):
            continue
        if all(v is None for v in values):
            current = sections.setdefault(label, {})
        elif current is not None:
            current[label] = tuple(v for v in values if v is not None)
    return sections


def test_the_figures_equal_computations_made_from_the_rows(pack, year):
    sheet = figures_sheet(pack)

    # The year's grants, by the area of the line they are paid from (as the budget tables count them), with what was
    # paid on them in the year.
    awards = Award.objects.filter(
        status__in=[Award.Status.COMMITTED, Award.Status.PAID, Award.Status.CLOSED], line__budget__year=year
    ).select_related("line__area")
    by_area = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for award in awards:
        area = by_area[award.line.area.name if award.line.area else "Force-wide and central"]
        area[0] += 1
        area[1] += award.amount
        area[2] += sum(
            (
                p.amount
                for p in Payment.objects.filter(commitment=award.commitment)
                if year.starts_on <= p.paid_on <= year.ends_on
            ),
            Decimal(0),
        )
    projects = sheet["Projects funded, by area"]
    assert {k: v for k, v in projects.items() if k not in ("Area", "Total")} == {
        name: (n, awarded, paid) for name, (n, awarded, paid) in by_area.items()
    }
    assert projects["Total"][0] == awards.count() == 52
    assert projects["Total"][1] == sum(a.amount for a in awards) == Decimal("253850")
    assert any(paid for _, _, paid in by_area.values())

    fundings = list(
        ServiceFunding.objects.filter(line__budget__year=year).select_related("line__budget__stream")
    )
    streams = defaultdict(set)
    for funding in fundings:
        streams[funding.line.budget.stream.name].add(funding.service_id)
    services_rows = sheet["Services commissioned, by stream"]
    assert {
        k: v[0] for k, v in services_rows.items() if k not in ("Stream", "Total (each service once)")
    } == {name: len(ids) for name, ids in streams.items()}
    assert services_rows["Total (each service once)"] == (len({f.service_id for f in fundings}),) == (2,)
    assert services_rows["Victims Fund"] == (2,) and services_rows["IDVA/ISVA"] == (1,)

    accepted = ReturnValue.objects.filter(
        monitoring_return__status="accepted",
        monitoring_return__period__year=year,
        measure__template__slug="victims-services",
    )
    new = sum(v.number for v in accepted.filter(measure__code="new_victims"))
    existing = sum(v.number for v in accepted.filter(measure__code="existing_victims"))
    submitted_only = ReturnValue.objects.filter(
        monitoring_return__status="submitted", measure__code="new_victims"
    )
    assert (new, existing) == (65, 110) and submitted_only.exists()
    victims = sheet["Victims supported"]
    assert victims["New victims supported"] == (new,)
    assert victims["New and existing victims supported"] == (new + existing,)

    in_year = [
        p.amount
        for p in Payment.objects.all()
        if datetime.date(2024, 4, 1) <= p.paid_on <= datetime.date(2025, 3, 31)
    ]
    # The demo pays each grant's first half in the year (its "BACS" runs); the fixture adds three in the year, one after.
    demo_runs = Payment.objects.filter(reference__startswith="BACS ").count()
    assert demo_runs == 52
    assert len(in_year) == demo_runs + 3 and Payment.objects.count() == demo_runs + 4
    committed = sum(
        c.amount for c in Commitment.objects.filter(line__budget__year=year, released_at__isnull=True)
    )
    money = sheet["Spend and commitments"]
    assert money["Total spend (payments dated in the year)"] == (sum(in_year),)
    on_services = [
        p.amount
        for p in Payment.objects.select_related("commitment__content_type")
        if datetime.date(2024, 4, 1) <= p.paid_on <= datetime.date(2025, 3, 31)
        and p.commitment.content_type
        and p.commitment.content_type.model == "service"
    ]
    assert money["Spend on commissioned services"] == (sum(on_services, Decimal(0)),)
    assert money["Total committed against the year's budgets"] == (committed,)

    definitions = [r[0] for r in rows(pack["Figures"]) if str(r[0]).startswith("Definition: ")]
    assert len(definitions) == 5 and any("New victims supported" in d for d in definitions)


def test_the_page_shows_the_same_figures_on_screen(staff_client, year):
    response = staff_client.get(reverse("reports:annual_report_pack"), {"year": year.pk})
    page = response.content.decode()
    figures = response.context["figures"]
    assert "Annual report pack 2024/25" in page
    assert f"{figures.projects} projects, £253,850 awarded" in page
    assert "Create the 2024/25 annual report pack" in page
    assert f'<dd class="govuk-summary-list__value">{figures.services}</dd>' in page
    assert figures.new_victims > 0


def test_a_bad_year_is_an_error_message_not_a_crash(staff_client, demo_data):
    response = staff_client.post(reverse("reports:annual_report_pack"), {"year": "999999"})
    assert response.status_code == 200
    assert "Choose a financial year from the list" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_people_who_are_not_staff_cannot_build_the_pack(client, demo_data):
    client.force_login(UserFactory())
    for response in (
        client.get(reverse("reports:annual_report_pack")),
        client.post(reverse("reports:annual_report_pack"), {"year": 1}),
    ):
        assert response.status_code == 403
    assert not ExportJob.objects.exists()


def test_the_command_writes_the_pack(year, tmp_path):
    out = tmp_path / "pack.xlsx"
    call_command("export_annual_report_pack", "--year", "2024/25", "--output", str(out), stdout=io.StringIO())
    book = load_workbook(out)
    assert book.sheetnames[-2:] == ["Decisions", "Figures"]
    with pytest.raises(CommandError, match="There is no 2031/32 financial year"):
        call_command("export_annual_report_pack", "--year", "2031/32", "--output", str(out))
    with pytest.raises(CommandError, match=r"must end in \.xlsx"):
        call_command("export_annual_report_pack", "--year", "2024/25", "--output", str(tmp_path / "pack.csv"))


@pytest.mark.django_db
def test_the_decisions_list_reads_the_same_few_queries_however_many_decisions_approve_budgets(
    demo_data, django_assert_max_num_queries
):
    from funds.models import Budget
    from reports.report_figures import decisions_by_date

    year = FinancialYear.objects.get(start_year=2024)
    budgets = list(Budget.objects.filter(year=year))
    for n in range(12):
        decision = Decision.objects.create(
            number=f"{100 + n:03d}-2024",
            decided_on=datetime.date(2024, 5, 1 + n),
            title=f"Budget decision {n}",
        )
        decision.budgets.set(budgets)
    # The decisions and their budgets (with streams and years): two queries, not one per decision.
    with django_assert_max_num_queries(2):
        days = decisions_by_date(year)
    assert sum(len(day.entries) for day in days) >= 12
