"""Transfers and top-ups with rules: a source's money funds only what its terms allow, a transfer never leaves the
source over-allocated, and a large one needs a PCC decision and a second, different approver."""

from decimal import Decimal

import pytest

from audit.models import AuditEvent
from funds import selectors, services
from funds.models import Budget, BudgetEntry, FundingSource, FundingStream, Purpose, TransferRequest
from tests.factories import BudgetFactory, FundingStreamFactory, UserFactory
from tests.funds.people import finance_approver, finance_officer

pytestmark = pytest.mark.django_db


def _made_decision(number: str = "PCC/2024/010"):
    return services.record_decision(number=number, title="Transfer", status="made", public_summary="")


def _room(budget: Budget, amount: Decimal) -> None:
    """Cut the budget's biggest line so `amount` of its pot is unallocated."""
    line = budget.lines.order_by("-amount").first()
    line.amount -= amount
    services.save_line(line=line)


def test_ministry_of_justice_victims_money_cannot_move_to_the_helping_communities_fund(demo_data):
    victims = Budget.objects.get(stream__slug="victims-fund")
    hcf = Budget.objects.get(stream__slug="helping-communities-fund")
    _room(victims, Decimal("5000"))
    with pytest.raises(services.BudgetRuleError) as refused:
        services.transfer_between_budgets(
            from_budget_id=victims.pk, to_budget_id=hcf.pk, amount=Decimal("5000"), note="Moved"
        )
    assert str(refused.value) == (
        "Ministry of Justice money may only fund victims' services, so it cannot go from Victims Fund 2024/25 "
        "to Helping Communities Fund 2024/25 (community grants)."
    )
    idva = Budget.objects.get(stream__slug="idva-isva")
    services.transfer_between_budgets(from_budget_id=victims.pk, to_budget_id=idva.pk, amount=Decimal("5000"))
    assert selectors.budget_totals(victims.pk).unallocated == Decimal("0.00")


def test_proceeds_of_crime_money_cannot_pay_for_police_officers_in_a_transfer_or_a_top_up(demo_data):
    hcf = Budget.objects.get(stream__slug="helping-communities-fund")
    poca = FundingSource.objects.get(kind="poca")
    officers = BudgetFactory(
        year=hcf.year,
        stream=FundingStreamFactory(name="Neighbourhood officers", purpose=Purpose.POLICE_OFFICERS),
    )
    hcf_line = hcf.lines.get(name="LPA Reserve")
    hcf_line.amount -= 100
    services.save_line(line=hcf_line)
    with pytest.raises(
        services.BudgetRuleError, match=r"^Proceeds of Crime Act money may not fund police officers"
    ):
        services.transfer_between_budgets(
            from_budget_id=hcf.pk, to_budget_id=officers.pk, amount=Decimal("100")
        )
    with pytest.raises(
        services.BudgetRuleError,
        match=r"^Proceeds of Crime Act money may not fund police officers, so it cannot go into Neighbourhood",
    ):
        services.add_to_pot(budget_id=officers.pk, amount=Decimal("100"), kind="top_up", source=poca)
    assert not BudgetEntry.objects.filter(budget=officers).exists()


def test_the_demo_streams_and_sources_carry_their_purposes_and_terms(demo_data):
    assert dict(FundingStream.objects.values_list("slug", "purpose")) == {
        "helping-communities-fund": "community_grants",
        "prevention-and-intervention": "prevention",
        "community-safety-fund": "community_safety",
        "victims-fund": "victims_services",
        "idva-isva": "victims_services",
    }
    assert FundingSource.objects.get(kind="moj").describe_terms() == "Only victims' services"
    assert FundingSource.objects.get(kind="poca").describe_terms() == "Anything but police officers"


def test_the_over_allocated_transfer_from_prevention_and_intervention_is_refused_naming_the_shortfall(
    demo_data,
):
    source = Budget.objects.get(stream__slug="prevention-and-intervention")
    target = Budget.objects.get(stream__slug="helping-communities-fund")
    allocated = selectors.budget_totals(source.pk).allocated
    with pytest.raises(services.BudgetRuleError) as refused:
        services.transfer_between_budgets(
            from_budget_id=source.pk,
            to_budget_id=target.pk,
            amount=Decimal("15418"),
            decision=_made_decision(),
            countersigned_by=finance_approver(),
        )
    assert str(refused.value).startswith(
        "Moving £15,418 would leave Prevention and Intervention 2024/25 over-allocated by £15,418: its lines add "
        f"up to £{allocated:,.0f}"
    )


def test_a_transfer_or_top_up_over_the_threshold_needs_a_made_pcc_decision():
    source, target = BudgetFactory(pot=Decimal("50000")), BudgetFactory(pot=Decimal("1"))
    with pytest.raises(
        services.BudgetRuleError,
        match=r"^A transfer of £10,000.01 is over £10,000, so it needs a PCC decision\. ",
    ):
        services.transfer_between_budgets(
            from_budget_id=source.pk, to_budget_id=target.pk, amount=Decimal("10000.01")
        )
    draft = services.record_decision(number="D-1", title="Draft", status="draft", public_summary="")
    with pytest.raises(services.BudgetRuleError, match=r"^PCC Decision D-1 is still a draft"):
        services.add_to_pot(budget_id=target.pk, amount=Decimal("20000"), kind="top_up", decision=draft)
    with pytest.raises(services.BudgetRuleError, match=r"^A top-up of £20,000 is over £10,000"):
        services.add_to_pot(budget_id=target.pk, amount=Decimal("20000"), kind="top_up")
    services.add_to_pot(
        budget_id=target.pk, amount=Decimal("20000"), kind="top_up", decision=_made_decision()
    )
    services.transfer_between_budgets(
        from_budget_id=source.pk, to_budget_id=target.pk, amount=Decimal("10000")
    )
    assert selectors.budget_totals(target.pk).pot == Decimal("30001.00")


