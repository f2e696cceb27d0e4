import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.selectors import status_changes_of
from funds.services import OverCommitment
from providers import selectors, services
from providers.models import MonitoringReturn
from providers.workflow import STATUS_CHANGED
from tests.factories import BudgetFactory, BudgetLineFactory
from tests.providers.conftest import fill_and_send
from tests.providers.factories import ServiceFactory

S = MonitoringReturn.Status
ON_TIME = timezone.make_aware(datetime.datetime(2024, 7, 15, 10, 0))
LATE = timezone.make_aware(datetime.datetime(2024, 7, 23, 9, 0))


def test_a_return_is_prepared_signed_off_by_someone_else_and_accepted(side_a, reviewer):
    fill_and_send(side_a)
    services.sign_off_and_submit(return_id=side_a.ret.pk, by=side_a.signatory, now=ON_TIME)
    services.accept(return_id=side_a.ret.pk, by=reviewer)
    ret = MonitoringReturn.objects.get(pk=side_a.ret.pk)
    assert ret.status == S.ACCEPTED
    assert (ret.prepared_by, ret.signed_off_by, ret.late) == (side_a.preparer, side_a.signatory, False)
    moves = status_changes_of(ret, action=STATUS_CHANGED)
    assert [(m.from_status, m.to_status, m.by.email) for m in moves] == [
        (S.NOT_STARTED, S.DRAFT, side_a.preparer.email),
        (S.DRAFT, S.AWAITING_SIGN_OFF, side_a.preparer.email),
        (S.AWAITING_SIGN_OFF, S.SUBMITTED, side_a.signatory.email),
        (S.SUBMITTED, S.ACCEPTED, reviewer.email),
    ]


def test_nobody_signs_off_a_return_they_prepared(side_a):
    side_a.preparer.provider_memberships.update(role="signatory")
    fill_and_send(side_a)
    with pytest.raises(services.ReturnRuleError, match="someone else at your organisation must sign it off"):
        services.sign_off_and_submit(return_id=side_a.ret.pk, by=side_a.preparer, now=ON_TIME)


def test_a_contributor_cannot_sign_off(side_a):
    side_a.signatory.provider_memberships.update(role="contributor")
    fill_and_send(side_a)
    with pytest.raises(services.ReturnRuleError, match="Only a signatory"):
        services.sign_off_and_submit(return_id=side_a.ret.pk, by=side_a.signatory, now=ON_TIME)


def test_someone_at_another_provider_cannot_sign_off(side_a, side_b):
    fill_and_send(side_a)
    with pytest.raises(services.ReturnRuleError, match="Only people at the provider"):
        services.sign_off_and_submit(return_id=side_a.ret.pk, by=side_b.signatory, now=ON_TIME)


def test_a_late_return_is_accepted_and_marked_late(side_a):
    fill_and_send(side_a)
    ret = services.sign_off_and_submit(return_id=side_a.ret.pk, by=side_a.signatory, now=LATE)
    assert ret.status == S.SUBMITTED and ret.late is True


def test_a_return_submitted_on_its_due_date_is_not_late(side_a):
    fill_and_send(side_a)
    due_evening = timezone.make_aware(datetime.datetime(2024, 7, 22, 23, 30))
    assert (
        services.sign_off_and_submit(return_id=side_a.ret.pk, by=side_a.signatory, now=due_evening).late
        is False
    )


def test_a_return_cannot_be_submitted_before_its_window_opens(side_a):
    fill_and_send(side_a)
    early = timezone.make_aware(datetime.datetime(2024, 6, 20, 9, 0))
    with pytest.raises(services.ReturnRuleError, match="can be submitted from 1 July 2024"):
        services.sign_off_and_submit(return_id=side_a.ret.pk, by=side_a.signatory, now=early)


def test_an_incomplete_return_cannot_go_for_sign_off(side_a):
    services.save_figures(
        return_id=side_a.ret.pk, values={"m_new_victims": 4}, option_counts={}, by=side_a.preparer
    )
    with pytest.raises(services.IncompleteReturn) as refused:
        services.send_for_sign_off(return_id=side_a.ret.pk, by=side_a.preparer)
    assert "Enter a figure for Existing victims supported" in [p.message for p in refused.value.problems]


