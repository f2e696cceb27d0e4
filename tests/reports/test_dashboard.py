"""The staff dashboard: budgets per stream and per area, the applications pipeline, monitoring returns due and late,
the charts, and where signing in takes each kind of person."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Status
from funds import services
from funds.models import Budget, BudgetLine, Commitment, FinancialYear, Payment
from funds.selectors import FORCE_WIDE, budget_totals
from providers.models import MonitoringReturn
from tests.applications.factories import OrganisationFactory, RoundFactory
from tests.factories import AreaFactory, BudgetFactory, BudgetLineFactory, FinancialYearFactory, UserFactory
from tests.providers.factories import MembershipFactory, PeriodFactory, ServiceFactory

pytestmark = pytest.mark.django_db
ZERO = Decimal("0.00")


def _sum(queryset, field="amount") -> Decimal:
    return queryset.aggregate(s=Sum(field))["s"] or ZERO


def independent_area_figures(budget: Budget) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """Area name -> (allocated, committed, paid), added up straight from the rows, not through the selectors."""
    figures = {}
    for area_id in set(budget.lines.values_list("area_id", flat=True)):
        lines = BudgetLine.objects.filter(budget=budget, area_id=area_id)
        live = Commitment.objects.filter(line__in=lines, released_at__isnull=True)
        name = lines.first().area.name if area_id else FORCE_WIDE
        figures[name] = (_sum(lines), _sum(live), _sum(Payment.objects.filter(commitment__line__in=lines)))
    return figures


def shown_row(page: str, caption: str, label: str) -> list[str]:
    """The cells of the row headed `label` in the table captioned `caption`, as the page prints them."""
    table = page.split(caption, 1)[1].split("</table>", 1)[0]
    row = table.split(f">{label}</th>", 1)[1].split("</tr>", 1)[0]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in row.split("</td>")[:-1]]


@pytest.fixture
def demo_with_awards_and_payments(demo_grants, staff_user):
    # The demo commits its awards but pays none: pay a few, so the paid column is tested with real numbers.
    for commitment in Commitment.objects.filter(line__budget__stream__slug="helping-communities-fund")[:5]:
        services.record_payment(
            commitment_id=commitment.pk,
            amount=commitment.amount / 2,
            paid_on=datetime.date(2024, 9, 1),
            reference="Payment run 12",
            by=staff_user,
        )
    return demo_grants


def test_demo_dashboard_totals_equal_the_budget_selectors_per_stream_and_per_area(
    staff_client, demo_with_awards_and_payments
):
    response = staff_client.get(reverse("reports:dashboard"))
    page = response.content.decode()
    sections = response.context["sections"]
    assert len(sections) == Budget.objects.filter(year__start_year=2024).count()
    paid_somewhere = committed_somewhere = False
    for section in sections:
        totals = budget_totals(section.budget.pk)
        shown = (section.budget.pot, section.budget.allocated, section.budget.committed, section.budget.paid)
        assert shown == (totals.pot, totals.allocated, totals.committed, totals.paid), section.budget
        areas = {a.name: (a.allocated, a.committed, a.paid) for a in section.areas}
        assert areas == independent_area_figures(section.budget), section.budget
        # The areas add up to the stream's figures.
        assert sum(a.allocated for a in section.areas) == totals.allocated
        assert sum(a.committed for a in section.areas) == totals.committed
        assert sum(a.paid for a in section.areas) == totals.paid
        committed_somewhere |= totals.committed > 0
        paid_somewhere |= totals.paid > 0
    assert committed_somewhere and paid_somewhere

    hcf = next(s for s in sections if s.budget.stream.slug == "helping-communities-fund")
    birmingham = next(a for a in hcf.areas if a.name == "Birmingham")
    caption = "Helping Communities Fund 2024/25 by area"
    assert shown_row(page, caption, "Birmingham") == ["£101,762", "£101,762", _pounds(birmingham.paid), "£0"]
    assert "Over-allocated by £15,418" in page


def _pounds(value: Decimal) -> str:
    from core.money import format_pounds

    return format_pounds(value)


def test_lines_with_no_area_are_grouped_as_force_wide_and_released_commitments_do_not_count(
    staff_client, staff_user
):
    year = FinancialYearFactory(start_year=2021)
    budget = BudgetFactory(year=year, pot=Decimal("50000"))
    coventry, dudley = AreaFactory(name="Coventry"), AreaFactory(name="Dudley")
    cov_1 = BudgetLineFactory(
        budget=budget, kind=BudgetLine.Kind.AREA, area=coventry, amount=Decimal("10000")
    )
    cov_2 = BudgetLineFactory(budget=budget, kind=BudgetLine.Kind.AREA, area=coventry, amount=Decimal("5000"))
    dud = BudgetLineFactory(budget=budget, kind=BudgetLine.Kind.AREA, area=dudley, amount=Decimal("8000"))
    BudgetLineFactory(budget=budget, kind=BudgetLine.Kind.RESERVE, amount=Decimal("2000"))

    def commit(line, amount):
        return services.commit_to_line(
            line_id=line.pk, amount=Decimal(amount), reference="test", by=staff_user
        )

    first = commit(cov_1, "6000")
    commit(cov_2, "3000")
    released = commit(dud, "4000")
    services.release_commitment(commitment_id=released.pk, by=staff_user, reason="withdrawn")
    live = commit(dud, "1000")
    services.record_payment(
        commitment_id=first.pk, amount=Decimal("2500.50"), paid_on=datetime.date(2021, 6, 1)
    )
    services.record_payment(commitment_id=live.pk, amount=Decimal("1000"), paid_on=datetime.date(2021, 7, 1))

    response = staff_client.get(reverse("reports:dashboard"), {"year": year.pk})
    page = response.content.decode()
    [section] = response.context["sections"]
    assert [(a.name, a.allocated, a.committed, a.paid, a.remaining) for a in section.areas] == [
        ("Coventry", Decimal("15000"), Decimal("9000"), Decimal("2500.50"), Decimal("6000")),
        ("Dudley", Decimal("8000"), Decimal("1000"), Decimal("1000"), Decimal("7000")),
        (FORCE_WIDE, Decimal("2000"), ZERO, ZERO, Decimal("2000")),
    ]
    caption = f"{budget.stream} 2021/22 by area"
    assert shown_row(page, caption, "Coventry") == ["£15,000", "£9,000", "£2,500.50", "£6,000"]
    assert shown_row(page, caption, "Force-wide and central") == ["£2,000", "£0", "£0", "£2,000"]
    assert shown_row(page, caption, "Stream total (pot £50,000)") == [
        "£25,000",
        "£10,000",
        "£3,500.50",
        "£40,000 of the pot",
    ]
    assert shown_row(page, "Funding streams in 2021/22", "All streams") == [
        "£50,000",
        "£25,000",
        "£10,000",
        "£3,500.50",
        "£40,000",
    ]


def test_each_stream_has_an_accessible_chart_followed_by_its_data(
    staff_client, demo_with_awards_and_payments
):
    response = staff_client.get(reverse("reports:dashboard"))
    page = response.content.decode()
    sections = response.context["sections"]
    charts = re.findall(r'<svg [^>]*role="img" aria-labelledby="([^"]+)" aria-describedby="([^"]+)"', page)
    assert len(charts) == len([s for s in sections if s.areas])
    for title_id, desc_id in charts:
        assert f'<title id="{title_id}">' in page and f'<desc id="{desc_id}">' in page
    hcf = next(s for s in sections if s.budget.stream.slug == "helping-communities-fund")
    prefix = f"budget-{hcf.budget.pk}"
    chart = page.split(f'aria-labelledby="{prefix}-title"', 1)[1].split("</svg>", 1)[0]
    # Committed and paid bars are patterned (stripes, dots), not only coloured, and every bar has its value as text.
    assert f'fill="url(#{prefix}-committed)"' in chart and f'fill="url(#{prefix}-paid)"' in chart
    assert f'<pattern id="{prefix}-committed"' in chart and f'<pattern id="{prefix}-paid"' in chart
    assert chart.count("<rect x=") == 3 * len(hcf.areas) + 3  # three bars an area, and three legend keys
    assert ">£101,762</text>" in chart and ">Birmingham</text>" in chart
    assert "style=" not in chart  # the CSP forbids inline styles
    data = page.split(
        f'Show the data<span class="govuk-visually-hidden"> for the {hcf.budget.stream} chart', 1
    )[1]
    birmingham = next(a for a in hcf.areas if a.name == "Birmingham")
    assert shown_row(data, "allocated, committed and paid by area</caption>", "Birmingham") == [
        "£101,762",
        "£101,762",
        _pounds(birmingham.paid),
    ]


def an_application(round_, status, amount, reference):
    return Application.objects.create(
        round=round_,
        organisation=OrganisationFactory(),
        created_by=UserFactory(),
        status=status,
        amount_requested=Decimal(amount),
        reference=reference,
        submitted_at=None if status == Status.DRAFT else timezone.now(),
    )


@pytest.mark.parametrize("size", [1, 10])
def test_the_dashboard_runs_the_same_few_queries_whatever_the_data_size(
    staff_client, size, django_assert_max_num_queries
):
    year = FinancialYearFactory(start_year=2020)
    round_ = RoundFactory(budget=BudgetFactory(year=year, pot=Decimal("1000000")))
    period = PeriodFactory(year=year, label="Q1 2020/21", due_on=timezone.localdate())
    for n in range(3 * size):
        budget = BudgetFactory(year=year, pot=Decimal("100000"))
        for m in range(3):
            line = BudgetLineFactory(
                budget=budget, kind=BudgetLine.Kind.AREA, area=AreaFactory(), amount=Decimal("1000")
            )
            commitment = services.commit_to_line(
                line_id=line.pk, amount=Decimal("500"), reference=f"c{n}-{m}"
            )
            services.record_payment(
                commitment_id=commitment.pk, amount=Decimal("100"), paid_on=datetime.date(2020, 5, 1)
            )
        an_application(round_, Status.IN_ASSESSMENT, "900", f"HCF-3031-{size:02d}{n:03d}")
        MonitoringReturn.objects.create(
            service=ServiceFactory(start_year=year, template=period.template), period=period
        )

    # 11: session, user, office (page header), years, budgets, lines by area, applications, returns; and the
    # year's figures (reports.report_figures.year_totals): paid in the year, commissioned spend, projects.
    with django_assert_max_num_queries(11):
        response = staff_client.get(reverse("reports:dashboard"), {"year": year.pk})
    assert response.status_code == 200
    assert len(response.context["sections"]) == 3 * size + 1
    assert response.context["pipeline"].applications == 3 * size
    assert response.context["returns"].due == 3 * size


def test_the_pipeline_counts_submitted_applications_in_the_years_rounds_by_status(staff_client):
    year, other_year = FinancialYearFactory(start_year=2032), FinancialYearFactory(start_year=2033)
    round_ = RoundFactory(budget=BudgetFactory(year=year, pot=Decimal("50000")))
    elsewhere = RoundFactory(budget=BudgetFactory(year=other_year, pot=Decimal("50000")))
    made = [
        (Status.SUBMITTED, "1000"),
        (Status.SUBMITTED, "2500.50"),
        (Status.IN_ASSESSMENT, "4000"),
        (Status.DECLINED, "300"),
        (Status.DRAFT, "9999"),
    ]
    for n, (status, amount) in enumerate(made):
        an_application(round_, status, amount, None if status == Status.DRAFT else f"HCF-3233-{n:05d}")
    an_application(elsewhere, Status.SUBMITTED, "700", "HCF-3334-00001")

    response = staff_client.get(reverse("reports:dashboard"), {"year": year.pk})
    pipeline = response.context["pipeline"]
    counts = {row.status: (row.applications, row.requested) for row in pipeline.rows}
    assert Status.DRAFT not in counts
    assert counts[Status.SUBMITTED] == (2, Decimal("3500.50"))
    assert counts[Status.IN_ASSESSMENT] == (1, Decimal("4000"))
    assert counts[Status.DECLINED] == (1, Decimal("300"))
    assert counts[Status.AWARDED] == (0, ZERO)
    assert (pipeline.applications, pipeline.requested) == (4, Decimal("7800.50"))

    page = response.content.decode()
    link = f"{reverse('applications:staff_list')}?status=submitted&amp;round={round_.pk}"
    assert f'href="{link}"' in page
    assert shown_row(page, "Applications to 2032/33 rounds", "All submitted") == ["4", "£7,800.50"]
    # The link shows the staff list filtered to exactly the applications counted.
    listed = staff_client.get(link.replace("&amp;", "&")).context["filter"].qs
    assert listed.count() == 2


def test_returns_due_in_30_days_and_late_returns_are_counted_at_a_fixed_date(staff_client, monkeypatch):
    today = datetime.date(2024, 7, 15)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: today)
    service = ServiceFactory()
    S = MonitoringReturn.Status

    def a_return(due_on, status, label):
        day = datetime.timedelta(days=1)
        period = PeriodFactory(
            template=service.template,
            label=label,
            starts_on=due_on - 90 * day,
            ends_on=due_on - 25 * day,
            window_opens_on=due_on - 24 * day,
            due_on=due_on,
        )
        return MonitoringReturn.objects.create(service=service, period=period, status=status)

    a_return(datetime.date(2024, 7, 15), S.NOT_STARTED, "due today")
    a_return(datetime.date(2024, 7, 22), S.DRAFT, "due in a week")
    a_return(datetime.date(2024, 8, 14), S.AWAITING_SIGN_OFF, "due in 30 days")
    a_return(datetime.date(2024, 8, 15), S.NOT_STARTED, "due in 31 days")
    a_return(datetime.date(2024, 7, 20), S.SUBMITTED, "in already")
    a_return(datetime.date(2024, 7, 14), S.NOT_STARTED, "late by a day")
    a_return(datetime.date(2024, 5, 1), S.CHANGES_REQUESTED, "sent back, late")
    a_return(datetime.date(2024, 6, 1), S.ACCEPTED, "accepted")

    response = staff_client.get(reverse("reports:dashboard"))
    returns = response.context["returns"]
    assert (returns.due, returns.late) == (3, 2)
    page = response.content.decode()
    commissioning = reverse("providers:staff_dashboard")
    assert (
        f'<a class="govuk-link" href="{commissioning}">3'
        '<span class="govuk-visually-hidden"> returns due by 14 August 2024'
    ) in page
    assert (
        f'<a class="govuk-link" href="{commissioning}">2<span class="govuk-visually-hidden"> late returns'
        in page
    )


def test_the_dashboard_links_to_the_other_staff_pages(staff_client, demo_data):
    page = staff_client.get(reverse("reports:dashboard")).content.decode()
    year = FinancialYear.objects.get(start_year=2024)
    for href in (
        reverse("applications:staff_list"),
        reverse("providers:staff_dashboard"),
        reverse("needs:list"),
        f"{reverse('reports:budget_tables')}?year={year.pk}",
        f"{reverse('reports:annual_report_pack')}?year={year.pk}",
    ):
        assert f'href="{href}"' in page, href


def test_the_dashboard_defaults_to_the_latest_year_with_budgets(staff_client, demo_data):
    FinancialYearFactory(start_year=2040)  # no budgets
    response = staff_client.get(reverse("reports:dashboard"))
    assert response.context["year"].start_year == 2024
    assert "Budgets 2024/25" in response.content.decode()
    response = staff_client.get(reverse("reports:dashboard"), {"year": "not-a-year"})
    assert response.status_code == 200 and response.context["year"].start_year == 2024


def test_people_who_are_not_staff_cannot_see_the_dashboard(client):
    client.force_login(UserFactory())
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 403
    client.logout()
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 302 and "login" in response.url


def test_the_dashboard_and_annual_report_pages_need_permission_to_view_budgets(client):
    from django.contrib.auth.models import Group

    from accounts import roles

    roles.sync_roles()
    names = ("reports:dashboard", "reports:budget_tables", "reports:annual_report_pack")
    for role, allowed in [(roles.ASSESSOR, False), (roles.GRANTS_OFFICER, True), (roles.READ_ONLY, True)]:
        user = UserFactory(is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        client.force_login(user)
        for name in names:
            assert client.get(reverse(name)).status_code == (200 if allowed else 403), (role, name)


# --- Where signing in leads ------------------------------------------------------------------------------------------


def test_login_redirect_url_is_the_router():
    assert resolve_url(settings.LOGIN_REDIRECT_URL) == reverse("signed_in") == "/signed-in/"


@pytest.mark.parametrize(
    "role, home",
    [
        ("staff", "reports:dashboard"),
        ("provider", "providers:portal"),
        ("applicant", "applications:dashboard"),
    ],
)
def test_each_kind_of_person_is_sent_to_their_own_home_after_signing_in(client, role, home):
    user = UserFactory(is_staff=role == "staff")
    if role == "provider":
        MembershipFactory(user=user)
    client.force_login(user)
    response = client.get(reverse("signed_in"))
    assert response.status_code == 302 and response.url == reverse(home)


def test_an_applicant_signing_in_with_a_password_lands_on_their_applications(client):
    UserFactory(email="volunteer@example.org")
    response = client.post(
        reverse("login"),
        {"username": "volunteer@example.org", "password": "correct-horse-battery"},
        follow=True,
    )
    assert [url for url, _ in response.redirect_chain] == [
        reverse("signed_in"),
        reverse("applications:dashboard"),
    ]


def test_the_router_needs_a_signed_in_person_and_the_home_page_stays_public(client):
    response = client.get(reverse("signed_in"))
    assert response.status_code == 302 and "login" in response.url
    assert client.get("/").status_code == 200


def left_to_commit_column(page: str, caption: str) -> tuple[list[Decimal], Decimal]:
    """The "Left to commit" cells of a stream's by-area table as printed: (each row's, the stream total's)."""
    table = page.split(caption, 1)[1].split("</table>", 1)[0]
    body = table.split('<tbody class="govuk-table__body">', 1)[1]
    amounts = []
    for row in body.split("</tr>")[:-1]:
        if "<td" not in row:
            continue  # "No lines yet."
        last = re.sub(r"<[^>]+>", "", row.split("<td")[-1].split(">", 1)[1]).strip()
        last = last.removesuffix(" of the pot").strip()
        negative = last.startswith("-")
        amounts.append(Decimal(last.lstrip("-£").replace(",", "")) * (-1 if negative else 1))
    return amounts[:-1], amounts[-1]


