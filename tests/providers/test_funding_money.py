"""A commissioned service's money after it is funded (providers.funding): funding over years all or nothing, varying
with the schedule re-profiled, the underspend released at the contract's end, money repaid, carrying forward with the
schedule, the quarterly schedule itself, and the funding admin's actions that call them."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEvent
from funds import selectors
from funds import services as funds
from funds.models import BudgetLine, Commitment, CommitmentChange, Decision, FinancialYear, Payment
from providers import claims, funding
from providers.models import PaymentScheduleItem, ServiceFunding
from providers.services import FundingRuleError, fund_service
from tests.factories import BudgetFactory, BudgetLineFactory, FinancialYearFactory, UserFactory
from tests.funds.people import person_with
from tests.providers.factories import MembershipFactory, ServiceFactory

pytestmark = pytest.mark.django_db

FINANCE = (
    "providers.fund_service",
    "providers.view_servicefunding",
    "providers.view_service",
    "funds.vary_commitment",
    "funds.record_payment",
)
APPROVER = (*FINANCE, "funds.carry_forward_commitment")
RUNS = [
    datetime.date(2024, 7, 15),
    datetime.date(2024, 10, 15),
    datetime.date(2025, 1, 15),
    datetime.date(2025, 3, 14),
]


@pytest.fixture
def finance():
    return person_with(*FINANCE, email="finance.officer@opcc.example")


@pytest.fixture
def approver():
    return person_with(*APPROVER, email="finance.approver@opcc.example")


@pytest.fixture
def line():
    year = FinancialYearFactory(start_year=2024)
    return BudgetLineFactory(
        name="Domestic Abuse (DA)",
        amount=Decimal("100000"),
        budget=BudgetFactory(year=year, pot=Decimal("200000")),
    )


@pytest.fixture
def service(line):
    return ServiceFactory(
        name="Refuge support", start_year=line.budget.year, end_year=FinancialYearFactory(start_year=2025)
    )


def _funded(service, line, amount="40000"):
    return fund_service(service=service, line_id=line.pk, amount=Decimal(amount))


def _scheduled(service, line, amount="40000"):
    f = _funded(service, line, amount)
    funding.make_schedule(funding_id=f.pk, by=None)
    return f


def _pay(f, quarters, by):
    """Pay the first `quarters` instalments, each in its payment run; those already paid are left as they are."""
    for item, paid_on in zip(_items(f)[:quarters], RUNS, strict=False):
        if item.payment_id is None:
            claims.pay_scheduled_item(item_id=item.pk, paid_on=paid_on, reference=f"PR-{paid_on}", by=by)


def _items(f):
    return list(PaymentScheduleItem.objects.filter(funding_id=f.pk).order_by("due_on", "pk"))


def _amounts(f):
    return [item.amount for item in _items(f)]


def _fresh(f):
    return ServiceFunding.objects.select_related("commitment").get(pk=f.pk)


def _in_step(f):
    f = _fresh(f)
    assert f.amount == f.commitment.amount
    return f


def _next_year(line):
    """2025/26's structure, rolled forward: the same line at £0."""
    funds.roll_forward_year(year_id=line.budget.year_id, by=None)
    return BudgetLine.objects.get(budget__year__start_year=2025, name=line.name)


def _decision(number="12/2025", status=Decision.Status.MADE):
    return Decision.objects.create(number=number, title="Refuge support variation", status=status)


# --- The schedule ------------------------------------------------------------------------------------------------


def test_a_quarterly_schedule_is_four_instalments_in_arrears_split_to_the_penny(service, line, finance):
    f = _funded(service, line, "1000.03")
    funding.make_schedule(funding_id=f.pk, by=finance)
    items = _items(f)
    assert [i.due_on for i in items] == [
        datetime.date(2024, 7, 1),
        datetime.date(2024, 10, 1),
        datetime.date(2025, 1, 1),
        datetime.date(2025, 3, 31),
    ]
    assert [i.amount for i in items] == [Decimal("250.00")] * 3 + [Decimal("250.03")]
    assert {i.service_id for i in items} == {service.pk} and all(i.payment_id is None for i in items)
    assert AuditEvent.objects.get(action="service_funding.scheduled").actor == finance


def test_a_monthly_schedule_is_twelve_instalments_that_add_up(service, line, finance):
    f = _funded(service, line, "10000")
    funding.make_schedule(funding_id=f.pk, by=finance, quarterly=False)
    assert len(_items(f)) == 12 and sum(_amounts(f)) == Decimal("10000")
    assert _items(f)[0].due_on == datetime.date(2024, 5, 1) and _items(f)[-1].due_on == datetime.date(
        2025, 3, 31
    )


