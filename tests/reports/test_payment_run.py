"""The payment run file for the finance system (reports.payment_run), read back as the finance system would, and the
staff page that asks for it."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts import roles
from exports import runner
from exports.models import ExportJob
from funds import payment_run as columns
from funds.models import BudgetLine, Commitment, Office, Payment
from reports.payment_run import PAYMENT_RUN, params, payment_run
from tests.applications.factories import OrganisationFactory, RoundFactory, staff_in
from tests.factories import UserFactory
from tests.providers.factories import ProviderFactory, ServiceFactory
from tests.transparency.public_data import published_grant

pytestmark = pytest.mark.django_db

JULY = datetime.date(2024, 7, 20)
PERIOD = (datetime.date(2024, 7, 1), datetime.date(2024, 7, 31))
STANDARD_HEADINGS = [
    "Payment date",
    "Amount",
    "Payee",
    "Supplier reference",
    "Cost centre",
    "Nominal code",
    "Payment reference",
    "Commitment reference",
    "Funding stream",
    "Budget line",
    "Financial year",
    "Kind",
]


@pytest.fixture
def office():
    return Office.objects.create(name="West Midlands OPCC", short_name="WM OPCC")


@pytest.fixture
def round_():
    return RoundFactory()


def award_commitment(round_, *, name="Friends of Park Hall", supplier="SUP-0042", amount="5000.00"):
    organisation = OrganisationFactory(name=name, supplier_reference=supplier, area=round_.areas.first())
    award = published_grant(round_, amount=amount, organisation=organisation)
    BudgetLine.objects.filter(pk=award.line_id).update(cost_centre="CC410", nominal_code="5120")
    commitment = award.commitment
    commitment.committed_for = award
    commitment.save()
    return commitment


def service_commitment(line, *, name="Safe Haven Ltd", supplier="SUP-0777"):
    service = ServiceFactory(provider=ProviderFactory(name=name, supplier_reference=supplier))
    return Commitment.objects.create(
        line=line, amount=Decimal("20000"), reference=f"SVC-{service.pk}", committed_for=service
    )


def pay(commitment, amount, *, on=JULY, reference="RUN-2024-07", kind=Payment.Kind.PAYMENT, reverses=None):
    return Payment.objects.create(
        commitment=commitment,
        line_id=commitment.line_id,
        amount=Decimal(amount),
        paid_on=on,
        reference=reference,
        kind=kind,
        reverses=reverses,
    )


def csv_rows(start=PERIOD[0], end=PERIOD[1]) -> list[list[str]]:
    _name, content = payment_run(params(start, end, "csv"))
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_sheet(start=PERIOD[0], end=PERIOD[1]):
    name, content = payment_run(params(start, end, "xlsx"))
    assert name == f"payment-run-{start.isoformat()}-to-{end.isoformat()}.xlsx"
    return load_workbook(io.BytesIO(content))["Payment run"]


# --- The file --------------------------------------------------------------------------------------------------


def test_the_standard_columns_carry_everything_finance_needs_about_an_award_s_payment(office, round_):
    commitment = award_commitment(round_)
    pay(commitment, "1500")
    line = commitment.line
    header, row = csv_rows()
    assert header == STANDARD_HEADINGS
    assert row == [
        "2024-07-20",
        "1500.00",
        "Friends of Park Hall",
        "SUP-0042",
        "CC410",
        "5120",
        "RUN-2024-07",
        commitment.reference,
        line.budget.stream.name,
        line.name,
        "2024/25",
        "Payment",
    ]


def test_the_office_s_columns_choose_and_order_the_file(office, round_):
    office.payment_run_columns = ["supplier_reference", "amount", "payment_date"]
    office.save()
    pay(award_commitment(round_), "1500")
    assert csv_rows() == [
        ["Supplier reference", "Amount", "Payment date"],
        ["SUP-0042", "1500.00", "2024-07-20"],
    ]


def test_no_columns_chosen_means_the_standard_ones(office, round_):
    assert list(columns.COLUMNS.values()) == STANDARD_HEADINGS
    office.payment_run_columns = []
    office.save()
    assert csv_rows()[0] == STANDARD_HEADINGS


def test_a_correction_and_a_repayment_are_rows_of_their_own_with_negative_amounts(office, round_):
    commitment = award_commitment(round_)
    wrong = pay(commitment, "250", reference="RUN-A")
    pay(commitment, "-250", kind=Payment.Kind.CORRECTION, reverses=wrong, reference="Correction of RUN-A")
    pay(commitment, "1000", reference="RUN-B")
    pay(commitment, "-100", kind=Payment.Kind.REPAYMENT, reference="REPAID-1")
    _header, *body = csv_rows()
    assert [(r[1], r[6], r[11]) for r in body] == [
        ("250.00", "RUN-A", "Payment"),
        ("-250.00", "Correction of RUN-A", "Correction"),
        ("1000.00", "RUN-B", "Payment"),
        ("-100.00", "REPAID-1", "Repayment"),
    ]
    assert sum(Decimal(r[1]) for r in body) == Decimal("900.00")


def test_only_payments_dated_in_the_period_are_in_the_file_both_ends_included(office, round_):
    commitment = award_commitment(round_)
    for day, reference in [(30, "JUNE-30"), (1, "JULY-1"), (31, "JULY-31")]:
        month = 6 if day == 30 else 7
        pay(commitment, "10", on=datetime.date(2024, month, day), reference=reference)
    pay(commitment, "10", on=datetime.date(2024, 8, 1), reference="AUGUST-1")
    assert [r[6] for r in csv_rows()[1:]] == ["JULY-1", "JULY-31"]


def test_a_service_s_payment_names_its_provider_and_the_provider_s_supplier_reference(office, round_):
    award = award_commitment(round_)
    service = service_commitment(award.line)
    pay(service, "2000", reference="RUN-S")
    pay(award, "500", reference="RUN-A")
    office.payment_run_columns = ["payment_reference", "payee", "supplier_reference"]
    office.save()
    assert csv_rows()[1:] == [
        ["RUN-S", "Safe Haven Ltd", "SUP-0777"],
        ["RUN-A", "Friends of Park Hall", "SUP-0042"],
    ]


def test_the_workbook_has_pounds_as_numbers_and_dates_as_dates(office, round_):
    commitment = award_commitment(round_)
    wrong = pay(commitment, "1234.5")
    pay(commitment, "-1234.5", kind=Payment.Kind.CORRECTION, reverses=wrong)
    sheet = xlsx_sheet()
    assert [c.value for c in sheet[1]] == STANDARD_HEADINGS
    date, amount = sheet["A2"], sheet["B2"]
    assert date.value == datetime.datetime(2024, 7, 20) and date.number_format == "dd/mm/yyyy"
    assert (amount.value, amount.data_type) == (1234.5, "n")
    assert "£" in amount.number_format
    assert sheet["B3"].value == -1234.5


def test_text_that_looks_like_a_formula_stays_text_and_amounts_stay_numbers(office, round_):
    formula = '=HYPERLINK("http://evil.example","Click")'
    commitment = award_commitment(round_, name=formula, supplier="+SUP")
    wrong = pay(commitment, "100", reference="@SUM(1,2)")
    pay(commitment, "-100", kind=Payment.Kind.CORRECTION, reverses=wrong, reference="-1+2")
    sheet = xlsx_sheet()
    assert (sheet["C2"].value, sheet["C2"].data_type) == (formula, "s")
    assert (sheet["D2"].value, sheet["D2"].data_type) == ("+SUP", "s")
    assert (sheet["G2"].value, sheet["G2"].data_type) == ("@SUM(1,2)", "s")
    assert (sheet["B3"].value, sheet["B3"].data_type) == (-100, "n")
    _header, first, second = csv_rows()
    assert first[2:4] == ["'" + formula, "'+SUP"]
    assert first[6] == "'@SUM(1,2)"
    assert (second[1], second[6]) == ("-100.00", "'-1+2")


def test_the_file_takes_the_same_queries_for_one_payment_as_for_twenty(office, round_):
    award = award_commitment(round_)
    pay(award, "10")
    payment_run(params(*PERIOD, "xlsx"))  # content types and the like, cached once per process
    with CaptureQueriesContext(connection) as one:
        payment_run(params(*PERIOD, "xlsx"))
    for n in range(19):
        commitment = (
            award_commitment(round_, name=f"Group {n}", supplier=f"S{n}")
            if n % 2
            else service_commitment(award.line, name=f"Provider {n}", supplier=f"P{n}")
        )
        pay(commitment, "10")
    with CaptureQueriesContext(connection) as twenty:
        _name, content = payment_run(params(*PERIOD, "xlsx"))
    assert load_workbook(io.BytesIO(content))["Payment run"].max_row == 21
    # The office, the payments, then one query per kind of payee (awards; services), whatever the number of rows.
    assert (len(one), len(twenty)) == (3, 4), [q["sql"] for q in twenty]


# --- The office's choice of columns ----------------------------------------------------------------------------


def _office_form(office, columns_text: str):
    request = RequestFactory().post("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    model_admin = admin.site._registry[Office]
    form_class = model_admin.get_form(request, office)
    data = {
        "name": office.name,
        "short_name": office.short_name,
        "second_signature_over": "10000",
        "transfer_decision_over": "10000",
        "variation_decision_over": "10000",
        "payment_terms_days": "30",
        "payment_run_columns": columns_text,
        "council_tax_bands": office.council_tax_bands,
    }
    return form_class(data=data, instance=office)


def test_the_office_admin_refuses_a_column_it_does_not_know_and_lists_the_ones_it_does(office):
    form = _office_form(office, '["payment_date", "payee_name"]')
    assert not form.is_valid()
    (message,) = form.errors["payment_run_columns"]
    assert message.startswith(
        "“payee_name” is not a payment run column. The columns are: payment_date, amount,"
    )
    assert all(key in message for key in columns.COLUMNS)


@pytest.mark.parametrize(
    "typed",
    ['"payment_date"', '{"payment_date": 1}', '["amount", 2]', '["amount", "amount"]'],
)
def test_the_office_admin_refuses_columns_that_are_not_a_list_of_names_once_each(office, typed):
    assert "payment_run_columns" in _office_form(office, typed).errors


@pytest.mark.parametrize(
    "typed, kept",
    [
        (
            '["supplier_reference", "amount", "payment_date"]',
            ["supplier_reference", "amount", "payment_date"],
        ),
        ("[]", []),
        ("", []),
    ],
)
def test_the_office_admin_takes_known_columns_or_none(office, typed, kept):
    form = _office_form(office, typed)
    assert form.is_valid(), form.errors
    form.save()
    office.refresh_from_db()
    assert office.payment_run_columns == kept


def test_every_payment_in_the_demo_names_who_was_paid(full_demo):
    from django.db.models import Max, Min

    from reports.payment_run import rows

    span = Payment.objects.aggregate(first=Min("paid_on"), last=Max("paid_on"))
    found = rows(span["first"], span["last"])
    assert len(found) == Payment.objects.count() > 0
    assert {r["kind"] for r in found} >= {"Payment", "Repayment"}
    assert [r for r in found if not r["payee"]] == []


# --- The staff page --------------------------------------------------------------------------------------------


@pytest.fixture
def finance(client):
    client.force_login(staff_in(roles.FINANCE_OFFICER))
    return client


def _ask(client, *, start=("1", "7", "2024"), end=("31", "7", "2024"), fmt="csv"):
    data = {"format": fmt}
    for which, (day, month, year) in (("from", start), ("to", end)):
        data |= {f"{which}_day": day, f"{which}_month": month, f"{which}_year": year}
    return client.post(reverse("reports:payment_run"), data)


def test_finance_asks_for_the_file_and_sees_the_export_s_page_then_it_is_built(finance, office, round_):
    pay(award_commitment(round_), "1500")
    response = _ask(finance, fmt="xlsx")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("exports:job", args=[job.pk])
    assert (job.kind, job.params) == (
        PAYMENT_RUN,
        {"from": "2024-07-01", "to": "2024-07-31", "format": "xlsx"},
    )
    assert job.title == "Payment run file, 1 July 2024 to 31 July 2024"
    assert runner.build(job.pk).status == ExportJob.Status.READY
    job.refresh_from_db()
    assert job.filename == "payment-run-2024-07-01-to-2024-07-31.xlsx"
    assert finance.get(reverse("exports:job", args=[job.pk])).status_code == 200


def test_a_read_only_auditor_may_ask_for_it_too(client, office):
    client.force_login(staff_in(roles.READ_ONLY))
    assert client.get(reverse("reports:payment_run")).status_code == 200
    assert _ask(client).status_code == 302


def test_a_grants_officer_may_not(client, office):
    client.force_login(staff_in(roles.GRANTS_OFFICER))
    assert client.get(reverse("reports:payment_run")).status_code == 403


@pytest.mark.parametrize(
    "start, end, field, message",
    [
        (
            ("1", "8", "2024"),
            ("31", "7", "2024"),
            "to_day",
            "The ‘to’ date must be the same as or after the ‘from’ date",
        ),
        (
            ("31", "2", "2025"),
            ("31", "3", "2025"),
            "from_day",
            "The ‘from’ date must be a real date, like 31 3 2025",
        ),
        (
            ("1", "13", "2024"),
            ("31", "3", "2025"),
            "from_day",
            "The ‘from’ date must be a real date, like 31 3 2025",
        ),
        (
            ("1", "4", "24"),
            ("31", "3", "2025"),
            "from_day",
            "The ‘from’ date must be a real date, like 31 3 2025",
        ),
        (
            ("1", "4", "2024"),
            ("x", "3", "2025"),
            "to_day",
            "The ‘to’ date must be a real date, like 31 3 2025",
        ),
        (("1", "", "2024"), ("31", "3", "2025"), "from_month", "The ‘from’ date must include a month"),
        (("", "", ""), ("31", "3", "2025"), "from_day", "Enter the ‘from’ date"),
        (("1", "4", "2024"), ("6", "5", "2025"), "to_day", "The period must be 400 days or shorter"),
    ],
)
def test_a_period_that_cannot_be_made_is_refused_with_its_message_in_the_error_summary(
    finance, office, start, end, field, message
):
    response = _ask(finance, start=start, end=end)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="govuk-error-summary"' in page
    assert f'<a href="#id_{field}">{message}' in page
    assert not ExportJob.objects.exists()


def test_a_period_of_exactly_400_days_is_taken(finance, office):
    start = datetime.date(2024, 4, 1)
    end = start + datetime.timedelta(days=399)
    assert (
        _ask(finance, start=("1", "4", "2024"), end=(str(end.day), str(end.month), str(end.year))).status_code
        == 302
    )


def test_the_dashboard_links_the_page_for_those_who_may_use_it(client, office):
    client.force_login(staff_in(roles.FINANCE_OFFICER))
    assert reverse("reports:payment_run") in client.get(reverse("reports:dashboard")).content.decode()
    client.force_login(staff_in(roles.GRANTS_OFFICER))  # sees the dashboard, holds no funds.view_payment
    page = client.get(reverse("reports:dashboard"))
    assert page.status_code == 200
    assert reverse("reports:payment_run") not in page.content.decode()
