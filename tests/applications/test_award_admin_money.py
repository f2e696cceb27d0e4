"""Finance's money actions on an award in the admin: each asks for what it needs on a page of its own, refuses bad
input beside the field and changes nothing, and goes through the service when the input is good."""

import datetime
from decimal import Decimal

import pytest

from applications import services
from applications.models import Award, AwardVariation
from funds.models import BudgetLine, CommitmentChange, FinancialYear, Payment
from tests.applications.factories import approved_award, finance_approver, finance_officer, staff_in

pytestmark = pytest.mark.django_db

AWARDS = "/admin/applications/award/"
PAYMENTS = "/admin/applications/awardpayment/"


def _committed(amount="4000"):
    award = approved_award(amount=Decimal(amount))
    award.schedule, award.instalments = Award.Schedule.INSTALMENTS, 2
    award.save()
    services.approve_award(award_id=award.pk, by=finance_officer())
    award.refresh_from_db()
    award.accepted_at = award.approved_at
    award.save()
    return award


def _act(client, url, action, pk, **data):
    return client.post(url, {"action": action, "_selected_action": [pk], **data}, follow=True)


def test_varying_an_award_in_the_admin_refuses_bad_input_then_varies_it(client):
    award = _committed()
    client.force_login(finance_officer())
    page = _act(client, AWARDS, "vary_selected", award.pk)
    assert page.status_code == 200 and "Vary award" in page.content.decode()
    for amount in ("£abc", "99999999999999999999"):
        page = _act(client, AWARDS, "vary_selected", award.pk, confirm="yes", amount=amount, reason="More")
        assert page.status_code == 200 and "errorlist" in page.content.decode(), amount
    assert not AwardVariation.objects.exists()
    page = _act(
        client,
        AWARDS,
        "vary_selected",
        award.pk,
        confirm="yes",
        amount="£4,500",
        instalments="2",
        reason="More",
    )
    assert f"Award {award.application.reference} varied." in page.content.decode()
    award.refresh_from_db()
    assert award.amount == Decimal("4500") and award.commitment.amount == Decimal("4500")


def test_a_refused_variation_is_an_error_message_not_a_crash(client):
    award = _committed()
    client.force_login(finance_officer())
    page = _act(client, AWARDS, "vary_selected", award.pk, confirm="yes", amount="£50,000", reason="Far more")
    assert page.status_code == 200
    assert "left to commit" in page.content.decode() or "PCC decision" in page.content.decode()
    assert not AwardVariation.objects.exists()


def test_recording_a_payment_asks_for_a_real_date_and_a_reference(client):
    award = _committed()
    first = award.payments.get(number=1)
    client.force_login(finance_officer())
    for paid_on, reference in (("31/2/2025", "BACS 1"), ("1/6/2024", ""), ("1/1/2099", "BACS 1")):
        _act(client, PAYMENTS, "mark_made", first.pk, confirm="yes", paid_on=paid_on, reference=reference)
    assert not Payment.objects.exists()
    page = _act(
        client, PAYMENTS, "mark_made", first.pk, confirm="yes", paid_on="1/6/2024", reference="BACS 1"
    )
    assert "recorded as paid" in page.content.decode()
    payment = Payment.objects.get()
    assert (payment.paid_on, payment.reference) == (datetime.date(2024, 6, 1), "BACS 1")


def test_closing_repaying_and_carrying_forward_from_the_admin(client):
    award = _committed()
    services.mark_payment_made(
        award_payment_id=award.payments.get(number=1).pk,
        paid_on=datetime.date(2024, 6, 1),
        by=finance_officer(),
    )
    client.force_login(finance_approver())
    page = _act(
        client,
        AWARDS,
        "record_repayment",
        award.pk,
        confirm="yes",
        amount="100",
        received_on="1/9/2024",
        reference="REMIT 1",
        reason="Unspent",
    )
    assert "Repayment recorded" in page.content.decode()
    page = _act(client, AWARDS, "carry_forward_selected", award.pk, confirm="yes", reason="Late")
    assert "Roll 2024/25 forward first" in page.content.decode()
    page = _act(client, AWARDS, "close_selected", award.pk, confirm="yes", reason="Finished early")
    assert "closed; its underspend is released" in page.content.decode()
    assert set(CommitmentChange.objects.values_list("kind", flat=True)) == {"repaid", "underspend"}


def test_a_grants_officer_is_not_offered_the_money_actions(client):
    award = _committed()
    client.force_login(staff_in("Grants officer"))
    page = client.get(AWARDS)
    for action in ("vary_selected", "close_selected", "record_repayment", "carry_forward_selected"):
        assert f'value="{action}"' not in page.content.decode()
    _act(client, AWARDS, "vary_selected", award.pk, confirm="yes", amount="5000", reason="x")
    assert not AwardVariation.objects.exists()


def test_the_cfo_rolls_a_year_forward_from_the_admin(client):
    award = _committed()
    year = award.line.budget.year
    client.force_login(staff_in("Chief Finance Officer"))
    page = _act(
        client, "/admin/funds/financialyear/", "roll_forward", year.pk, confirm="yes", reason="Budget setting"
    )
    assert "rolled forward" in page.content.decode()
    following = FinancialYear.objects.get(start_year=year.start_year + 1)
    assert BudgetLine.objects.filter(budget__year=following, name=award.line.name, amount=0).exists()