def test_changes_requested_are_made_and_resubmitted_keeping_the_first_lateness(side_a, reviewer):
    fill_and_send(side_a)
    services.sign_off_and_submit(return_id=side_a.ret.pk, by=side_a.signatory, now=ON_TIME)
    with pytest.raises(services.ReturnRuleError, match="Say what the provider needs to change"):
        services.request_changes(return_id=side_a.ret.pk, by=reviewer, comment="  ")
    services.request_changes(return_id=side_a.ret.pk, by=reviewer, comment="Cases closed looks too low")
    fill_and_send(side_a)
    ret = services.sign_off_and_submit(return_id=side_a.ret.pk, by=side_a.signatory, now=LATE)
    assert ret.status == S.SUBMITTED
    assert ret.late is False, "resubmitting after a change request does not make an on-time return late"
    assert ret.submitted_at == LATE and ret.first_submitted_at == ON_TIME
    [comment] = [
        m.reason for m in status_changes_of(ret, action=STATUS_CHANGED) if m.to_status == S.CHANGES_REQUESTED
    ]
    assert comment == "Cases closed looks too low"


def test_reopening_an_accepted_return_is_recorded_with_who_and_why(side_a, reviewer):
    fill_and_send(side_a)
    services.sign_off_and_submit(return_id=side_a.ret.pk, by=side_a.signatory, now=ON_TIME)
    services.accept(return_id=side_a.ret.pk, by=reviewer)
    services.reopen(return_id=side_a.ret.pk, by=reviewer, reason="Provider found a double count")
    last = status_changes_of(side_a.ret, action=STATUS_CHANGED)[-1]
    action = selectors.history_of(side_a.ret)[-1].action
    assert (action, last.from_status, last.to_status, last.by, last.reason) == (
        "reopened",
        S.ACCEPTED,
        S.CHANGES_REQUESTED,
        reviewer,
        "Provider found a double count",
    )


def test_a_move_not_in_the_transitions_table_is_refused(side_a, reviewer):
    with pytest.raises(services.ReturnRuleError, match="cannot be accepted"):
        services.accept(return_id=side_a.ret.pk, by=reviewer)


def test_a_provider_cannot_accept_its_own_return(side_a):
    fill_and_send(side_a)
    services.sign_off_and_submit(return_id=side_a.ret.pk, by=side_a.signatory, now=ON_TIME)
    with pytest.raises(services.ReturnRuleError, match="Only OPCC staff"):
        services.accept(return_id=side_a.ret.pk, by=side_a.signatory)


def test_figures_cannot_change_while_waiting_for_sign_off(side_a):
    fill_and_send(side_a)
    with pytest.raises(services.ReturnRuleError, match="cannot be changed now"):
        services.save_figures(
            return_id=side_a.ret.pk, values={"m_new_victims": 1}, option_counts={}, by=side_a.preparer
        )


def test_funding_a_service_from_two_streams_commits_to_both_lines(db):
    service = ServiceFactory(name="Arrest Referral")
    p_and_i = BudgetLineFactory(
        name="Arrest Referral (P&I)", amount=Decimal("500000"), budget=BudgetFactory(pot=Decimal("1967800"))
    )
    csf = BudgetLineFactory(
        name="Arrest Referral (CSF)", amount=Decimal("600000"), budget=BudgetFactory(pot=Decimal("3969300"))
    )
    services.fund_service(service=service, line_id=p_and_i.pk, amount=Decimal("500000"))
    services.fund_service(service=service, line_id=csf.pk, amount=Decimal("600000"))
    assert sum(f.commitment.amount for f in service.fundings.all()) == Decimal("1100000")
    assert {f.commitment.line_id for f in service.fundings.all()} == {p_and_i.pk, csf.pk}


def test_funding_more_than_a_line_has_left_is_refused_and_nothing_is_recorded(db):
    service = ServiceFactory()
    line = BudgetLineFactory(amount=Decimal("1000"))
    with pytest.raises(OverCommitment, match="£1,000 left to commit"):
        services.fund_service(service=service, line_id=line.pk, amount=Decimal("1500"))
    assert not service.fundings.exists()


def test_periods_follow_the_template_frequency_and_due_dates(templates):
    from providers.models import MonitoringTemplate
    from tests.factories import FinancialYearFactory

    template = MonitoringTemplate.objects.create(
        name="Six-monthly", slug="six", frequency="six_monthly", due_after_days=30
    )
    periods = services.create_periods(template=template, year=FinancialYearFactory(start_year=2024))
    assert [(p.label, p.starts_on, p.ends_on, p.window_opens_on, p.due_on) for p in periods] == [
        (
            "H1 2024/25",
            datetime.date(2024, 4, 1),
            datetime.date(2024, 9, 30),
            datetime.date(2024, 10, 1),
            datetime.date(2024, 10, 30),
        ),
        (
            "H2 2024/25",
            datetime.date(2024, 10, 1),
            datetime.date(2025, 3, 31),
            datetime.date(2025, 4, 1),
            datetime.date(2025, 4, 30),
        ),
    ]
    assert services.create_periods(template=template, year=periods[0].year) == periods
