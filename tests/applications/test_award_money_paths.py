"""Awards change money only through services: bulk approval names every refusal, cancelling releases the money,
the admin has no back doors, and an award approved after its year has closed lands in the open year."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from applications import services
from applications.models import Application, Award, AwardPayment, Status
from applications.next_steps import NEXT_STEPS
from audit.selectors import trail_of
from funds.models import BudgetLine, Commitment, FinancialYear
from funds.selectors import line_committed
from tests.applications.factories import (
    RoundFactory,
    approved_award,
    area_line,
    finance_approver,
    finance_officer,
    grants_officer,
)
from tests.factories import BudgetFactory, FinancialYearFactory

pytestmark = pytest.mark.django_db


# Bulk approval


def test_bulk_approval_names_every_refused_award_and_approves_none():
    round_ = RoundFactory()
    line = area_line(round_, amount="2500")
    awards = [approved_award(round_=round_, amount=Decimal("1000"), line=line) for _ in range(4)]
    with pytest.raises(services.AwardError) as refused:
        services.approve_awards(award_ids=[a.pk for a in awards], by=finance_officer())
    message = str(refused.value)
    assert message.startswith("Nothing was approved. 2 of the 4 awards were refused")
    for award in awards[2:]:
        assert award.application.reference in message
    assert len(refused.value.problems) == 2
    assert line_committed(line.pk) == 0 and not Commitment.objects.exists()
    assert not Award.objects.exclude(status=Award.Status.AWAITING_FINANCE).exists()
    assert not Application.objects.filter(status=Status.AWARDED).exists()


def test_the_admin_lists_every_refused_award(client):
    round_ = RoundFactory()
    line = area_line(round_, amount="1500")
    awards = [approved_award(round_=round_, amount=Decimal("1000"), line=line) for _ in range(3)]
    client.force_login(finance_officer())
    page = client.post(
        "/admin/applications/award/",
        {"action": "approve_selected", "_selected_action": [a.pk for a in awards]},
        follow=True,
    ).content.decode()
    assert "Nothing was approved. 2 awards were refused:" in page
    assert all(a.application.reference in page for a in awards[1:])
    assert line_committed(line.pk) == 0


# Cancelling an award


def test_cancelling_an_award_releases_its_money_and_tells_the_applicant():
    award = approved_award(amount=Decimal("2000"))
    services.approve_award(award_id=award.pk, by=finance_officer())
    assert line_committed(award.line_id) == Decimal("2000")
    approver = finance_approver(full_name="Cath Cancels")

    services.cancel_award(award_id=award.pk, by=approver, reason="The group has folded")

    award.refresh_from_db()
    assert (award.status, award.cancelled_by, award.cancel_reason) == (
        Award.Status.CANCELLED,
        approver,
        "The group has folded",
    )
    assert line_committed(award.line_id) == 0 and award.commitment.released_at is not None
    assert award.application.status == Status.AWARD_CANCELLED
    assert "Your award has been cancelled" in NEXT_STEPS[Status.AWARD_CANCELLED]
    [event] = [e for e in trail_of(award) if e.action == "award.cancelled"]
    assert event.actor == approver and event.note == "The group has folded"
    with pytest.raises(services.AwardError, match="cancelled, so nothing more is paid"):
        services.mark_payment_made(
            award_payment_id=award.payments.first().pk, paid_on=timezone.localdate(), by=finance_officer()
        )


def test_cancelling_needs_the_permission_and_a_reason():
    award = approved_award()
    services.approve_award(award_id=award.pk, by=finance_officer())
    with pytest.raises(services.AwardError, match="You do not have permission to cancel awards"):
        services.cancel_award(award_id=award.pk, by=finance_officer(), reason="Folded")
    with pytest.raises(services.AwardError, match="Give the reason"):
        services.cancel_award(award_id=award.pk, by=finance_approver(), reason="  ")
    assert Award.objects.get(pk=award.pk).status == Award.Status.COMMITTED


def test_an_award_with_a_payment_made_cannot_be_cancelled():
    award = approved_award(amount=Decimal("1000"))
    finance = finance_officer()
    services.approve_award(award_id=award.pk, by=finance)
    services.accept_award(award_id=award.pk, by=award.application.created_by)
    services.mark_payment_made(
        award_payment_id=award.payments.first().pk, paid_on=timezone.localdate(), by=finance
    )
    with pytest.raises(
        services.AwardError, match=r"£1,000 has already been paid on .*, so its award cannot be"
    ):
        services.cancel_award(award_id=award.pk, by=finance_approver(), reason="Folded")
    assert Award.objects.get(pk=award.pk).status == Award.Status.PAID
    assert line_committed(award.line_id) == Decimal("1000")


def test_an_award_awaiting_finance_can_be_cancelled_with_nothing_to_release():
    award = approved_award()
    services.cancel_award(award_id=award.pk, by=finance_approver(), reason="Withdrawn by the group")
    award.refresh_from_db()
    assert award.status == Award.Status.CANCELLED and award.commitment_id is None
    assert award.application.status == Status.AWARD_CANCELLED


# No back doors in the admin


def test_awards_and_their_payments_can_never_be_deleted_in_the_admin(client, staff_user):
    award = approved_award()
    services.approve_award(award_id=award.pk, by=finance_officer())
    payment = award.payments.first()
    client.force_login(staff_user)  # a superuser: not even they
    assert client.get(f"/admin/applications/award/{award.pk}/delete/").status_code == 403
    assert client.get(f"/admin/applications/awardpayment/{payment.pk}/delete/").status_code == 403
    for url in ("/admin/applications/award/", "/admin/applications/awardpayment/"):
        assert 'value="delete_selected"' not in client.get(url).content.decode()
    assert Award.objects.filter(pk=award.pk).exists() and AwardPayment.objects.filter(pk=payment.pk).exists()


def test_admin_actions_are_offered_only_to_those_holding_their_permission(client):
    approved_award()
    client.force_login(grants_officer())  # may look at awards, may not approve them
    page = client.get("/admin/applications/award/").content.decode()
    assert 'value="approve_selected"' not in page and 'value="cancel_selected"' not in page
    client.force_login(finance_officer())
    page = client.get("/admin/applications/award/").content.decode()
    assert 'value="approve_selected"' in page and 'value="cancel_selected"' not in page
    client.force_login(finance_approver())
    assert 'value="cancel_selected"' in client.get("/admin/applications/award/").content.decode()


def test_an_admin_action_posted_without_its_permission_does_nothing(client):
    award = approved_award()
    reader = grants_officer()  # may view awards, may not approve them
    client.force_login(reader)
    client.post("/admin/applications/award/", {"action": "approve_selected", "_selected_action": [award.pk]})
    assert Award.objects.get(pk=award.pk).status == Award.Status.AWAITING_FINANCE


def test_the_admin_cancel_action_asks_for_a_reason_then_cancels(client):
    award = approved_award()
    services.approve_award(award_id=award.pk, by=finance_officer())
    client.force_login(finance_approver())
    chosen = {"action": "cancel_selected", "_selected_action": [award.pk]}
    page = client.post("/admin/applications/award/", chosen).content.decode()
    assert "Why are these awards being cancelled?" in page
    assert Award.objects.get(pk=award.pk).status == Award.Status.COMMITTED

    page = client.post("/admin/applications/award/", {**chosen, "apply": "1", "reason": ""}).content.decode()
    assert "Give the reason for cancelling the awards" in page
    client.post("/admin/applications/award/", {**chosen, "apply": "1", "reason": "Duplicate award"})
    award.refresh_from_db()
    assert award.status == Award.Status.CANCELLED and award.cancel_reason == "Duplicate award"


# Closed years


def _close(year: FinancialYear) -> None:
    FinancialYear.objects.filter(pk=year.pk).update(closed_at=timezone.now())


def test_an_award_approved_after_its_year_closed_is_committed_in_the_open_year():
    round_ = RoundFactory()
    old_line = area_line(round_, amount="5000")
    award = approved_award(round_=round_, amount=Decimal("1000"), line=old_line)
    _close(round_.budget.year)
    open_budget = BudgetFactory(
        stream=round_.budget.stream, year=FinancialYearFactory(start_year=2026), pot=Decimal("50000")
    )
    open_line = BudgetLine.objects.create(
        budget=open_budget, kind=BudgetLine.Kind.AREA, area=old_line.area, name=old_line.name, amount=5000
    )

    services.approve_award(award_id=award.pk, by=finance_officer(), today=datetime.date(2026, 11, 30))

    award.refresh_from_db()
    assert award.status == Award.Status.COMMITTED and award.line == open_line
    assert award.commitment.line == open_line and line_committed(old_line.pk) == 0
    [moved] = [e for e in trail_of(award) if e.action == "award.line_changed"]
    assert (
        moved.note
        == f"2024/25 is closed, so the award is committed against {old_line.name} in 2026/27 instead."
    )


def test_an_award_whose_year_closed_is_refused_when_the_open_year_has_no_such_line():
    round_ = RoundFactory()
    line = area_line(round_, amount="5000")
    award = approved_award(round_=round_, amount=Decimal("1000"), line=line)
    _close(round_.budget.year)
    with pytest.raises(services.AwardError) as refused:
        services.approve_award(award_id=award.pk, by=finance_officer(), today=datetime.date(2026, 11, 30))
    assert "2024/25 is closed" in str(refused.value)
    assert f"no line like “{line.name}”" in str(refused.value) and "2026/27" in str(refused.value)
    award.refresh_from_db()
    assert award.status == Award.Status.AWAITING_FINANCE and award.line == line
    assert not Commitment.objects.exists()