def test_every_streams_area_rows_add_up_to_its_left_to_commit_in_every_demo_year(staff_client, full_demo):
    years = FinancialYear.objects.filter(budgets__isnull=False).distinct()
    checked = 0
    for year in years:
        response = staff_client.get(reverse("reports:dashboard"), {"year": year.pk})
        page = response.content.decode()
        for section in response.context["sections"]:
            budget = section.budget
            rows, total = left_to_commit_column(page, f"{budget.stream} {year} by area. Pot")
            assert total == budget.remaining == budget.pot - budget.committed, budget
            assert sum(rows) == total, f"{budget}: the rows add up to {sum(rows)}, the total says {total}"
            assert sum(section.remaining_by_row) == total
            checked += 1
    assert checked >= 5


def test_lines_over_the_pot_show_as_a_row_so_the_areas_add_up_to_the_total(staff_client, staff_user):
    budget = BudgetFactory(pot=Decimal("400000"))
    area = AreaFactory(name="Walsall")
    line = BudgetLineFactory(budget=budget, area=area, kind=BudgetLine.Kind.AREA, amount=Decimal("415418"))
    services.commit_to_line(line_id=line.pk, amount=Decimal("253850"), reference="HCF grants", by=staff_user)
    page = staff_client.get(reverse("reports:dashboard"), {"year": budget.year.pk}).content.decode()
    caption = f"{budget.stream} {budget.year} by area. Pot"
    assert shown_row(page, caption, "Walsall")[-1] == "£161,568"
    assert shown_row(page, caption, "Lines allocate more than the pot")[-1] == "-£15,418"
    assert left_to_commit_column(page, caption) == ([Decimal("161568"), Decimal("-15418")], Decimal("146150"))


def test_money_in_the_pot_not_yet_on_a_line_shows_as_a_row(staff_client):
    budget = BudgetFactory(pot=Decimal("1000"))
    BudgetLineFactory(budget=budget, area=AreaFactory(name="Dudley"), amount=Decimal("600"))
    page = staff_client.get(reverse("reports:dashboard"), {"year": budget.year.pk}).content.decode()
    caption = f"{budget.stream} {budget.year} by area. Pot"
    assert shown_row(page, caption, "In the pot but not yet allocated to a line")[-1] == "£400"
    assert left_to_commit_column(page, caption) == ([Decimal("600"), Decimal("400")], Decimal("1000"))
