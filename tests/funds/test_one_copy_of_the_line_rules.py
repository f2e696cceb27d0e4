"""funds.services is the one writer of funds' tables. An allocation below what is committed is refused by one rule
(check_line_change) whichever way the change comes, and other apps (needs) make budgets, sections and decisions by
asking funds.services, never by writing the rows themselves."""

from decimal import Decimal

import pytest

from funds import services
from funds.models import Budget, BudgetSection, Decision, FinancialYear
from tests.factories import BudgetLineFactory, FinancialYearFactory, FundingStreamFactory

pytestmark = pytest.mark.django_db


def test_a_line_saved_by_a_service_cannot_drop_below_what_is_committed():
    line = BudgetLineFactory(name="Solihull", amount=Decimal("8000"))
    services.commit_to_line(line_id=line.pk, amount=Decimal("5000"), reference="HCF-1")
    line.amount = Decimal("4999.99")
    with pytest.raises(
        services.BudgetRuleError, match="Solihull has £5,000 committed, so its allocation cannot"
    ):
        services.save_line(line=line)
    line.refresh_from_db()
    assert line.amount == Decimal("8000.00")


def test_a_line_can_come_down_to_exactly_what_is_committed():
    line = BudgetLineFactory(amount=Decimal("8000"))
    services.commit_to_line(line_id=line.pk, amount=Decimal("5000"), reference="HCF-1")
    line.amount = Decimal("5000")
    services.save_line(line=line)
    line.refresh_from_db()
    assert line.amount == Decimal("5000.00")


def test_the_admin_check_and_the_save_give_the_same_refusal():
    line = BudgetLineFactory(name="Dudley", amount=Decimal("8000"))
    services.commit_to_line(line_id=line.pk, amount=Decimal("5000"), reference="HCF-1")
    with pytest.raises(services.BudgetRuleError) as checked:
        services.check_line_change(line=line, amount=Decimal("100"))
    line.amount = Decimal("100")
    with pytest.raises(services.BudgetRuleError) as saved:
        services.save_line(line=line)
    assert str(checked.value) == str(saved.value)


def test_a_budget_asked_for_twice_is_made_once_and_starts_empty():
    stream, year = FundingStreamFactory(), FinancialYearFactory(start_year=2031)
    first = services.get_or_create_budget(stream_id=stream.pk, year_id=year.pk)
    again = services.get_or_create_budget(stream_id=stream.pk, year_id=year.pk)
    assert first == again and Budget.objects.filter(stream=stream, year=year).count() == 1
    assert first.entries.count() == 0


def test_a_section_asked_for_twice_is_made_once_with_its_subtotal_label():
    budget = BudgetLineFactory().budget
    first = services.get_or_create_section(budget_id=budget.pk, heading="IDVA by local authority")
    again = services.get_or_create_section(budget_id=budget.pk, heading="IDVA by local authority")
    assert first == again and BudgetSection.objects.filter(budget=budget).count() == 1
    assert first.subtotal_label == "Sub-Total"


def test_a_year_is_made_the_first_time_it_is_needed():
    year = services.get_or_create_year(2040)
    assert services.get_or_create_year(2040) == year and str(year) == "2040/41"
    assert FinancialYear.objects.filter(start_year=2040).count() == 1


def test_recording_a_decision_again_updates_it_and_adds_what_it_covers():
    line = BudgetLineFactory()
    other = BudgetLineFactory(budget=line.budget)
    first = services.record_decision(
        number="DRAFT-NEEDS-1",
        title="Adopt",
        status=Decision.Status.DRAFT,
        public_summary="First",
        budget_ids=[line.budget_id],
        line_ids=[line.pk],
    )
    again = services.record_decision(
        number="DRAFT-NEEDS-1",
        title="Adopt again",
        status=Decision.Status.DRAFT,
        public_summary="Second",
        budget_ids=[line.budget_id],
        line_ids=[line.pk, other.pk],
    )
    assert again.pk == first.pk and Decision.objects.filter(number="DRAFT-NEEDS-1").count() == 1
    again.refresh_from_db()
    assert (again.title, again.public_summary) == ("Adopt again", "Second")
    assert set(again.lines.all()) == {line, other} and list(again.budgets.all()) == [line.budget]
