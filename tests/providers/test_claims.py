"""A provider claims a quarter's payment; the commissioning officer checks it against the return; finance approves it
(never the person who checked it) and pays it through funds.services. Scheduled instalments show where they stand
and finance can pay them."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.models import User
from audit.models import AuditEvent
from funds.models import Payment
from providers import claims, selectors, services
from providers.claims import ClaimError
from providers.models import Claim, PaymentScheduleItem, ReportingPeriod, Service
from tests.factories import BudgetFactory, BudgetLineFactory, FinancialYearFactory, UserFactory
from tests.providers.conftest import fill_and_send

S = Claim.Status
PAID_ON = datetime.date(2024, 8, 1)


def person(role: str, **fields) -> User:
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)  # fresh: Django caches permissions on the object it checked


@pytest.fixture
def officer(db):
    return person(roles.COMMISSIONING_OFFICER, email="officer@opcc.example")


@pytest.fixture
def finance(db):
    return person(roles.FINANCE_OFFICER, email="finance@opcc.example")


@pytest.fixture
def approver(db):
    return person(roles.FINANCE_APPROVER, email="approver@opcc.example")


def fund(service, amount="40000.00"):
    line = BudgetLineFactory(
        budget=BudgetFactory(year=FinancialYearFactory(start_year=2024), pot=Decimal("100000")),
        amount=Decimal(amount),
    )
    return services.fund_service(service=service, line_id=line.pk, amount=Decimal(amount))


@pytest.fixture
def funding(side_a):
    return fund(side_a.service)


def submitted_return(side):
    fill_and_send(side)
    return services.sign_off_and_submit(return_id=side.ret.pk, by=side.signatory)


def claim_for(side, funding, amount="10000.00", period=True, **more) -> Claim:
    return claims.submit_claim(
        service_id=side.service.pk,
        funding_id=funding.pk,
        period_id=side.ret.period_id if period else None,
        amount=Decimal(amount),
        reported_spend=Decimal("9500.00"),
        note="Q1 as agreed",
        by=side.preparer,
        **more,
    )


def checked(side, funding, officer, **kwargs) -> Claim:
    submitted_return(side)
    claim = claim_for(side, funding, **kwargs)
    return claims.check_claim(claim_id=claim.pk, by=officer)


# --- Submitting ------------------------------------------------------------------------------------------------------


def test_a_provider_claims_a_quarter_and_it_is_recorded_with_its_return(side_a, funding):
    claim = claim_for(side_a, funding)
    assert claim.status == S.SUBMITTED
    assert claim.monitoring_return == side_a.ret
    assert claim.submitted_by == side_a.preparer
    event = AuditEvent.objects.get(action=claims.SUBMITTED, object_id=claim.pk)
    assert event.actor == side_a.preparer
    assert event.after["amount"] == "10000.00"
    assert event.before is None


def test_someone_at_another_provider_cannot_claim_for_the_service(side_a, side_b, funding):
    with pytest.raises(ClaimError, match="Only people at the provider"):
        claims.submit_claim(
            service_id=side_a.service.pk,
            funding_id=funding.pk,
            amount=Decimal("100"),
            reported_spend=None,
            note="",
            by=side_b.preparer,
        )
    assert not Claim.objects.exists()


def test_staff_cannot_claim_for_a_provider(side_a, funding, officer):
    with pytest.raises(ClaimError, match="Only people at the provider"):
        claims.submit_claim(
            service_id=side_a.service.pk,
            funding_id=funding.pk,
            amount=Decimal("100"),
            reported_spend=None,
            note="",
            by=officer,
        )


def test_a_claim_must_be_for_more_than_nothing(side_a, funding):
    with pytest.raises(ClaimError, match="Enter an amount greater than £0"):
        claim_for(side_a, funding, amount="0")


def test_a_claim_for_more_than_the_funding_is_refused(side_a, funding):
    with pytest.raises(ClaimError, match="You can claim up to £40,000"):
        claim_for(side_a, funding, amount="40000.01")
    assert not Claim.objects.exists()


def test_claims_waiting_to_be_paid_count_against_what_is_left(side_a, funding):
    claim_for(side_a, funding, amount="30000")
    with pytest.raises(ClaimError, match="You can claim up to £10,000"):
        claim_for(side_a, funding, amount="10000.01", period=False)
    assert claim_for(side_a, funding, amount="10000", period=False).status == S.SUBMITTED


def test_what_is_already_paid_counts_against_what_is_left(side_a, funding, approver):
    from funds.services import record_payment

    record_payment(
        commitment_id=funding.commitment_id, amount=Decimal("35000"), paid_on=PAID_ON, reference="R1"
    )
    with pytest.raises(ClaimError, match="You can claim up to £5,000"):
        claim_for(side_a, funding, amount="5000.01")


def test_a_returned_claim_no_longer_counts_against_what_is_left(side_a, funding, officer):
    claim = claim_for(side_a, funding, amount="40000")
    claims.return_claim(claim_id=claim.pk, by=officer, reason="Wrong amount")
    assert claim_for(side_a, funding, amount="40000").status == S.SUBMITTED


def test_only_one_open_claim_per_quarter(side_a, funding, officer):
    first = claim_for(side_a, funding, amount="100")
    with pytest.raises(ClaimError, match="already a claim for Q1 2024/25"):
        claim_for(side_a, funding, amount="100")
    claims.return_claim(claim_id=first.pk, by=officer, reason="Claim the agreed quarter")
    assert claim_for(side_a, funding, amount="100").status == S.SUBMITTED


def test_a_quarter_of_another_year_is_refused(side_a, funding):
    later = ReportingPeriod.objects.create(
        template=side_a.service.template,
        year=FinancialYearFactory(start_year=2025),
        label="Q1 2025/26",
        starts_on=datetime.date(2025, 4, 1),
        ends_on=datetime.date(2025, 6, 30),
        window_opens_on=datetime.date(2025, 7, 1),
        due_on=datetime.date(2025, 7, 22),
    )
    with pytest.raises(ClaimError, match="Choose a quarter of 2024/25"):
        claims.submit_claim(
            service_id=side_a.service.pk,
            funding_id=funding.pk,
            period_id=later.pk,
            amount=Decimal("100"),
            reported_spend=None,
            note="",
            by=side_a.preparer,
        )


def test_funding_of_another_service_is_refused(side_a, side_b, funding):
    other = fund(side_b.service, amount="5000")
    with pytest.raises(ClaimError, match="Choose funding this service has"):
        claim_for(side_a, other, amount="100")


# --- Checking and returning ------------------------------------------------------------------------------------------


def test_the_commissioning_officer_checks_a_claim_against_the_submitted_return(side_a, funding, officer):
    claim = checked(side_a, funding, officer)
    assert claim.status == S.CHECKED
    assert claim.checked_by == officer
    event = AuditEvent.objects.get(action=claims.STATUS_CHANGED, object_id=claim.pk)
    assert (event.actor, event.before, event.after) == (
        officer,
        {"status": "submitted"},
        {"status": "checked"},
    )


def test_a_claim_cannot_be_checked_before_its_return_is_submitted(side_a, funding, officer):
    claim = claim_for(side_a, funding)
    with pytest.raises(ClaimError, match="The Q1 2024/25 return is not started"):
        claims.check_claim(claim_id=claim.pk, by=officer)
    claim.refresh_from_db()
    assert claim.status == S.SUBMITTED


def test_finance_cannot_check_a_claim(side_a, funding, finance):
    submitted_return(side_a)
    claim = claim_for(side_a, funding)
    with pytest.raises(ClaimError, match="You do not have permission"):
        claims.check_claim(claim_id=claim.pk, by=finance)


def test_returning_a_claim_needs_a_reason(side_a, funding, officer):
    claim = claim_for(side_a, funding)
    with pytest.raises(ClaimError, match="Say why the claim is being returned"):
        claims.return_claim(claim_id=claim.pk, by=officer, reason="  ")
    claim = claims.return_claim(claim_id=claim.pk, by=officer, reason="The return shows less spend")
    assert (claim.status, claim.returned_reason) == (S.RETURNED, "The return shows less spend")
    event = AuditEvent.objects.get(action=claims.STATUS_CHANGED, object_id=claim.pk)
    assert event.note == "The return shows less spend"


def test_finance_may_return_a_checked_claim_but_the_provider_may_not(side_a, funding, officer, finance):
    claim = checked(side_a, funding, officer)
    with pytest.raises(ClaimError, match="You do not have permission"):
        claims.return_claim(claim_id=claim.pk, by=side_a.preparer, reason="Changed our minds")
    assert claims.return_claim(claim_id=claim.pk, by=finance, reason="No invoice").status == S.RETURNED


def test_a_paid_claim_cannot_be_returned(side_a, funding, officer, finance):
    claim = checked(side_a, funding, officer)
    claims.approve_claim(claim_id=claim.pk, by=finance)
    claims.pay_claim(claim_id=claim.pk, paid_on=PAID_ON, reference="PR-1", by=finance)
    with pytest.raises(ClaimError, match="A claim that is “paid” cannot be returned"):
        claims.return_claim(claim_id=claim.pk, by=finance, reason="Too late")


# --- Approving -------------------------------------------------------------------------------------------------------


def test_finance_approves_a_checked_claim(side_a, funding, officer, finance):
    claim = checked(side_a, funding, officer)
    claim = claims.approve_claim(claim_id=claim.pk, by=finance)
    assert (claim.status, claim.approved_by) == (S.APPROVED, finance)


def test_a_claim_must_be_checked_before_it_is_approved(side_a, funding, finance):
    claim = claim_for(side_a, funding)
    with pytest.raises(ClaimError, match="cannot be approved"):
        claims.approve_claim(claim_id=claim.pk, by=finance)


def test_the_commissioning_officer_cannot_approve(side_a, funding, officer):
    claim = checked(side_a, funding, officer)
    with pytest.raises(ClaimError, match="You do not have permission"):
        claims.approve_claim(claim_id=claim.pk, by=officer)


def test_the_person_who_checked_a_claim_cannot_approve_it(side_a, funding):
    both = person(roles.FINANCE_APPROVER, email="both@opcc.example")
    both.groups.add(Group.objects.get(name=roles.COMMISSIONING_OFFICER))
    both = User.objects.get(pk=both.pk)
    claim = checked(side_a, funding, both)
    with pytest.raises(
        ClaimError, match="You checked this claim, so someone else in finance must approve it"
    ):
        claims.approve_claim(claim_id=claim.pk, by=both)
    claim.refresh_from_db()
    assert claim.status == S.CHECKED and claim.approved_by is None


# --- Paying ----------------------------------------------------------------------------------------------------------


def test_paying_a_claim_records_a_funds_payment_and_shows_the_claim_and_its_instalment_paid(
    side_a, funding, officer, finance, approver
):
    item = PaymentScheduleItem.objects.create(
        service=side_a.service, funding=funding, due_on=datetime.date(2024, 7, 1), amount=Decimal("10000")
    )
    claim = checked(side_a, funding, officer, schedule_item_id=item.pk)
    claims.approve_claim(claim_id=claim.pk, by=approver)
    claim = claims.pay_claim(claim_id=claim.pk, paid_on=PAID_ON, reference="PR-2024-08", by=finance)

    payment = Payment.objects.get()
    assert (payment.commitment_id, payment.amount, payment.paid_on, payment.reference) == (
        funding.commitment_id,
        Decimal("10000.00"),
        PAID_ON,
        "PR-2024-08",
    )
    assert (claim.status, claim.payment) == (S.PAID, payment)
    item.refresh_from_db()
    assert item.payment == payment
    assert selectors.instalment_state(item, today=datetime.date(2030, 1, 1)) == selectors.PAID
    assert AuditEvent.objects.filter(action="payment.made", object_id=funding.commitment_id).exists()
    assert selectors.paid_and_reported(side_a.service).paid == Decimal("10000.00")


def test_only_an_approved_claim_is_paid(side_a, funding, officer, finance):
    claim = checked(side_a, funding, officer)
    with pytest.raises(ClaimError, match="cannot be paid"):
        claims.pay_claim(claim_id=claim.pk, paid_on=PAID_ON, reference="PR-1", by=finance)
    assert not Payment.objects.exists()


def test_paying_needs_a_finance_reference(side_a, funding, officer, finance):
    claim = checked(side_a, funding, officer)
    claims.approve_claim(claim_id=claim.pk, by=finance)
    with pytest.raises(ClaimError, match="Enter the finance reference"):
        claims.pay_claim(claim_id=claim.pk, paid_on=PAID_ON, reference=" ", by=finance)
    assert not Payment.objects.exists()


def test_the_commissioning_officer_cannot_pay(side_a, funding, officer, finance):
    claim = checked(side_a, funding, officer)
    claims.approve_claim(claim_id=claim.pk, by=finance)
    with pytest.raises(ClaimError, match="You do not have permission"):
        claims.pay_claim(claim_id=claim.pk, paid_on=PAID_ON, reference="PR-1", by=officer)


def test_a_claim_is_never_paid_beyond_what_was_committed(side_a, funding, officer, finance):
    from funds.services import BudgetRuleError, record_payment

    claim = checked(side_a, funding, officer, amount="10000")
    claims.approve_claim(claim_id=claim.pk, by=finance)
    # Paid some other way since the claim was made: funds.services refuses the claim's payment.
    record_payment(
        commitment_id=funding.commitment_id, amount=Decimal("35000"), paid_on=PAID_ON, reference="X"
    )
    with pytest.raises(BudgetRuleError, match="would pay more than was committed"):
        claims.pay_claim(claim_id=claim.pk, paid_on=PAID_ON, reference="PR-1", by=finance)
    claim.refresh_from_db()
    assert claim.status == S.APPROVED and claim.payment is None


def test_claiming_an_instalment_must_be_for_its_amount(side_a, funding):
    item = PaymentScheduleItem.objects.create(
        service=side_a.service, funding=funding, due_on=datetime.date(2024, 7, 1), amount=Decimal("10000")
    )
    with pytest.raises(ClaimError, match="is £10,000"):
        claim_for(side_a, funding, amount="9000", schedule_item_id=item.pk)


# --- Scheduled instalments -------------------------------------------------------------------------------------------


def test_an_instalment_is_not_yet_due_then_due_then_overdue_after_the_payment_terms(side_a, funding):
    item = PaymentScheduleItem(service=side_a.service, due_on=datetime.date(2024, 7, 1), amount=Decimal("1"))

    def state(day):
        return selectors.instalment_state(item, today=day, terms_days=30)

    assert state(datetime.date(2024, 6, 30)) == selectors.NOT_YET_DUE
    assert state(datetime.date(2024, 7, 1)) == selectors.DUE
    assert state(datetime.date(2024, 7, 31)) == selectors.DUE
    assert state(datetime.date(2024, 8, 1)) == selectors.OVERDUE


def test_finance_pays_a_scheduled_instalment(side_a, funding, finance):
    item = PaymentScheduleItem.objects.create(
        service=side_a.service, funding=funding, due_on=datetime.date(2024, 7, 1), amount=Decimal("10000")
    )
    item = claims.pay_scheduled_item(item_id=item.pk, paid_on=PAID_ON, reference="PR-7", by=finance)
    payment = Payment.objects.get()
    assert (item.payment, payment.amount, payment.commitment_id) == (
        payment,
        Decimal("10000"),
        funding.commitment_id,
    )
    assert AuditEvent.objects.filter(
        action=claims.SCHEDULE_ITEM_PAID, object_id=item.pk, actor=finance
    ).exists()
    with pytest.raises(ClaimError, match="has already been paid"):
        claims.pay_scheduled_item(item_id=item.pk, paid_on=PAID_ON, reference="PR-7", by=finance)
    assert Payment.objects.count() == 1


def test_the_commissioning_officer_cannot_pay_an_instalment(side_a, funding, officer):
    item = PaymentScheduleItem.objects.create(
        service=side_a.service, funding=funding, due_on=datetime.date(2024, 7, 1), amount=Decimal("10000")
    )
    with pytest.raises(ClaimError, match="You do not have permission to record payments"):
        claims.pay_scheduled_item(item_id=item.pk, paid_on=PAID_ON, reference="PR-7", by=officer)
    assert not Payment.objects.exists()


def test_an_instalment_with_no_funding_or_an_open_claim_is_not_paid_directly(side_a, funding, finance):
    loose = PaymentScheduleItem.objects.create(
        service=side_a.service, due_on=datetime.date(2024, 7, 1), amount=Decimal("100")
    )
    with pytest.raises(ClaimError, match="not linked to any of the service's funding"):
        claims.pay_scheduled_item(item_id=loose.pk, paid_on=PAID_ON, reference="PR-7", by=finance)
    claimed = PaymentScheduleItem.objects.create(
        service=side_a.service, funding=funding, due_on=datetime.date(2024, 10, 1), amount=Decimal("100")
    )
    claim_for(side_a, funding, amount="100", schedule_item_id=claimed.pk)
    with pytest.raises(ClaimError, match="pay it from the claim"):
        claims.pay_scheduled_item(item_id=claimed.pk, paid_on=PAID_ON, reference="PR-7", by=finance)
    assert not Payment.objects.exists()


# --- Pages -----------------------------------------------------------------------------------------------------------


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def claim_form(side, **data):
    return {
        "period": str(side.ret.period_id),
        "amount": "£1,234.50",
        "reported_spend": "1,200",
        "note": "",
        **data,
    }


def test_a_provider_claims_from_the_portal_in_pounds_as_typed(side_a, funding):
    client = signed_in(side_a.preparer)
    response = client.post(reverse("providers:claim_new", args=[side_a.service.pk]), claim_form(side_a))
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert (claim.amount, claim.reported_spend, claim.period_id) == (
        Decimal("1234.50"),
        Decimal("1200.00"),
        side_a.ret.period_id,
    )
    page = client.get(reverse("providers:service", args=[side_a.service.pk])).content.decode()
    assert "Waiting to be checked" in page
    assert "Paid by the office to date" in page and "Spend you reported" in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"amount": ""}, "Enter how much you are claiming"),
        ({"amount": "12k"}, "not abbreviated like 12k"),
        ({"amount": "0"}, "Enter an amount greater than 0"),
        ({"reported_spend": "-5"}, "Enter an amount of 0 or more, without a minus sign"),
        ({"period": ""}, "Choose which quarter you are claiming for"),
        ({"amount": "40,000.01"}, "You can claim up to £40,000"),
    ],
)
def test_the_claim_form_refuses_bad_input_and_changes_nothing(side_a, funding, data, message):
    client = signed_in(side_a.preparer)
    response = client.post(
        reverse("providers:claim_new", args=[side_a.service.pk]), claim_form(side_a, **data)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert not Claim.objects.exists()


def test_a_provider_of_another_service_gets_not_found(side_a, side_b, funding):
    claim = claim_for(side_a, funding)
    client = signed_in(side_b.preparer)
    assert client.get(reverse("providers:service", args=[side_a.service.pk])).status_code == 404
    assert client.get(reverse("providers:claim_new", args=[side_a.service.pk])).status_code == 404
    assert (
        client.post(reverse("providers:claim_new", args=[side_a.service.pk]), claim_form(side_a)).status_code
        == 404
    )
    assert client.get(reverse("providers:claim", args=[claim.pk])).status_code == 404
    assert Claim.objects.count() == 1


def test_the_service_page_shows_each_instalment_s_state(side_a, funding, finance):
    for due in (datetime.date(2024, 7, 1), datetime.date(2099, 7, 1)):
        PaymentScheduleItem.objects.create(
            service=side_a.service, funding=funding, due_on=due, amount=Decimal("10")
        )
    paid = PaymentScheduleItem.objects.create(
        service=side_a.service, funding=funding, due_on=datetime.date(2024, 4, 1), amount=Decimal("10")
    )
    claims.pay_scheduled_item(item_id=paid.pk, paid_on=PAID_ON, reference="PR-1", by=finance)
    page = (
        signed_in(side_a.preparer)
        .get(reverse("providers:service", args=[side_a.service.pk]))
        .content.decode()
    )
    assert 'govuk-tag--red">Overdue' in page
    assert 'govuk-tag--grey">Not yet due' in page
    assert 'govuk-tag--green">Paid' in page


def test_the_staff_claim_page_offers_each_move_only_to_who_may_make_it(side_a, funding, officer, finance):
    submitted_return(side_a)
    claim = claim_for(side_a, funding)
    url = reverse("providers:staff_claim", args=[claim.pk])
    as_officer, as_finance = signed_in(officer), signed_in(finance)
    assert "Mark as checked" in as_officer.get(url).content.decode()
    assert "Mark as checked" not in as_finance.get(url).content.decode()
    assert as_finance.post(url, {"action": "check"}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == S.SUBMITTED, "the service refuses what the page did not offer"

    as_officer.post(url, {"action": "check"})
    assert "Approve for payment" not in as_officer.get(url).content.decode()
    assert "Approve for payment" in as_finance.get(url).content.decode()
    as_finance.post(url, {"action": "approve"})
    page = as_finance.get(url).content.decode()
    assert "Record payment of £10,000" in page
    response = as_finance.post(url, {"action": "pay", "paid_on": "1/8/2024", "reference": ""})
    assert "Enter the finance reference" in response.content.decode()
    assert not Payment.objects.exists()
    as_finance.post(url, {"action": "pay", "paid_on": "1/8/2024", "reference": "PR-2024-08"})
    claim.refresh_from_db()
    assert claim.status == S.PAID and claim.payment.paid_on == PAID_ON
    history = as_finance.get(url).content.decode().split("History", 1)[1]
    assert f"Checked against the return</strong> by {officer}" in history
    assert "“PR-2024-08”" in history


def test_the_checker_is_told_someone_else_must_approve(side_a, funding):
    both = person(roles.FINANCE_APPROVER, email="both@opcc.example")
    both.groups.add(Group.objects.get(name=roles.COMMISSIONING_OFFICER))
    claim = checked(side_a, funding, User.objects.get(pk=both.pk))
    page = signed_in(both).get(reverse("providers:staff_claim", args=[claim.pk])).content.decode()
    assert "Approve for payment" not in page
    assert "You checked this claim, so someone else in finance must approve it." in page


def test_the_commissioning_dashboard_counts_claims_to_check(side_a, funding, officer):
    claim_for(side_a, funding)
    page = signed_in(officer).get(reverse("providers:staff_dashboard")).content.decode()
    assert "Claims to check: 1" in page
    listed = signed_in(officer).get(reverse("providers:staff_claims") + "?status=submitted").content.decode()
    assert side_a.service.name in listed


def test_the_admin_pays_selected_instalments_through_the_service(side_a, funding, finance, officer):
    item = PaymentScheduleItem.objects.create(
        service=side_a.service, funding=funding, due_on=datetime.date(2024, 7, 1), amount=Decimal("10000")
    )
    url = reverse("admin:providers_paymentscheduleitem_changelist")
    chosen = {"action": "pay_selected", "_selected_action": [item.pk]}
    asked = signed_in(finance).post(url, chosen)
    assert "Finance reference" in asked.content.decode()
    signed_in(finance).post(url, {**chosen, "confirm": "yes", "paid_on": "1/8/2024", "reference": "PR-9"})
    item.refresh_from_db()
    assert item.payment is not None and item.payment.reference == "PR-9"
    # The commissioning officer is not offered the action, and posting it anyway pays nothing.
    other = PaymentScheduleItem.objects.create(
        service=side_a.service, funding=funding, due_on=datetime.date(2024, 10, 1), amount=Decimal("10")
    )
    signed_in(officer).post(
        url,
        {
            "action": "pay_selected",
            "_selected_action": [other.pk],
            "confirm": "yes",
            "paid_on": "1/8/2024",
            "reference": "PR-9",
        },
    )
    other.refresh_from_db()
    assert other.payment is None


def test_a_paid_instalment_cannot_be_deleted_from_the_service_page(side_a, funding, finance):
    from django.forms import inlineformset_factory

    from providers.admin import ScheduleFormSet, ScheduleItemForm

    item = PaymentScheduleItem.objects.create(
        service=side_a.service, funding=funding, due_on=datetime.date(2024, 7, 1), amount=Decimal("10000")
    )
    claims.pay_scheduled_item(item_id=item.pk, paid_on=PAID_ON, reference="PR-1", by=finance)
    FormSet = inlineformset_factory(
        Service,
        PaymentScheduleItem,
        form=ScheduleItemForm,
        formset=ScheduleFormSet,
        fields="__all__",
        extra=0,
    )
    prefix = "payment_schedule"
    data = {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-0-id": str(item.pk),
        f"{prefix}-0-service": str(side_a.service.pk),
        f"{prefix}-0-due_on": "2024-07-01",
        f"{prefix}-0-amount": "1",
        f"{prefix}-0-DELETE": "on",
    }
    formset = FormSet(data, instance=side_a.service, prefix=prefix)
    assert not formset.is_valid()
    assert "has been paid or claimed, so it cannot be deleted" in str(formset.non_form_errors())


def test_the_instalments_admin_list_reads_as_many_queries_for_2_or_10_instalments(side_a, funding, finance):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(finance)
    url = reverse("admin:providers_paymentscheduleitem_changelist")
    counts = []
    for total in (2, 10):
        while PaymentScheduleItem.objects.count() < total:
            n = PaymentScheduleItem.objects.count()
            PaymentScheduleItem.objects.create(
                service=side_a.service,
                funding=funding,
                due_on=datetime.date(2024, 7, 1 + n),
                amount=Decimal("1"),
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_provider_may_claim_a_scheduled_instalment_from_the_portal(side_a, funding):
    item = PaymentScheduleItem.objects.create(
        service=side_a.service, funding=funding, due_on=datetime.date(2024, 7, 1), amount=Decimal("10000")
    )
    client = signed_in(side_a.preparer)
    url = reverse("providers:claim_new", args=[side_a.service.pk])
    assert "£10,000 due on 1 July 2024" in client.get(url).content.decode()
    wrong = client.post(url, claim_form(side_a, schedule_item=str(item.pk), amount="9,000"))
    assert "The instalment due on 1 July 2024 is £10,000" in wrong.content.decode()
    assert not Claim.objects.exists()
    client.post(url, claim_form(side_a, schedule_item=str(item.pk), amount="10,000"))
    assert Claim.objects.get().schedule_item == item
    assert "£10,000 due on 1 July 2024" not in client.get(url).content.decode(), "claimed: not offered again"