def test_a_funding_is_scheduled_once(service, line, finance):
    f = _scheduled(service, line)
    with pytest.raises(FundingRuleError, match="already has instalments"):
        funding.make_schedule(funding_id=f.pk, by=finance)
    assert len(_items(f)) == 4


# --- Who may, and why --------------------------------------------------------------------------------------------


def _every_change(f, line, by):
    return {
        "vary": lambda: funding.vary_funding(
            funding_id=f.pk, new_amount=Decimal("45000"), by=by, reason="More"
        ),
        "underspend": lambda: funding.release_funding_underspend(funding_id=f.pk, by=by, reason="Ended"),
        "repay": lambda: funding.record_funding_repayment(
            funding_id=f.pk,
            amount=Decimal("100"),
            received_on=datetime.date(2024, 8, 1),
            reference="REM-1",
            by=by,
            reason="Unspent",
        ),
        "carry": lambda: funding.carry_funding_forward(funding_id=f.pk, by=by, reason="Late start"),
        "schedule": lambda: funding.make_schedule(funding_id=f.pk, by=by),
        "fund": lambda: funding.fund_service_over_years(
            service_id=f.service_id, profile=[(line.pk, Decimal("10"))], by=by
        ),
    }


@pytest.mark.parametrize("change", ["vary", "underspend", "repay", "carry", "schedule", "fund"])
def test_only_people_who_fund_services_may_change_a_service_s_money(service, line, finance, change):
    f = _funded(service, line)
    _pay_first_quarter_by_hand(f, finance)
    commissioner = person_with(
        "providers.change_service", "funds.vary_commitment", "funds.carry_forward_commitment"
    )
    before = _snapshot(f)
    with pytest.raises(FundingRuleError, match="You do not have permission"):
        _every_change(f, line, commissioner)[change]()
    assert _snapshot(f) == before


@pytest.mark.parametrize("change", ["vary", "underspend", "repay", "carry"])
def test_funding_a_service_is_not_enough_without_funds_own_permission(service, line, change):
    f = _funded(service, line)
    _pay_first_quarter_by_hand(f, person_with("funds.record_payment"))
    _next_year(line)
    only_funds_services = person_with("providers.fund_service")
    before = _snapshot(f)
    with pytest.raises(funds.NotPermitted):
        _every_change(f, line, only_funds_services)[change]()
    assert _snapshot(f) == before


@pytest.mark.parametrize("change", ["vary", "underspend", "repay", "carry"])
def test_a_person_always_says_why(service, line, approver, change):
    f = _funded(service, line)
    _pay_first_quarter_by_hand(f, approver)
    _next_year(line)
    calls = {
        "vary": lambda: funding.vary_funding(
            funding_id=f.pk, new_amount=Decimal("45000"), by=approver, reason=" "
        ),
        "underspend": lambda: funding.release_funding_underspend(funding_id=f.pk, by=approver, reason=""),
        "repay": lambda: funding.record_funding_repayment(
            funding_id=f.pk,
            amount=Decimal("100"),
            received_on=datetime.date(2024, 8, 1),
            reference="REM-1",
            by=approver,
            reason="",
        ),
        "carry": lambda: funding.carry_funding_forward(funding_id=f.pk, by=approver, reason=""),
    }
    before = _snapshot(f)
    with pytest.raises(funds.BudgetRuleError, match="Say why"):
        calls[change]()
    assert _snapshot(f) == before


def _pay_first_quarter_by_hand(f, by):
    funds.record_payment(
        commitment_id=f.commitment_id, amount=Decimal("10000"), paid_on=RUNS[0], reference="PR-1", by=by
    )


def _snapshot(f):
    return (
        sorted(ServiceFunding.objects.values_list("pk", "line_id", "amount")),
        sorted(Commitment.objects.values_list("pk", "amount", "released_at")),
        sorted(Payment.objects.values_list("pk", "amount")),
        sorted(PaymentScheduleItem.objects.values_list("pk", "amount", "due_on", "funding_id", "payment_id")),
        sorted(BudgetLine.objects.values_list("pk", "amount")),
        CommitmentChange.objects.count(),
    )


# --- Funding over years ------------------------------------------------------------------------------------------


