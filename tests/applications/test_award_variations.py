"""An approved award after approval: paid in part on a date, varied up and down, closed with its underspend
released, money repaid, carried into the next year. The award's instalments and status follow the ledger."""

import datetime
from decimal import Decimal

import pytest

from applications import services
from applications.models import Award, AwardPayment, AwardVariation
from audit.models import AuditEvent
from funds import services as funds_services
from funds.models import BudgetLine, Payment
from funds.selectors import commitment_paid, line_committed
from tests.applications.factories import (
    approved_award,
    area_line,
    finance_approver,
    finance_officer,
    grants_officer,
)

pytestmark = pytest.mark.django_db

JULY = datetime.date(2024, 7, 1)


def _committed(amount="4000", instalments=2, line=None):
    award = approved_award(amount=Decimal(amount), line=line)
    award.schedule, award.instalments = Award.Schedule.INSTALMENTS, instalments
    award.save()
    services.approve_award(award_id=award.pk, by=finance_officer(), today=datetime.date(2024, 5, 1))
    award.refresh_from_db()
    award.accepted_at = award.approved_at
    award.save()
    return award


def _instalments(award):
    return [(p.amount, p.is_made) for p in AwardPayment.objects.filter(award=award).order_by("number")]


def test_paying_less_than_an_instalment_splits_it_and_records_the_date_and_reference():
    award = _committed("4000", instalments=2)
    first = award.payments.get(number=1)
    services.mark_payment_made(
        award_payment_id=first.pk,
        paid_on=JULY,
        by=finance_officer(),
        reference="BACS 0711",
        amount=Decimal("1500"),
    )
    assert _instalments(award) == [(Decimal("1500"), True), (Decimal("2000"), False), (Decimal("500"), False)]
    payment = Payment.objects.get()
    assert (payment.paid_on, payment.reference, payment.amount) == (JULY, "BACS 0711", Decimal("1500"))
    award.refresh_from_db()
    assert award.status == Award.Status.COMMITTED


def test_paying_more_than_an_instalment_is_refused_and_changes_nothing():
    award = _committed("4000", instalments=2)
    with pytest.raises(services.AwardError, match="is more than that"):
        services.mark_payment_made(
            award_payment_id=award.payments.get(number=1).pk,
            paid_on=JULY,
            by=finance_officer(),
            reference="x",
            amount=Decimal("2000.01"),
        )
    assert not Payment.objects.exists()


def test_varying_an_award_up_commits_more_and_reprofiles_what_is_unpaid():
    award = _committed("4000", instalments=2)
    services.mark_payment_made(
        award_payment_id=award.payments.get(number=1).pk, paid_on=JULY, by=finance_officer()
    )
    variation = services.vary_award(
        award_id=award.pk, amount=Decimal("5000"), by=finance_officer(), reason="Extra week"
    )
    award.refresh_from_db()
    assert (award.amount, award.commitment.amount) == (Decimal("5000"), Decimal("5000"))
    assert _instalments(award) == [(Decimal("2000"), True), (Decimal("3000"), False)]
    assert (variation.amount_before, variation.amount_after, variation.reason) == (4000, 5000, "Extra week")
    assert line_committed(award.line_id) == Decimal("5000")
    assert AuditEvent.objects.filter(action="award.varied").count() == 1


def test_varying_an_award_down_releases_the_difference_but_not_below_what_was_paid():
    award = _committed("4000", instalments=2)
    services.mark_payment_made(
        award_payment_id=award.payments.get(number=1).pk, paid_on=JULY, by=finance_officer()
    )
    with pytest.raises(services.AwardError, match="cannot go below that"):
        services.vary_award(
            award_id=award.pk, amount=Decimal("1999.99"), by=finance_officer(), reason="Smaller"
        )
    services.vary_award(award_id=award.pk, amount=Decimal("2500"), by=finance_officer(), reason="Smaller")
    assert line_committed(award.line_id) == Decimal("2500")
    assert _instalments(award) == [(Decimal("2000"), True), (Decimal("500"), False)]


def test_a_variation_up_past_the_line_is_refused_with_what_is_left():
    award = _committed("4000", instalments=1)
    with pytest.raises(services.AwardError, match="left to commit"):
        services.vary_award(
            award_id=award.pk, amount=Decimal("10000.01"), by=finance_officer(), reason="More"
        )
    award.refresh_from_db()
    assert award.amount == Decimal("4000") and not AwardVariation.objects.exists()


def test_moving_an_unpaid_award_to_another_line_of_its_round():
    award = _committed("4000", instalments=1)
    other = area_line(award.application.round, amount="9000")
    services.vary_award(
        award_id=award.pk, amount=Decimal("4000"), line_id=other.pk, by=finance_officer(), reason="Area"
    )
    award.refresh_from_db()
    assert award.line == other and line_committed(other.pk) == Decimal("4000")
    assert line_committed(AwardVariation.objects.get().line_before_id) == 0


def test_only_finance_may_vary_and_a_reason_is_needed():
    award = _committed("4000")
    with pytest.raises(services.AwardError, match="do not have permission to vary"):
        services.vary_award(award_id=award.pk, amount=Decimal("3000"), by=grants_officer(), reason="x")
    with pytest.raises(services.AwardError, match="Give the reason"):
        services.vary_award(award_id=award.pk, amount=Decimal("3000"), by=finance_officer(), reason="  ")


def test_closing_an_award_releases_its_underspend():
    award = _committed("4000", instalments=2)
    services.mark_payment_made(
        award_payment_id=award.payments.get(number=1).pk, paid_on=JULY, by=finance_officer()
    )
    services.close_award(award_id=award.pk, by=finance_officer(), reason="Project finished under budget")
    award.refresh_from_db()
    assert award.status == Award.Status.CLOSED
    assert _instalments(award) == [(Decimal("2000"), True)]
    assert line_committed(award.line_id) == Decimal("2000")
    with pytest.raises(services.AwardError, match="already closed"):
        services.close_award(award_id=award.pk, by=finance_officer(), reason="again")


def test_money_repaid_on_an_award_returns_to_its_line():
    award = _committed("4000", instalments=1)
    services.mark_payment_made(award_payment_id=award.payments.get().pk, paid_on=JULY, by=finance_officer())
    services.record_award_repayment(
        award_id=award.pk,
        amount=Decimal("750"),
        received_on=datetime.date(2024, 10, 1),
        reference="REMIT 12",
        by=finance_officer(),
        reason="Unspent at the end of the project",
    )
    assert commitment_paid(award.commitment_id) == Decimal("3250")
    assert line_committed(award.line_id) == Decimal("3250")


def test_an_award_carried_forward_is_paid_from_the_next_year():
    award = _committed("4000", instalments=2)
    services.mark_payment_made(
        award_payment_id=award.payments.get(number=1).pk, paid_on=JULY, by=finance_officer()
    )
    funds_services.roll_forward_year(year_id=award.line.budget.year_id, by=None)
    old_line = award.line
    services.carry_award_forward(award_id=award.pk, by=finance_approver(), reason="Delayed by the venue")
    award.refresh_from_db()
    assert award.line.budget.year.start_year == 2025 and award.commitment.amount == Decimal("2000")
    assert BudgetLine.objects.get(pk=old_line.pk).amount == old_line.amount - 2000
    services.mark_payment_made(
        award_payment_id=award.payments.get(number=2).pk,
        paid_on=datetime.date(2025, 5, 1),
        by=finance_officer(),
    )
    award.refresh_from_db()
    assert award.status == Award.Status.PAID
