"""360Giving's amountDisbursed: what was paid on a grant, net of corrections and repayments, across the commitments it
was carried forward through; given only once something has been paid."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funds.models import Commitment, Office, Payment
from tests.applications.factories import RoundFactory
from transparency import giving360
from transparency.exports import build, read_csv, read_xlsx

from .public_data import published_grant
from .schema import errors

pytestmark = pytest.mark.django_db

JULY = datetime.date(2024, 7, 20)


@pytest.fixture
def office():
    return Office.objects.create(
        name="West Midlands OPCC",
        short_name="WM OPCC",
        giving_prefix="360G-wmopcc-test",
        org_identifier="GB-GOR-PC000123",
    )


@pytest.fixture
def round_():
    return RoundFactory()


def pay(commitment, amount, *, kind=Payment.Kind.PAYMENT, reverses=None, on=JULY):
    return Payment.objects.create(
        commitment=commitment,
        line_id=commitment.line_id,
        amount=Decimal(amount),
        paid_on=on,
        reference="RUN",
        kind=kind,
        reverses=reverses,
    )


def carried(commitment, amount="1000"):
    return Commitment.objects.create(
        line=commitment.line, amount=Decimal(amount), reference=commitment.reference, carried_from=commitment
    )


def grants_by_title(round_, office) -> dict[str, dict]:
    selection = giving360.Selection(year=round_.budget.year)
    items = giving360.grants(selection, office)
    assert errors(giving360.package(items, office=office, selection=selection)) == []
    return {g["title"]: g for g in items}


def test_amount_disbursed_is_the_net_of_payments_corrections_and_repayments(round_, office):
    award = published_grant(round_, amount="5000", title="Paid in part")
    pay(award.commitment, "1000")
    wrong = pay(award.commitment, "500")
    pay(award.commitment, "-500", kind=Payment.Kind.CORRECTION, reverses=wrong)
    pay(award.commitment, "-100.25", kind=Payment.Kind.REPAYMENT)
    assert grants_by_title(round_, office)["Paid in part"]["amountDisbursed"] == Decimal("899.75")


def test_payments_on_the_commitments_a_grant_was_carried_into_count_too(round_, office):
    award = published_grant(round_, amount="5000", title="Carried forward")
    pay(award.commitment, "1000")
    next_year = carried(award.commitment)
    pay(next_year, "300")
    pay(carried(next_year, "700"), "200")
    assert grants_by_title(round_, office)["Carried forward"]["amountDisbursed"] == Decimal("1500.00")


def test_a_grant_whose_commitment_is_the_carried_one_counts_what_was_paid_before_it(round_, office):
    award = published_grant(round_, amount="5000", title="Moved on")
    first = award.commitment
    pay(first, "400")
    award.commitment = carried(first)
    award.save()
    pay(award.commitment, "100")
    assert grants_by_title(round_, office)["Moved on"]["amountDisbursed"] == Decimal("500.00")


def test_a_grant_with_nothing_paid_or_all_of_it_corrected_has_no_amount_disbursed(round_, office):
    published_grant(round_, title="Not yet paid")
    corrected = published_grant(round_, title="Corrected")
    wrong = pay(corrected.commitment, "1500")
    pay(corrected.commitment, "-1500", kind=Payment.Kind.CORRECTION, reverses=wrong)
    grants = grants_by_title(round_, office)
    assert "amountDisbursed" not in grants["Not yet paid"]
    assert "amountDisbursed" not in grants["Corrected"]


def test_another_grant_s_payments_are_not_counted(round_, office):
    paid = published_grant(round_, title="Paid")
    other = published_grant(round_, title="Other")
    pay(paid.commitment, "750")
    pay(other.commitment, "20")
    grants = grants_by_title(round_, office)
    assert (grants["Paid"]["amountDisbursed"], grants["Other"]["amountDisbursed"]) == (
        Decimal("750"),
        Decimal("20"),
    )


@pytest.mark.parametrize("fmt, read", [("xlsx", read_xlsx), ("csv", read_csv)])
def test_the_spreadsheet_forms_carry_amount_disbursed_in_its_own_column(round_, office, fmt, read):
    award = published_grant(round_, title="Paid")
    published_grant(round_, title="Unpaid")
    pay(award.commitment, "1234.05")
    selection = giving360.Selection(year=round_.budget.year)
    grants = {g["title"]: g for g in read(build(selection, fmt, office=office)[1])}
    assert grants["Paid"]["amountDisbursed"] == Decimal("1234.05")
    assert "amountDisbursed" not in grants["Unpaid"]


def test_amount_disbursed_costs_no_query_per_grant(round_, office):
    selection = giving360.Selection(year=round_.budget.year)
    pay(published_grant(round_).commitment, "10")
    with CaptureQueriesContext(connection) as one:
        giving360.grants(selection, office)
    for _ in range(5):
        award = published_grant(round_)
        pay(award.commitment, "10")
        pay(carried(award.commitment), "5")
    with CaptureQueriesContext(connection) as six:
        assert len(giving360.grants(selection, office)) == 6
    assert len(six) == len(one)
