"""Closing a financial year: finance closes it with a reason, and after that every change to its money is refused
with a message that says the year is closed."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from funds import selectors, services
from funds.budget_import import import_budget_lines
from funds.models import BudgetEntry, BudgetLine, BudgetSection, FinancialYear
from tests.factories import BudgetFactory, BudgetLineFactory, FinancialYearFactory, FundingStreamFactory
from tests.funds.people import finance_approver, finance_officer, person_with
from tests.funds.test_admin import AdminForm

pytestmark = pytest.mark.django_db

CLOSED = "2024/25 is closed, so its budgets and commitments cannot change."


def _close(year: FinancialYear, reason: str = "Accounts signed off") -> FinancialYear:
    return services.close_year(
        year_id=year.pk, by=person_with("funds.close_financialyear", full_name="Chris Cfo"), reason=reason
    )


def test_closing_a_year_records_who_when_and_why_and_the_figures_as_they_stood():
    line = BudgetLineFactory(amount=Decimal("1000"))
    services.commit_to_line(line_id=line.pk, amount=Decimal("250"), reference="HCF-1")

    year = _close(line.budget.year)

    year.refresh_from_db()
    assert (
        year.is_closed and str(year.closed_by) == "Chris Cfo" and year.close_reason == "Accounts signed off"
    )
    assert selectors.year_is_closed(year.pk)
    event = AuditEvent.objects.get(action="year.closed")
    assert (event.note, event.after["closed_by"]) == ("Accounts signed off", "Chris Cfo")
    assert event.after["budgets"][str(line.budget)] == {
        "pot": "100000.00",
        "allocated": "1000.00",
        "committed": "250.00",
    }


def test_only_a_person_holding_the_close_permission_may_close_a_year_and_must_say_why():
    year = FinancialYearFactory()
    with pytest.raises(
        services.NotPermitted, match=r"^You do not have permission to close a financial year\.$"
    ):
        services.close_year(year_id=year.pk, by=finance_approver(), reason="Done")
    with pytest.raises(services.BudgetRuleError, match=r"^Say why the year is being closed\.$"):
        services.close_year(year_id=year.pk, by=person_with("funds.close_financialyear"), reason="  ")
    assert not selectors.year_is_closed(year.pk)


def test_a_closed_year_cannot_be_closed_again():
    year = _close(FinancialYearFactory())
    with pytest.raises(services.BudgetRuleError, match=r"^2024/25 was already closed on .* by Chris Cfo\.$"):
        _close(year, reason="Again")
    assert AuditEvent.objects.filter(action="year.closed").count() == 1


@pytest.fixture
def closed():
    """A closed 2024/25 budget with a line, a paid commitment and an unpaid one, and an open 2025/26 budget."""
    budget = BudgetFactory(pot=Decimal("10000"))
    line = BudgetLineFactory(budget=budget, amount=Decimal("5000"), name="Solihull")
    paid = services.commit_to_line(line_id=line.pk, amount=Decimal("1000"), reference="HCF-1")
    payment = services.record_payment(
        commitment_id=paid.pk, amount=Decimal("400"), paid_on=datetime.date(2024, 9, 1)
    )
    unpaid = services.commit_to_line(line_id=line.pk, amount=Decimal("500"), reference="HCF-2")
    section = BudgetSection.objects.create(budget=budget, heading="Areas")
    empty = BudgetLineFactory(budget=budget, amount=Decimal("0"), name="Unused")
    later = BudgetFactory(
        stream=budget.stream, year=FinancialYearFactory(start_year=2025), pot=Decimal("10000")
    )
    _close(budget.year)
    return {
        "budget": budget,
        "line": line,
        "paid": paid,
        "payment": payment,
        "unpaid": unpaid,
        "section": section,
        "empty": empty,
        "later": later,
    }


def _every_money_change(c) -> dict:
    officer = finance_approver()
    line, budget = c["line"], c["budget"]
    changed = BudgetLine.objects.get(pk=line.pk)
    changed.amount = Decimal("6000")
    return {
        "commit": lambda: services.commit_to_line(line_id=line.pk, amount=Decimal("1"), reference="late"),
        "release": lambda: services.release_commitment(commitment_id=c["unpaid"].pk, by=officer, reason="r"),
        "pay": lambda: services.record_payment(
            commitment_id=c["paid"].pk, amount=Decimal("1"), paid_on=datetime.date(2025, 5, 1)
        ),
        "reverse": lambda: services.reverse_payment(payment_id=c["payment"].pk, by=officer, reason="wrong"),
        "top up": lambda: services.add_to_pot(budget_id=budget.pk, amount=Decimal("1"), kind="top_up"),
        "transfer out": lambda: services.transfer_between_budgets(
            from_budget_id=budget.pk, to_budget_id=c["later"].pk, amount=Decimal("1")
        ),
        "transfer in": lambda: services.transfer_between_budgets(
            from_budget_id=c["later"].pk, to_budget_id=budget.pk, amount=Decimal("1")
        ),
        "new line": lambda: services.save_line(
            line=BudgetLine(budget=budget, kind="priority", name="New", amount=1)
        ),
        "changed line": lambda: services.save_line(line=changed),
        "delete line": lambda: services.delete_line(line_id=c["empty"].pk),
        "new section": lambda: services.get_or_create_section(budget_id=budget.pk, heading="Reserves"),
        "changed section": lambda: services.save_section(section=c["section"]),
        "deleted section": lambda: services.delete_section(section_id=c["section"].pk),
        "new budget": lambda: services.get_or_create_budget(
            stream_id=FundingStreamFactory().pk, year_id=budget.year_id
        ),
    }


@pytest.mark.parametrize(
    "change",
    [
        "commit",
        "release",
        "pay",
        "reverse",
        "top up",
        "transfer out",
        "transfer in",
        "new line",
        "changed line",
        "delete line",
        "new section",
        "changed section",
        "deleted section",
        "new budget",
    ],
)
def test_every_money_change_to_a_closed_year_is_refused_saying_the_year_is_closed(closed, change):
    totals = selectors.budget_totals(closed["budget"].pk)
    with pytest.raises(services.YearClosed, match=f"^{CLOSED}$"):
        _every_money_change(closed)[change]()
    assert selectors.budget_totals(closed["budget"].pk) == totals
    assert BudgetEntry.objects.filter(budget=closed["budget"]).count() == 1


def test_an_import_into_a_closed_year_is_refused_before_any_row(closed):
    result = import_budget_lines(
        [(2, {"stream": closed["budget"].stream.name, "line": "Solihull", "amount": "1"})],
        year=closed["budget"].year,
    )
    assert (result.errors, result.written) == ([CLOSED], False)


def test_the_admin_budget_page_of_a_closed_year_shows_the_refusal_as_a_form_error(staff_client, closed):
    budget = closed["budget"]
    url = reverse("admin:funds_budget_change", args=[budget.pk])
    assert CLOSED in staff_client.get(url).content.decode()
    form = AdminForm(staff_client.get(url).content.decode(), "budget_form")
    form.set(notes="changed", change_reason="late change")
    response = staff_client.post(url, form.data())
    assert response.status_code == 200
    assert (
        f'<ul class="errorlist nonfield"><li>{CLOSED.replace(chr(39), "&#x27;")}</li></ul>'
        in response.content.decode()
    )
    budget.refresh_from_db()
    assert budget.notes == ""


def test_finance_closes_a_year_from_admin_after_giving_a_reason_and_sees_who_closed_it(client, closed):
    year = FinancialYearFactory(start_year=2023)
    cfo = person_with("funds.close_financialyear", "funds.view_financialyear", full_name="Chris Cfo")
    client.force_login(cfo)
    changelist = reverse("admin:funds_financialyear_changelist")
    action = {"action": "close_year", "_selected_action": [year.pk]}

    page = client.post(changelist, action).content.decode()
    assert "Close the financial year" in page and "Reason" in page
    assert not selectors.year_is_closed(year.pk)
    page = client.post(changelist, {**action, "confirm": "yes", "reason": ""}).content.decode()
    assert "Say why" in page and not selectors.year_is_closed(year.pk)

    client.post(changelist, {**action, "confirm": "yes", "reason": "Statement of accounts published"})

    assert selectors.year_is_closed(year.pk)
    page = client.get(reverse("admin:funds_financialyear_change", args=[year.pk])).content.decode()
    assert "by Chris Cfo because Statement of accounts published" in page


def test_staff_without_the_close_permission_are_not_offered_the_action(client):
    client.force_login(person_with("funds.view_financialyear", "funds.change_financialyear"))
    page = client.get(reverse("admin:funds_financialyear_changelist")).content.decode()
    assert "close_year" not in page and "delete_selected" not in page


def test_work_after_the_year_end_finds_the_matching_line_of_the_open_year(closed):
    reserve = BudgetLineFactory(
        budget=closed["budget"], kind="reserve", name="LPA Reserve", amount=Decimal("1")
    )
    later = BudgetLineFactory(budget=closed["later"], kind="reserve", name="LPA Reserve", amount=Decimal("1"))
    BudgetLineFactory(
        budget=closed["later"],
        section=BudgetSection.objects.create(budget=closed["later"], heading="Priorities"),
        kind="priority",
        name="LPA Reserve",
        amount=Decimal("1"),
    )

    assert selectors.open_line_like(reserve, on=datetime.date(2025, 11, 3)) == later
    assert (
        selectors.open_line_like(reserve, on=datetime.date(2025, 3, 31)) is None
    )  # 2024/25 itself is closed
    assert selectors.open_line_like(reserve, on=datetime.date(2026, 4, 1)) is None  # no 2026/27 budget
    assert selectors.open_line_like(later, on=datetime.date(2025, 4, 1)) == later


def test_finance_officers_without_the_permission_cannot_close_a_year():
    with pytest.raises(services.NotPermitted):
        services.close_year(year_id=FinancialYearFactory().pk, by=finance_officer(), reason="Done")