def test_a_multi_year_contract_commits_each_year_s_share_on_that_year_s_line(service, line, finance):
    later = BudgetLineFactory(
        name="Domestic Abuse (DA)",
        amount=Decimal("50000"),
        budget=BudgetFactory(stream=line.budget.stream, year=service.end_year, pot=Decimal("50000")),
    )
    fundings = funding.fund_service_over_years(
        service_id=service.pk, profile=[(later.pk, Decimal("45000")), (line.pk, Decimal("40000"))], by=finance
    )
    assert [(f.line, f.amount, f.commitment.amount) for f in fundings] == [
        (line, Decimal("40000"), Decimal("40000")),
        (later, Decimal("45000"), Decimal("45000")),
    ]
    assert selectors.line_committed(line.pk) == Decimal("40000")
    assert selectors.line_committed(later.pk) == Decimal("45000")


def test_a_multi_year_contract_is_all_or_nothing_when_one_year_has_no_room(service, line, finance):
    later = BudgetLineFactory(
        name="Domestic Abuse (DA)",
        amount=Decimal("30000"),
        budget=BudgetFactory(stream=line.budget.stream, year=service.end_year, pot=Decimal("50000")),
    )
    before = _snapshot_all()
    with pytest.raises(funds.OverCommitment, match="has £30,000 left to commit"):
        funding.fund_service_over_years(
            service_id=service.pk,
            profile=[(line.pk, Decimal("40000")), (later.pk, Decimal("45000"))],
            by=finance,
        )
    assert _snapshot_all() == before
    assert not service.fundings.exists() and selectors.line_committed(line.pk) == 0


def _snapshot_all():
    return (ServiceFunding.objects.count(), Commitment.objects.count(), AuditEvent.objects.count())


def test_a_multi_year_contract_gives_one_line_a_year_within_the_service_s_years(service, line, finance):
    same_year = BudgetLineFactory(budget=line.budget)
    with pytest.raises(FundingRuleError, match="2024/25 is given twice"):
        funding.fund_service_over_years(
            service_id=service.pk, profile=[(line.pk, Decimal("1")), (same_year.pk, Decimal("1"))], by=finance
        )
    too_late = BudgetLineFactory(budget=BudgetFactory(year=FinancialYearFactory(start_year=2027)))
    with pytest.raises(FundingRuleError, match="runs from 2024/25 to 2025/26"):
        funding.fund_service_over_years(
            service_id=service.pk, profile=[(too_late.pk, Decimal("1"))], by=finance
        )
    assert not service.fundings.exists()


# --- Varying -------------------------------------------------------------------------------------------------------


def test_a_rise_goes_on_the_last_unpaid_instalment_and_the_schedule_still_adds_up(service, line, finance):
    f = _scheduled(service, line)
    _pay(f, 2, finance)
    funding.vary_funding(
        funding_id=f.pk, new_amount=Decimal("47500"), by=finance, reason="Winter refuge places"
    )
    assert _amounts(f) == [Decimal("10000")] * 3 + [Decimal("17500")]
    f = _in_step(f)
    assert f.amount == Decimal("47500") and selectors.line_committed(line.pk) == Decimal("47500")
    change = CommitmentChange.objects.get(commitment_id=f.commitment_id)
    assert (change.kind, change.amount, change.reason, change.created_by) == (
        "variation",
        Decimal("7500"),
        "Winter refuge places",
        finance,
    )


def test_a_cut_comes_off_the_last_unpaid_instalments_first(service, line, finance):
    f = _scheduled(service, line)
    _pay(f, 1, finance)
    funding.vary_funding(
        funding_id=f.pk,
        new_amount=Decimal("25000"),
        by=finance,
        reason="Smaller service",
        decision_id=_decision().pk,
    )
    # £10,000 paid; £15,000 left: Q2 keeps its £10,000, Q3 takes the £5,000 left and Q4 goes.
    assert _amounts(f) == [Decimal("10000"), Decimal("10000"), Decimal("5000")]
    assert sum(_amounts(f)) == _in_step(f).amount == Decimal("25000")


def test_a_rise_when_every_instalment_is_paid_is_a_new_instalment(service, line, finance):
    f = _scheduled(service, line)
    _pay(f, 4, finance)
    funding.vary_funding(funding_id=f.pk, new_amount=Decimal("41000"), by=finance, reason="Extra sessions")
    assert _amounts(f) == [Decimal("10000")] * 4 + [Decimal("1000")]
    assert _items(f)[-1].payment_id is None and _items(f)[-1].due_on == datetime.date(2025, 3, 31)


def test_a_variation_below_what_is_paid_is_refused_and_nothing_changes(service, line, finance):
    f = _scheduled(service, line)
    _pay(f, 2, finance)
    before = _snapshot(f)
    with pytest.raises(funds.BudgetRuleError, match="£20,000 has already been paid"):
        funding.vary_funding(funding_id=f.pk, new_amount=Decimal("15000"), by=finance, reason="Cut")
    assert _snapshot(f) == before


