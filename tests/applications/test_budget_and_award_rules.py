"""Rules that once had two copies, now kept once in applications.services: the budget items add up to the amount
asked for (the budget page, the save and submission all ask drafting.budget_mismatch), and an award is paid from a
line of its round's own budget (making an award and approving it both ask awards.check_line_is_rounds)."""

from decimal import Decimal

import pytest

from applications import services
from applications.forms import BudgetTaskForm
from applications.models import Award
from funds.models import BudgetLine, Commitment
from tests.applications.factories import approved_award, complete_application, finance_officer
from tests.factories import BudgetLineFactory

pytestmark = pytest.mark.django_db


def _budget_page(application, *items):
    data = {}
    for n, (description, amount) in enumerate(items, start=1):
        data[f"item_{n}_description"], data[f"item_{n}_amount"] = description, amount
    return BudgetTaskForm(data, application=application, rows=max(len(items), 1))


def test_the_budget_page_refuses_items_that_do_not_add_up_to_the_amount_asked_for():
    application = complete_application(amount=Decimal("5000"))
    form = _budget_page(application, ("Jackets", "3000"), ("Radios", "1800"))
    assert not form.is_valid()
    assert form.errors["item_1_amount"] == [
        "The budget items add up to £4,800 but you are asking for £5,000. Change the items or the amount"
    ]


def test_items_that_add_up_are_saved_in_place_of_the_old_ones():
    application = complete_application(amount=Decimal("5000"))
    form = _budget_page(application, ("Jackets", "3000"), ("Radios", "2000"))
    assert form.is_valid()
    services.save_task(
        application_id=application.pk,
        task="budget",
        raw={},
        complete=True,
        by=application.created_by,
        **form.values_to_save(),
    )
    assert [(i.description, i.amount) for i in application.budget_items.order_by("order")] == [
        ("Jackets", Decimal("3000.00")),
        ("Radios", Decimal("2000.00")),
    ]


def test_saving_items_that_do_not_add_up_is_refused_even_without_the_page():
    application = complete_application(amount=Decimal("5000"))
    with pytest.raises(services.BudgetDoesNotAddUp, match="add up to £4,000 but you are asking for £5,000"):
        services.save_task(
            application_id=application.pk,
            task="budget",
            changes={},
            budget_items=[("Jackets", Decimal("4000"))],
            raw={},
            complete=True,
            by=application.created_by,
        )
    assert [i.amount for i in application.budget_items.all()] == [Decimal("5000.00")]


def test_a_task_page_cannot_change_fields_that_are_not_its_own():
    application = complete_application()
    with pytest.raises(ValueError, match="The budget page cannot change amount_requested"):
        services.save_task(
            application_id=application.pk,
            task="budget",
            changes={"amount_requested": Decimal("1")},
            raw={},
            complete=True,
            by=application.created_by,
        )


def test_submission_is_refused_when_the_amount_changed_after_the_budget_was_saved():
    application = complete_application(amount=Decimal("5000"))
    application.amount_requested = Decimal("6000")
    application.save()
    with pytest.raises(services.IncompleteApplication) as refused:
        services.submit_application(application_id=application.pk, by=application.created_by)
    assert refused.value.problems == [
        "The budget items add up to £5,000 but you are asking for £6,000. Change the items or the amount"
    ]


def test_an_award_cannot_be_made_from_another_budgets_line():
    award = approved_award()
    elsewhere = BudgetLineFactory()
    application = award.application
    award.delete()
    with pytest.raises(services.AwardError, match="choose a line from the round's own budget"):
        services.create_award(application=application, line=elsewhere)
    assert not Award.objects.filter(application=application).exists()


def test_approval_is_refused_when_the_awards_line_was_moved_to_another_budget():
    award = approved_award()
    elsewhere = BudgetLineFactory()
    Award.objects.filter(pk=award.pk).update(line=elsewhere)
    with pytest.raises(services.AwardError, match="choose a line from the round's own budget"):
        services.approve_award(award_id=award.pk, by=finance_officer())
    assert not Commitment.objects.filter(line=elsewhere).exists()
    assert BudgetLine.objects.get(pk=elsewhere.pk).amount == Decimal("10000.00")


def test_finance_can_move_an_award_awaiting_approval_to_another_line_of_its_round(staff_client):
    award = approved_award()
    other = BudgetLineFactory(budget=award.line.budget)
    response = staff_client.post(
        f"/admin/applications/award/{award.pk}/change/",
        {
            "line": other.pk,
            "schedule": Award.Schedule.INSTALMENTS,
            "instalments": "2",
            "payments-TOTAL_FORMS": "0",
            "payments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    award.refresh_from_db()
    assert (award.line, award.schedule, award.instalments) == (other, Award.Schedule.INSTALMENTS, 2)


def test_an_approved_awards_line_and_schedule_cannot_change():
    award = approved_award()
    services.approve_award(award_id=award.pk, by=finance_officer())
    other = BudgetLineFactory(budget=award.line.budget)
    with pytest.raises(
        services.AwardError, match="is already approved by finance, so its line and schedule cannot change"
    ):
        services.change_award_terms(
            award_id=award.pk, line_id=other.pk, schedule=Award.Schedule.SINGLE, instalments=1
        )
    award.refresh_from_db()
    assert award.line != other and award.status == Award.Status.COMMITTED


def test_an_awards_line_cannot_be_changed_to_another_budgets():
    award = approved_award()
    elsewhere = BudgetLineFactory()
    with pytest.raises(services.AwardError, match="choose a line from the round's own budget"):
        services.change_award_terms(
            award_id=award.pk, line_id=elsewhere.pk, schedule=Award.Schedule.SINGLE, instalments=1
        )
