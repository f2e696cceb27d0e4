"""No back doors in the funds admin: money rows are read only, nothing holding money is deleted in bulk, and each
action that changes money declares its permission, asks why and goes through a service."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEvent
from funds import selectors, services
from funds.models import (
    Budget,
    BudgetEntry,
    BudgetLine,
    Commitment,
    FinancialYear,
    Payment,
    TransferRequest,
)
from tests.factories import BudgetFactory, BudgetLineFactory, UserFactory
from tests.funds.people import finance_approver, finance_officer, person_with

pytestmark = pytest.mark.django_db

MONEY_MODELS = [Budget, BudgetLine, BudgetEntry, Commitment, Payment, FinancialYear, TransferRequest]


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize("model", [m for m in MONEY_MODELS if m in admin.site._registry])
def test_nothing_that_holds_money_can_be_deleted_in_bulk_or_from_its_page(model, staff_user):
    model_admin = admin.site._registry[model]
    assert "delete_selected" not in model_admin.get_actions(_request(staff_user))
    assert not model_admin.has_delete_permission(_request(staff_user))


@pytest.mark.parametrize("model", [Commitment, Payment, TransferRequest])
def test_commitments_payments_and_transfer_requests_are_read_only_in_admin(model, staff_user):
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(_request(staff_user))
    assert not model_admin.has_change_permission(_request(staff_user))


def test_every_custom_action_in_the_funds_admin_declares_a_permission_its_admin_can_check(staff_user):
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "funds":
            continue
        for name, action in model_admin.get_actions(_request(staff_user)).items():
            permissions = getattr(action.func, "allowed_permissions", ())
            assert permissions, f"{model.__name__}: {name} declares no permission"
            for permission in permissions:
                assert hasattr(model_admin, f"has_{permission}_permission"), (model, name, permission)


def test_an_action_is_offered_only_to_people_holding_its_permission():
    model_admin = admin.site._registry[Payment]
    assert "correct_payment" in model_admin.get_actions(_request(finance_approver()))
    assert "correct_payment" not in model_admin.get_actions(_request(finance_officer()))


def _paid(amount="300"):
    line = BudgetLineFactory(amount=Decimal("1000"))
    commitment = services.commit_to_line(line_id=line.pk, amount=Decimal("500"), reference="HCF-9")
    payment = services.record_payment(
        commitment_id=commitment.pk,
        amount=Decimal(amount),
        paid_on=datetime.date(2024, 6, 1),
        reference="BACS-7",
    )
    return line, commitment, payment


def test_a_payment_is_corrected_once_by_a_reversing_payment_that_nets_the_totals_out():
    line, commitment, payment = _paid()
    approver = finance_approver()

    reversal = services.reverse_payment(
        payment_id=payment.pk, by=approver, reason="Paid to the wrong account"
    )

    assert (reversal.amount, reversal.reverses, reversal.paid_on) == (
        Decimal("-300.00"),
        payment,
        payment.paid_on,
    )
    assert selectors.commitment_paid(commitment.pk) == Decimal("0.00")
    assert selectors.budget_totals(line.budget_id).paid == Decimal("0.00")
    assert selectors.with_line_totals(BudgetLine.objects.filter(pk=line.pk)).get().paid == Decimal("0.00")
    event = AuditEvent.objects.get(action="payment.reversed")
    assert (event.actor, event.note, event.after["reversed"]) == (
        approver,
        "Paid to the wrong account",
        "£300 paid on 2024-06-01",
    )
    with pytest.raises(services.BudgetRuleError, match=r"has already been corrected\.$"):
        services.reverse_payment(payment_id=payment.pk, by=approver, reason="again")
    with pytest.raises(services.BudgetRuleError, match=r"^This is itself a correction"):
        services.reverse_payment(payment_id=reversal.pk, by=approver, reason="again")
    services.record_payment(
        commitment_id=commitment.pk,
        amount=Decimal("500"),
        paid_on=datetime.date(2024, 6, 2),
        reference="BACS-8",
    )


def test_correcting_a_payment_needs_the_permission_and_a_reason():
    _line, _commitment, payment = _paid()
    with pytest.raises(services.NotPermitted, match=r"^You do not have permission to correct payments\.$"):
        services.reverse_payment(payment_id=payment.pk, by=finance_officer(), reason="x")
    with pytest.raises(services.BudgetRuleError, match=r"^Say why the payment is being corrected\.$"):
        services.reverse_payment(payment_id=payment.pk, by=finance_approver(), reason="")
    assert not Payment.objects.filter(reverses=payment).exists()


def test_the_database_refuses_a_negative_payment_that_reverses_nothing():
    _line, commitment, _payment = _paid()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            commitment=commitment,
            line=commitment.line,
            amount=Decimal("-1"),
            paid_on=datetime.date(2024, 6, 1),
        )


def test_finance_corrects_a_payment_from_admin_after_giving_a_reason(client):
    _line, commitment, payment = _paid()
    client.force_login(person_with("funds.view_payment", "funds.reverse_payment"))
    changelist = reverse("admin:funds_payment_changelist")
    action = {"action": "correct_payment", "_selected_action": [payment.pk]}
    assert "Correct a payment" in client.post(changelist, action).content.decode()
    client.post(changelist, {**action, "confirm": "yes", "reason": "Duplicate of BACS-6"})
    assert selectors.commitment_paid(commitment.pk) == Decimal("0.00")


def test_the_release_action_frees_unpaid_money_and_sends_an_awards_commitment_to_the_award(client):
    line = BudgetLineFactory(amount=Decimal("1000"))
    loose = services.commit_to_line(line_id=line.pk, amount=Decimal("100"), reference="Manual hold")
    for_something = services.commit_to_line(
        line_id=line.pk, amount=Decimal("200"), reference="HCF-3", committed_for=BudgetFactory()
    )
    client.force_login(person_with("funds.view_commitment", "funds.release_commitment"))
    changelist = reverse("admin:funds_commitment_changelist")
    response = client.post(
        changelist,
        {
            "action": "release_unpaid",
            "_selected_action": [loose.pk, for_something.pk],
            "confirm": "yes",
            "reason": "No longer needed",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "HCF-3 is committed to a budget: release it from that budget&#x27;s page." in page
    assert selectors.line_committed(line.pk) == Decimal("200.00")
    assert AuditEvent.objects.get(action="commitment.released").note == "No longer needed"


def test_an_awards_commitment_is_released_by_cancelling_the_award(demo_grants):
    commitment = Commitment.objects.filter(content_type__model="award", released_at__isnull=True).first()
    with pytest.raises(services.BudgetRuleError) as refused:
        services.release_unpaid_commitment(commitment_id=commitment.pk, by=finance_approver(), reason="x")
    assert str(refused.value) == (
        f"{commitment.reference} is an award's commitment: it is released by cancelling the award."
    )
    assert Commitment.objects.get(pk=commitment.pk).released_at is None


def test_lines_with_money_against_them_cannot_be_deleted_and_an_empty_one_goes_through_the_service(client):
    budget = BudgetFactory(pot=Decimal("1000"))
    used, empty = BudgetLineFactory(budget=budget), BudgetLineFactory(budget=budget, name="Spare")
    services.commit_to_line(line_id=used.pk, amount=Decimal("1"), reference="A")
    client.force_login(person_with("funds.view_budgetline", "funds.delete_budgetline"))
    changelist = reverse("admin:funds_budgetline_changelist")
    client.post(
        changelist,
        {
            "action": "delete_empty_lines",
            "_selected_action": [used.pk, empty.pk],
            "confirm": "yes",
            "reason": "Tidy",
        },
    )
    assert list(BudgetLine.objects.filter(budget=budget)) == [used]
    assert AuditEvent.objects.get(action="line.deleted").note == "Tidy"


def test_staff_without_money_permissions_are_refused_by_the_services_themselves():
    line = BudgetLineFactory(amount=Decimal("1000"))
    commitment = services.commit_to_line(line_id=line.pk, amount=Decimal("10"), reference="A")
    nobody = UserFactory(is_staff=True)
    refusals = {
        "pay": lambda: services.record_payment(
            commitment_id=commitment.pk, amount=Decimal("1"), paid_on=datetime.date(2024, 5, 1), by=nobody
        ),
        "release": lambda: services.release_unpaid_commitment(
            commitment_id=commitment.pk, by=nobody, reason="x"
        ),
        "line": lambda: services.save_line(line=line, by=nobody),
        "delete": lambda: services.delete_line(line_id=line.pk, by=nobody, reason="x"),
    }
    for attempt in refusals.values():
        with pytest.raises(services.NotPermitted):
            attempt()
    assert selectors.line_committed(line.pk) == Decimal("10.00") and not Payment.objects.exists()