def test_a_variation_below_the_paid_and_claimed_instalments_is_refused(service, line, finance):
    f = _scheduled(service, line)
    _pay(f, 2, finance)
    member = MembershipFactory(provider=service.provider).user
    claims.submit_claim(
        service_id=service.pk,
        funding_id=f.pk,
        amount=Decimal("10000"),
        reported_spend=Decimal("10000"),
        note="",
        by=member,
        schedule_item_id=_items(f)[2].pk,
    )
    before = _snapshot(f)
    with pytest.raises(
        FundingRuleError, match="Instalments of £30,000 from this funding are paid or claimed"
    ):
        funding.vary_funding(
            funding_id=f.pk, new_amount=Decimal("25000"), by=finance, reason="Cut", decision_id=_decision().pk
        )
    assert _snapshot(f) == before


def test_a_variation_over_the_threshold_needs_a_made_pcc_decision(service, line, finance):
    f = _scheduled(service, line)
    with pytest.raises(funds.BudgetRuleError, match="needs a PCC decision"):
        funding.vary_funding(funding_id=f.pk, new_amount=Decimal("60000"), by=finance, reason="Second refuge")
    with pytest.raises(funds.BudgetRuleError, match="still a draft"):
        funding.vary_funding(
            funding_id=f.pk,
            new_amount=Decimal("60000"),
            by=finance,
            reason="Second refuge",
            decision_id=_decision("1/2025", Decision.Status.DRAFT).pk,
        )
    decision = _decision()
    funding.vary_funding(
        funding_id=f.pk,
        new_amount=Decimal("60000"),
        by=finance,
        reason="Second refuge",
        decision_id=decision.pk,
    )
    assert _in_step(f).amount == Decimal("60000") and sum(_amounts(f)) == Decimal("60000")
    assert CommitmentChange.objects.get(commitment_id=f.commitment_id).decision == decision


def test_a_rise_the_line_cannot_cover_is_refused(service, line, finance):
    f = _scheduled(service, line, "95000")
    before = _snapshot(f)
    with pytest.raises(funds.OverCommitment):
        funding.vary_funding(funding_id=f.pk, new_amount=Decimal("100000.01"), by=finance, reason="More")
    assert _snapshot(f) == before


# --- The underspend ------------------------------------------------------------------------------------------------


def test_releasing_the_underspend_brings_the_funding_down_to_what_was_paid_and_drops_unpaid_instalments(
    service, line, finance
):
    f = _scheduled(service, line)
    _pay(f, 3, finance)
    paid_items = [i.pk for i in _items(f)[:3]]
    funding.release_funding_underspend(funding_id=f.pk, by=finance, reason="Contract ended; Q4 not delivered")
    assert [i.pk for i in _items(f)] == paid_items
    f = _in_step(f)
    assert f.amount == Decimal("30000") and selectors.line_committed(line.pk) == Decimal("30000")
    change = CommitmentChange.objects.get(commitment_id=f.commitment_id)
    assert (change.kind, change.amount, change.reason) == (
        "underspend",
        Decimal("-10000"),
        "Contract ended; Q4 not delivered",
    )


def test_there_is_no_underspend_to_release_when_nothing_or_everything_was_paid(service, line, finance):
    f = _scheduled(service, line)
    with pytest.raises(FundingRuleError, match="release the funding instead"):
        funding.release_funding_underspend(funding_id=f.pk, by=finance, reason="Ended")
    _pay(f, 4, finance)
    with pytest.raises(FundingRuleError, match="has been paid, so there is no underspend"):
        funding.release_funding_underspend(funding_id=f.pk, by=finance, reason="Ended")
    assert _in_step(f).amount == Decimal("40000")


def test_the_underspend_waits_for_claims_the_office_has_not_dealt_with(service, line, finance):
    f = _scheduled(service, line)
    _pay(f, 1, finance)
    member = MembershipFactory(provider=service.provider).user
    claims.submit_claim(
        service_id=service.pk, funding_id=f.pk, amount=Decimal("500"), reported_spend=None, note="", by=member
    )
    before = _snapshot(f)
    with pytest.raises(FundingRuleError, match="Claims of £500 from this funding are waiting"):
        funding.release_funding_underspend(funding_id=f.pk, by=finance, reason="Ended")
    assert _snapshot(f) == before


# --- Money repaid --------------------------------------------------------------------------------------------------