def test_a_transfer_at_or_under_the_second_signature_threshold_is_made_at_once_for_the_person_asking():
    source, target = BudgetFactory(pot=Decimal("50000")), BudgetFactory(pot=Decimal("1"))
    officer = finance_officer()
    request = services.request_transfer(
        from_budget_id=source.pk, to_budget_id=target.pk, amount=Decimal("10000"), note="In-year", by=officer
    )
    assert request.status == TransferRequest.Status.APPROVED
    assert BudgetEntry.objects.filter(transfer_reference=request.transfer_reference).count() == 2


def test_a_large_transfer_waits_for_a_different_countersigner_and_records_both_names():
    source, target = BudgetFactory(pot=Decimal("50000")), BudgetFactory(pot=Decimal("1"))
    asker = finance_approver(full_name="Asha Asker")
    request = services.request_transfer(
        from_budget_id=source.pk,
        to_budget_id=target.pk,
        amount=Decimal("20000"),
        decision=_made_decision(),
        note="Victims' services demand",
        by=asker,
    )
    assert request.status == TransferRequest.Status.PENDING
    assert not BudgetEntry.objects.filter(kind="transfer_out").exists()

    with pytest.raises(
        services.BudgetRuleError, match=r"^The person who asked for a transfer cannot also give"
    ):
        services.approve_transfer(request_id=request.pk, by=asker)
    with pytest.raises(
        services.NotPermitted, match=r"^You do not have permission to give the second signature"
    ):
        services.approve_transfer(request_id=request.pk, by=finance_officer())
    with pytest.raises(
        services.BudgetRuleError, match=r"needs a second signature from a different finance approver"
    ):
        services.transfer_between_budgets(
            from_budget_id=source.pk,
            to_budget_id=target.pk,
            amount=Decimal("20000"),
            decision=request.decision,
            note="around the request",
            by=asker,
        )

    with pytest.raises(
        services.BudgetRuleError, match=r"^The person who asked for a transfer cannot also give"
    ):
        services.transfer_between_budgets(
            from_budget_id=source.pk,
            to_budget_id=target.pk,
            amount=Decimal("20000"),
            decision=request.decision,
            note="signed by myself",
            by=asker,
            countersigned_by=asker,
        )

    signer = finance_approver(full_name="Sam Signer")
    services.approve_transfer(request_id=request.pk, by=signer, note="Checked against the decision")

    request.refresh_from_db()
    assert (request.status, request.decided_by) == (TransferRequest.Status.APPROVED, signer)
    entries = BudgetEntry.objects.filter(transfer_reference=request.transfer_reference)
    assert {(e.created_by, e.countersigned_by) for e in entries} == {(asker, signer)}
    event = AuditEvent.objects.get(action="budget.transfer")
    assert (event.after["asked_by"], event.after["countersigned_by"], event.after["amount"]) == (
        "Asha Asker",
        "Sam Signer",
        "20000.00",
    )
    with pytest.raises(
        services.BudgetRuleError, match=r"^This transfer has already been approved and made\.$"
    ):
        services.approve_transfer(request_id=request.pk, by=finance_approver())


def test_a_refused_transfer_moves_nothing_and_keeps_the_reason():
    source, target = BudgetFactory(pot=Decimal("50000")), BudgetFactory(pot=Decimal("1"))
    request = services.request_transfer(
        from_budget_id=source.pk,
        to_budget_id=target.pk,
        amount=Decimal("20000"),
        decision=_made_decision(),
        note="Asked",
        by=finance_officer(),
    )
    services.refuse_transfer(request_id=request.pk, by=finance_approver(), reason="Wait for the outturn")
    request.refresh_from_db()
    assert (request.status, request.decision_note) == (TransferRequest.Status.REFUSED, "Wait for the outturn")
    assert selectors.budget_totals(target.pk).pot == Decimal("1.00")


def test_a_transfer_that_could_never_be_made_is_refused_when_it_is_asked_for():
    source, target = BudgetFactory(pot=Decimal("50000")), BudgetFactory(pot=Decimal("1"))
    with pytest.raises(services.BudgetRuleError, match="needs a PCC decision"):
        services.request_transfer(
            from_budget_id=source.pk,
            to_budget_id=target.pk,
            amount=Decimal("20000"),
            note="x",
            by=finance_officer(),
        )
    assert not TransferRequest.objects.exists()


def test_people_must_hold_the_transfer_permission_and_give_a_reason():
    source, target = BudgetFactory(pot=Decimal("50000")), BudgetFactory(pot=Decimal("1"))
    grants_officer = UserFactory(is_staff=True)
    with pytest.raises(
        services.NotPermitted, match=r"^You do not have permission to move money between budgets\.$"
    ):
        services.request_transfer(
            from_budget_id=source.pk, to_budget_id=target.pk, amount=Decimal("1"), note="x", by=grants_officer
        )
    with pytest.raises(
        services.NotPermitted, match=r"^You do not have permission to change a budget's pot\.$"
    ):
        services.add_to_pot(budget_id=source.pk, amount=Decimal("1"), note="x", by=grants_officer)
    with pytest.raises(services.BudgetRuleError, match=r"^Say why the money is moving\.$"):
        services.request_transfer(
            from_budget_id=source.pk,
            to_budget_id=target.pk,
            amount=Decimal("1"),
            note=" ",
            by=finance_officer(),
        )
    with pytest.raises(services.BudgetRuleError, match=r"^Say why the pot is changing\.$"):
        services.add_to_pot(budget_id=source.pk, amount=Decimal("1"), by=finance_officer())
    assert selectors.budget_totals(target.pk).pot == Decimal("1.00")