def test_money_repaid_lowers_the_funding_and_returns_to_the_line(service, line, finance):
    f = _scheduled(service, line)
    _pay(f, 4, finance)
    payment = funding.record_funding_repayment(
        funding_id=f.pk,
        amount=Decimal("2500"),
        received_on=datetime.date(2025, 3, 28),
        reference="REM-2025-03-28",
        by=finance,
        reason="Sessions not delivered",
    )
    assert (payment.kind, payment.amount, payment.paid_on) == (
        "repayment",
        Decimal("-2500"),
        datetime.date(2025, 3, 28),
    )
    f = _in_step(f)
    assert f.amount == Decimal("37500") == selectors.commitment_paid(f.commitment_id)
    assert selectors.line_committed(line.pk) == Decimal("37500")
    assert _amounts(f) == [Decimal("10000")] * 4  # what was paid out stays on the schedule


def test_money_repaid_may_go_to_a_reserve_line_of_the_same_budget(service, line, finance):
    reserve = BudgetLineFactory(budget=line.budget, kind=BudgetLine.Kind.RESERVE, amount=Decimal("0"))
    f = _scheduled(service, line)
    _pay(f, 1, finance)
    funding.record_funding_repayment(
        funding_id=f.pk,
        amount=Decimal("1000"),
        received_on=datetime.date(2024, 8, 1),
        reference="REM-1",
        by=finance,
        reason="Overpaid",
        to_line_id=reserve.pk,
    )
    assert BudgetLine.objects.get(pk=reserve.pk).amount == Decimal("1000")
    assert BudgetLine.objects.get(pk=line.pk).amount == Decimal("99000")


@pytest.mark.parametrize(
    ("amount", "received_on", "message"),
    [
        ("10000.01", datetime.date(2024, 8, 1), "no more than that can be repaid"),
        ("100", datetime.date(2099, 1, 1), "must be today or in the past"),
        ("100", datetime.date(2024, 3, 1), "on or after 1 April 2024"),
    ],
)
def test_a_repayment_of_more_than_was_paid_or_on_an_impossible_date_is_refused(
    service, line, finance, amount, received_on, message
):
    f = _scheduled(service, line)
    _pay(f, 1, finance)
    before = _snapshot(f)
    with pytest.raises(funds.BudgetRuleError, match=message):
        funding.record_funding_repayment(
            funding_id=f.pk,
            amount=Decimal(amount),
            received_on=received_on,
            reference="R",
            by=finance,
            reason="R",
        )
    assert _snapshot(f) == before


def test_repaying_everything_on_a_funding_with_nothing_left_to_pay_is_refused(service, line, finance):
    f = _scheduled(service, line)
    _pay(f, 4, finance)
    before = _snapshot(f)
    with pytest.raises(FundingRuleError, match="the funding would be £0"):
        funding.record_funding_repayment(
            funding_id=f.pk,
            amount=Decimal("40000"),
            received_on=datetime.date(2025, 3, 28),
            reference="R",
            by=finance,
            reason="All of it",
        )
    assert _snapshot(f) == before


# --- Carrying forward ----------------------------------------------------------------------------------------------


def test_carrying_forward_makes_next_year_s_funding_and_moves_the_unpaid_instalments(service, line, approver):
    f = _scheduled(service, line)
    _pay(f, 2, approver)
    unpaid = [i.pk for i in _items(f)[2:]]
    later_line = _next_year(line)
    new = funding.carry_funding_forward(
        funding_id=f.pk, by=approver, reason="Service started late", decision_id=_decision().pk
    )
    assert (new.service, new.line, new.amount) == (service, later_line, Decimal("20000"))
    assert new.commitment.carried_from_id == f.commitment_id and new.commitment.amount == Decimal("20000")
    assert _in_step(f).amount == Decimal("20000")
    moved = _items(new)
    assert [i.pk for i in moved] == unpaid and sum(i.amount for i in moved) == Decimal("20000")
    # Next year's money cannot be paid before next year starts: Q3's 1 January 2025 becomes 1 April 2025.
    assert [i.due_on for i in moved] == [datetime.date(2025, 4, 1), datetime.date(2025, 4, 1)]
    assert len(_items(f)) == 2 and all(i.payment_id for i in _items(f))
    assert BudgetLine.objects.get(pk=later_line.pk).amount == Decimal("20000")


def test_carrying_forward_a_funding_nothing_was_paid_from_moves_all_of_it(service, line, approver):
    f = _scheduled(service, line)
    _next_year(line)
    new = funding.carry_funding_forward(
        funding_id=f.pk, by=approver, reason="Service starts next year", decision_id=_decision().pk
    )
    assert list(service.fundings.all()) == [new] and new.amount == Decimal("40000")
    assert Commitment.objects.get(pk=f.commitment_id).amount == 0
    assert len(_items(new)) == 4


def test_carrying_forward_needs_next_year_s_line_and_a_line_not_already_funding_the_service(
    service, line, approver
):
    f = _scheduled(service, line)
    _pay(f, 1, approver)
    before = _snapshot(f)
    with pytest.raises(funds.BudgetRuleError, match="Roll 2024/25 forward first"):
        funding.carry_funding_forward(funding_id=f.pk, by=approver, reason="Late")
    assert _snapshot(f) == before
    later_line = _next_year(line)
    later_line.amount = Decimal("5000")
    funds.save_line(line=later_line)
    funds.add_to_pot(budget_id=later_line.budget_id, amount=Decimal("5000"), note="2025/26 pot")
    fund_service(service=service, line_id=later_line.pk, amount=Decimal("5000"))
    before = _snapshot(f)
    with pytest.raises(FundingRuleError, match="already funded from Domestic Abuse"):
        funding.carry_funding_forward(funding_id=f.pk, by=approver, reason="Late")
    assert _snapshot(f) == before


# --- The admin -------------------------------------------------------------------------------------------------

ACTIONS = ["vary_funding", "release_underspend", "record_repayment", "carry_forward", "make_schedule"]
CHANGELIST = "admin:providers_servicefunding_changelist"


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_every_action_on_the_funding_admin_declares_a_permission_its_admin_can_check():
    model_admin = admin.site._registry[ServiceFunding]
    actions = model_admin.get_actions(_request(UserFactory(is_staff=True, is_superuser=True)))
    assert set(ACTIONS) <= set(actions)
    for name, action in actions.items():
        permissions = getattr(action.func, "allowed_permissions", ())
        assert permissions, f"{name} declares no permission"
        for permission in permissions:
            assert hasattr(model_admin, f"has_{permission}_permission"), (name, permission)
    assert "delete_selected" not in actions


def test_the_actions_are_offered_only_to_people_holding_their_permissions(finance, approver):
    model_admin = admin.site._registry[ServiceFunding]
    commissioner = person_with("providers.view_servicefunding", "providers.change_service")
    assert not set(ACTIONS) & set(model_admin.get_actions(_request(commissioner)))
    offered = set(model_admin.get_actions(_request(finance)))
    assert set(ACTIONS) - offered == {"carry_forward"}
    assert set(ACTIONS) <= set(model_admin.get_actions(_request(approver)))


def _post(client, action, f, **data):
    return client.post(
        reverse(CHANGELIST), {"action": action, ACTION_CHECKBOX_NAME: [f.pk], **data}, follow=True
    )


def _confirm(client, action, f, **data):
    return _post(client, action, f, confirm="yes", **data)


def _messages(response):
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_asks_first_and_never_fails_with_a_server_error(client, approver, service, line, action):
    f = _scheduled(service, line)
    _pay(f, 1, approver)
    client.force_login(approver)
    asked = _post(client, action, f)
    assert asked.status_code == 200 and 'name="confirm"' in asked.content.decode()
    assert "Refuge support: £40,000 from Domestic Abuse (DA)" in asked.content.decode()
    before = _snapshot(f)
    empty = _confirm(client, action, f)
    assert empty.status_code == 200
    assert _snapshot(f) == before
    garbage = _confirm(
        client,
        action,
        f,
        new_amount="lots",
        amount="12k",
        received_on="31/2/2025",
        reference="x" * 500,
        reason="",
        decision="999999",
        to_line="nope",
        how_often="yearly",
    )
    assert garbage.status_code == 200 and _snapshot(f) == before


def test_varying_in_the_admin_reads_pounds_as_people_type_them(client, finance, service, line):
    f = _scheduled(service, line)
    client.force_login(finance)
    response = _confirm(client, "vary_funding", f, new_amount="£42,500", reason="Extra refuge places")
    assert response.redirect_chain[-1][0].endswith(reverse(CHANGELIST))
    assert "is now £42,500" in " ".join(_messages(response))
    assert _in_step(f).amount == Decimal("42500.00") and sum(_amounts(f)) == Decimal("42500")
    assert AuditEvent.objects.filter(action="commitment.variation", actor=finance).exists()


@pytest.mark.parametrize(
    ("typed", "reason", "error"),
    [
        ("12k", "More", "in full, not abbreviated like 12k"),
        ("-500", "More", "without a minus sign"),
        ("0", "More", "Enter an amount greater than 0"),
        ("", "More", "Enter the new amount of the funding"),
        ("42500", "   ", "Say why the funding is being varied"),
    ],
)
def test_varying_in_the_admin_refuses_bad_input_on_its_page_and_changes_nothing(
    client, finance, service, line, typed, reason, error
):
    f = _scheduled(service, line)
    client.force_login(finance)
    before = _snapshot(f)
    response = _confirm(client, "vary_funding", f, new_amount=typed, reason=reason)
    assert response.status_code == 200 and error in response.content.decode()
    assert _snapshot(f) == before


def test_a_variation_the_services_refuse_is_an_error_message_and_changes_nothing(
    client, finance, service, line
):
    f = _scheduled(service, line)
    _pay(f, 2, finance)
    client.force_login(finance)
    before = _snapshot(f)
    response = _confirm(client, "vary_funding", f, new_amount="12,500.00", reason="Cut")
    assert response.status_code == 200
    assert any("£20,000 has already been paid" in m for m in _messages(response))
    assert _snapshot(f) == before
    response = _confirm(client, "vary_funding", f, new_amount="95,000", reason="Second refuge")
    assert any("needs a PCC decision" in m for m in _messages(response))
    assert _snapshot(f) == before


def test_varying_two_fundings_at_once_is_refused(client, finance, service, line):
    f = _scheduled(service, line)
    other = _scheduled(ServiceFactory(start_year=line.budget.year), line, "1000")
    client.force_login(finance)
    response = client.post(
        reverse(CHANGELIST),
        {
            "action": "vary_funding",
            ACTION_CHECKBOX_NAME: [f.pk, other.pk],
            "confirm": "yes",
            "new_amount": "1",
            "reason": "x",
        },
        follow=True,
    )
    assert "Choose one funding to vary at a time." in _messages(response)
    assert _fresh(f).amount == Decimal("40000") and _fresh(other).amount == Decimal("1000")


def test_recording_money_repaid_in_the_admin_reads_the_date_and_the_amount(client, finance, service, line):
    f = _scheduled(service, line)
    _pay(f, 4, finance)
    client.force_login(finance)
    response = _confirm(
        client,
        "record_repayment",
        f,
        amount="2,500.00",
        received_on="28/3/2025",
        reference="REM-2025-03-28",
        reason="Sessions not delivered",
    )
    assert any("£2,500 repaid" in m for m in _messages(response))
    repayment = Payment.objects.get(kind="repayment")
    assert (repayment.amount, repayment.paid_on, repayment.reference) == (
        Decimal("-2500.00"),
        datetime.date(2025, 3, 28),
        "REM-2025-03-28",
    )
    assert _in_step(f).amount == Decimal("37500")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"received_on": "31/2/2025"}, "Enter the date received as a real date"),
        ({"received_on": ""}, "Enter the date the money was received"),
        ({"amount": "£2.5k"}, "not abbreviated like 12k"),
        ({"reference": ""}, "Enter the reference of the repayment"),
        ({"reason": ""}, "Say why the money was repaid"),
    ],
)
def test_recording_money_repaid_refuses_bad_input_on_its_page(client, finance, service, line, data, error):
    f = _scheduled(service, line)
    _pay(f, 4, finance)
    client.force_login(finance)
    before = _snapshot(f)
    typed = {"amount": "2500", "received_on": "28/3/2025", "reference": "REM", "reason": "Unspent", **data}
    response = _confirm(client, "record_repayment", f, **typed)
    assert response.status_code == 200 and error in response.content.decode()
    assert _snapshot(f) == before


def test_a_repayment_dated_in_the_future_is_an_error_message(client, finance, service, line):
    f = _scheduled(service, line)
    _pay(f, 4, finance)
    client.force_login(finance)
    before = _snapshot(f)
    response = _confirm(
        client, "record_repayment", f, amount="100", received_on="1/1/2099", reference="REM", reason="Unspent"
    )
    assert any("must be today or in the past" in m for m in _messages(response))
    assert _snapshot(f) == before


def test_releasing_the_underspend_and_carrying_forward_from_the_admin(client, approver, service, line):
    f = _scheduled(service, line)
    other = _scheduled(ServiceFactory(start_year=line.budget.year, name="Outreach"), line, "20000")
    _pay(f, 3, approver)
    _pay(other, 2, approver)
    _next_year(line)
    client.force_login(approver)
    response = _confirm(client, "release_underspend", f, reason="Contract ended")
    assert "Released the underspend for 1 funding." in _messages(response)
    assert _in_step(f).amount == Decimal("30000") and len(_items(f)) == 3
    response = _confirm(client, "carry_forward", other, reason="Outreach started late")
    assert "Carried the unpaid money into next year for 1 funding." in _messages(response)
    new = ServiceFunding.objects.get(service=other.service, line__budget__year__start_year=2025)
    assert new.amount == Decimal("10000") and len(_items(new)) == 2
    # Again: refused as a message, nothing changes.
    before = _snapshot(f)
    response = _confirm(client, "carry_forward", other, reason="Again")
    assert any("already been carried forward" in m or "already funded" in m for m in _messages(response))
    assert _snapshot(f) == before


def test_making_a_schedule_from_the_admin_and_a_second_one_is_refused(client, finance, service, line):
    f = _funded(service, line, "1000.02")
    client.force_login(finance)
    response = _confirm(client, "make_schedule", f, how_often="quarterly")
    assert "Made the payment schedule for 1 funding." in _messages(response)
    assert _amounts(f) == [Decimal("250.00")] * 3 + [Decimal("250.02")]
    response = _confirm(client, "make_schedule", f, how_often="quarterly")
    assert any("already has instalments" in m for m in _messages(response))
    assert len(_items(f)) == 4


def test_the_funding_and_service_pages_show_committed_paid_unpaid_and_every_change_with_its_reason(
    client, approver, service, line
):
    f = _scheduled(service, line)
    _pay(f, 2, approver)
    funding.vary_funding(
        funding_id=f.pk, new_amount=Decimal("44000"), by=approver, reason="Winter refuge places"
    )
    _pay(f, 3, approver)
    funding.record_funding_repayment(
        funding_id=f.pk,
        amount=Decimal("1000"),
        received_on=datetime.date(2025, 2, 1),
        reference="REM-1",
        by=approver,
        reason="Q2 overpaid",
    )
    funding.release_funding_underspend(funding_id=f.pk, by=approver, reason="Contract ended early")
    client.force_login(approver)
    listing = client.get(reverse(CHANGELIST)).content.decode()
    page = client.get(reverse("admin:providers_servicefunding_change", args=[f.pk])).content.decode()
    for shown in (listing, page):
        assert "£29,000" in shown  # committed and paid: three lots of £10,000 less £1,000 repaid
        assert "Variation of +£4,000" in shown and "Winter refuge places" in shown
        assert "Money repaid of -£1,000" in shown and "Q2 overpaid" in shown
        assert "Underspend released of -£14,000" in shown and "Contract ended early" in shown
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    service_page = client.get(reverse("admin:providers_service_change", args=[service.pk])).content.decode()
    assert "Winter refuge places" in service_page and "£29,000" in service_page


def test_a_carried_funding_says_where_it_came_from(client, approver, service, line):
    f = _scheduled(service, line)
    _pay(f, 2, approver)
    _next_year(line)
    new = funding.carry_funding_forward(
        funding_id=f.pk, by=approver, reason="Late start", decision_id=_decision().pk
    )
    client.force_login(approver)
    old_page = client.get(reverse("admin:providers_servicefunding_change", args=[f.pk])).content.decode()
    new_page = client.get(reverse("admin:providers_servicefunding_change", args=[new.pk])).content.decode()
    assert "Carried forward of -£20,000" in old_page and "Late start" in old_page
    assert "Carried forward from Domestic Abuse (DA)" in new_page and "2024/25" in new_page
    assert FinancialYear.objects.filter(start_year=2025).exists()


def test_the_service_page_links_to_a_list_of_its_own_fundings_with_the_actions(
    client, approver, service, line
):
    f = _scheduled(service, line)
    other = _scheduled(ServiceFactory(start_year=line.budget.year, name="Outreach"), line, "1000")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:providers_service_change", args=[service.pk])).content.decode()
    link = f"{reverse(CHANGELIST)}?service__id__exact={service.pk}"
    assert f'href="{link}"' in page
    client.force_login(approver)
    listing = client.get(link)
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [f] and other not in listing.context["cl"].result_list
    assert 'value="vary_funding"' in listing.content.decode()


def test_the_funding_list_reads_as_many_queries_for_many_fundings_as_for_few(client, approver, line):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(approver)
    counts = []
    for _ in range(2):
        for _ in range(3):
            f = _scheduled(ServiceFactory(start_year=line.budget.year), line, "1000")
            _pay(f, 1, approver)
            funding.vary_funding(funding_id=f.pk, new_amount=Decimal("1100"), by=approver, reason="More")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(CHANGELIST)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_rolling_a_year_forward_shows_how_many_budgets_and_lines_it_made_in_the_audit_trail(line):
    from reports.audit_trail import describe

    for n in range(5):
        BudgetLineFactory(budget=line.budget, name=f"Line to roll {n}")
    funds.roll_forward_year(year_id=line.budget.year_id, by=None, reason="Year end")
    event = AuditEvent.objects.select_related("actor", "content_type").get(action="year.rolled_forward")
    changes = {change.label: change.after for change in describe([event])[0].changes}
    assert (changes["Budgets made"], changes["Lines made"]) == ("1", "6")
