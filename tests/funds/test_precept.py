"""The police precept: every band from Band D by its statutory proportion, the change, and entering Band D."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from audit.models import AuditEvent
from funds import services
from funds.models import FinancialYear, Office, Precept, PreceptBand
from funds.precept import ENGLAND, precept_table, rows_for, weekly
from tests.factories import FinancialYearFactory
from tests.funds.people import person_with

pytestmark = pytest.mark.django_db

PUBLISHED = json.loads(
    (Path(__file__).parents[2] / "funds" / "demo_data" / "west_midlands_2024_25.json").read_text()
)
TABLE_3 = next(t for t in PUBLISHED["tables"] if t["title"].startswith("Table 3."))
PREVIOUS, CURRENT, ANNUAL, WEEKLY = TABLE_3["columns"][2:]


def printed(value) -> Decimal:
    # The JSON holds the printed pence as numbers (143.7 for "143.70"); read them as the exact pence they print.
    return Decimal(str(value)).quantize(Decimal("0.01"))


def band_d(column: str) -> Decimal:
    return printed(next(row[column] for row in TABLE_3["rows"] if row["Band"] == "Band D"))


def years_2023_and_2024() -> FinancialYear:
    for start_year, column in ((2023, PREVIOUS), (2024, CURRENT)):
        services.set_precept(
            FinancialYearFactory(start_year=start_year).pk, band_d(column), by=None, reason=""
        )
    return FinancialYear.objects.get(start_year=2024)


@pytest.mark.parametrize("published", TABLE_3["rows"], ids=lambda row: row["Band"])
def test_every_band_of_the_2024_25_table_comes_from_the_two_band_d_figures_to_the_penny(published):
    table = precept_table(years_2023_and_2024())
    row = next(r for r in table.rows if r.band == published["Band"])
    assert row.proportion == published["Statutory Proportion"]
    assert row.previous == printed(published[PREVIOUS])
    assert row.current == printed(published[CURRENT])
    assert row.change_annual == printed(published[ANNUAL])
    assert row.change_weekly == printed(published[WEEKLY])
    assert table.problems == []


def test_the_table_has_exactly_the_printed_bands_in_order():
    table = precept_table(years_2023_and_2024())
    assert [(r.band, r.proportion) for r in table.rows] == [
        (row["Band"], row["Statutory Proportion"]) for row in TABLE_3["rows"]
    ]


def test_a_weekly_change_of_exactly_half_a_penny_rounds_up():
    # £1.30 a year is £0.025 a week: half up prints 0.03 (rounding half to even would print 0.02).
    band_d_row = next(
        r for r in rows_for(Decimal("100.00"), Decimal("101.30"), ENGLAND) if r.band == "Band D"
    )
    assert band_d_row.change_annual == Decimal("1.30")
    assert band_d_row.change_weekly == Decimal("0.03")
    assert weekly(Decimal("0.26")) == Decimal("0.01")  # 0.005
    assert weekly(Decimal("-1.30")) == Decimal("-0.03")  # a fall rounds the same way, away from nought


def test_a_band_is_rounded_to_the_nearest_penny():
    # 100.01 * 6/9 = 66.67333…, 100.01 * 7/9 = 77.78555… (rounded up), 100.01 * 8/9 = 88.89777…
    bands = {r.band: r.current for r in rows_for(None, Decimal("100.01"), ENGLAND)}
    assert (bands["Band A"], bands["Band B"], bands["Band C"]) == (
        Decimal("66.67"),
        Decimal("77.79"),
        Decimal("88.90"),
    )


def test_with_no_band_d_for_the_year_before_the_table_says_so_and_leaves_the_change_empty():
    services.set_precept(FinancialYearFactory(start_year=2024).pk, Decimal("215.55"), by=None, reason="")
    table = precept_table(FinancialYear.objects.get(start_year=2024))
    assert table.problems == [
        "There is no Band D for 2023/24, so the 2023/24 column and the changes are empty. "
        "Enter the 2023/24 precept."
    ]
    band_a = table.rows[0]
    assert (band_a.previous, band_a.current, band_a.change_annual, band_a.change_weekly) == (
        None,
        Decimal("143.70"),
        None,
        None,
    )


def test_a_year_with_no_band_d_has_no_table():
    assert precept_table(FinancialYearFactory(start_year=2024)) is None


def test_a_typed_band_that_disagrees_with_band_d_is_a_problem_and_one_that_agrees_is_not():
    year = years_2023_and_2024()
    precept = Precept.objects.get(year=year)
    services.set_precept_band(precept_id=precept.pk, band="A", amount=Decimal("143.70"), by=None, reason="")
    services.set_precept_band(precept_id=precept.pk, band="H", amount=Decimal("431.01"), by=None, reason="")
    assert precept_table(year).problems == [
        "2024/25: Band H is typed in as £431.01, but Band D £215.55 × 18/9 is £431.10. "
        "Check Band D and the band against the council's resolution."
    ]
    # The table prints the computed band, never the typed one.
    assert precept_table(year).rows[-1].current == Decimal("431.10")


def test_a_welsh_office_prints_band_i_at_21_ninths_from_2005():
    Office.objects.create(
        name="Dyfed-Powys OPCC", short_name="DP", council_tax_bands=Office.CouncilTaxBands.WALES
    )
    year = years_2023_and_2024()
    band_i = precept_table(year).rows[-1]
    assert (band_i.band, band_i.proportion, band_i.current) == ("Band I", "21/9", Decimal("502.95"))
    services.set_precept(FinancialYearFactory(start_year=2004).pk, Decimal("100"), by=None, reason="")
    assert [r.band for r in precept_table(FinancialYear.objects.get(start_year=2004)).rows][-1] == "Band H"


def test_entering_band_d_is_recorded_with_the_figure_before_and_after():
    officer = person_with("funds.change_precept")
    year = FinancialYearFactory(start_year=2024)
    services.set_precept(year.pk, Decimal("215.50"), by=officer, reason="Panel agreed the precept")
    precept = services.set_precept(year.pk, Decimal("215.55"), by=officer, reason="Typing slip")
    events = list(AuditEvent.objects.filter(action="precept.set").order_by("pk"))
    assert [(e.before, e.after, e.note, e.actor) for e in events] == [
        (None, {"band_d": "215.50", "decision": None, "notes": ""}, "Panel agreed the precept", officer),
        (
            {"band_d": "215.50", "decision": None, "notes": ""},
            {"band_d": "215.55", "decision": None, "notes": ""},
            "Typing slip",
            officer,
        ),
    ]
    assert events[0].object_id == precept.pk


def test_a_typed_band_is_recorded_too():
    year = years_2023_and_2024()
    officer = person_with("funds.change_precept")
    services.set_precept_band(
        precept_id=year.precept.pk,
        band="B",
        amount=Decimal("167.65"),
        by=officer,
        reason="From the resolution",
    )
    event = AuditEvent.objects.get(action="precept.band_typed")
    assert (event.before, event.after, event.actor) == (None, {"band": "B", "amount": "167.65"}, officer)


@pytest.mark.parametrize(
    "role, may",
    [
        (roles.FINANCE_OFFICER, True),
        (roles.CHIEF_FINANCE_OFFICER, True),
        (roles.READ_ONLY, False),
        (roles.GRANTS_OFFICER, False),
    ],
)
def test_finance_may_enter_the_precept_and_others_may_not(role, may):
    person = person_with(*roles.BY_NAME[role].permissions)
    year = FinancialYearFactory(start_year=2024)
    if may:
        services.set_precept(year.pk, Decimal("215.55"), by=person, reason="Set by the panel")
        assert Precept.objects.get(year=year).band_d == Decimal("215.55")
    else:
        with pytest.raises(services.NotPermitted):
            services.set_precept(year.pk, Decimal("215.55"), by=person, reason="Set by the panel")
        assert not Precept.objects.exists()


def test_read_only_staff_may_see_the_precept():
    assert {"funds.view_precept", "funds.view_preceptband"} <= roles.BY_NAME[roles.READ_ONLY].permissions


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1"), Decimal("215.555")])
def test_the_service_refuses_a_band_d_that_is_not_pounds_and_pence_above_nought(amount):
    with pytest.raises(services.BudgetRuleError, match=r"greater than 0, like 215\.55"):
        services.set_precept(FinancialYearFactory(start_year=2024).pk, amount, by=None, reason="")


def test_a_closed_year_s_precept_cannot_change():
    year = years_2023_and_2024()
    FinancialYear.objects.filter(pk=year.pk).update(closed_at=timezone.now())
    with pytest.raises(services.BudgetRuleError, match="2024/25 is closed, so its precept cannot change"):
        services.set_precept(year.pk, Decimal("999"), by=None, reason="")
    assert Precept.objects.get(year=year).band_d == Decimal("215.55")


def test_a_person_must_say_why():
    with pytest.raises(services.BudgetRuleError, match="Say why"):
        services.set_precept(
            FinancialYearFactory(start_year=2024).pk,
            Decimal("215.55"),
            by=person_with("funds.change_precept"),
            reason=" ",
        )


# The admin page: what finance types in.


def _post(client, data: dict):
    form = {
        "band_d": "",
        "decision": "",
        "notes": "",
        "change_reason": "Set by the Police and Crime Panel",
        "typed_bands-TOTAL_FORMS": "0",
        "typed_bands-INITIAL_FORMS": "0",
        "typed_bands-MIN_NUM_FORMS": "0",
        "typed_bands-MAX_NUM_FORMS": "1000",
        **data,
    }
    return client.post(reverse("admin:funds_precept_add"), form)


@pytest.mark.parametrize(
    "typed, message",
    [
        ("-215.55", "Enter an amount of 0 or more, without a minus sign"),
        ("215.555", "Enter an amount with no more than 2 decimal places (pence)"),
        ("12345678901234567890", "Enter an amount of £9,999,999,999.99 or less"),
        ("two hundred", "Enter an amount in pounds, like 1,250 or 1250.50"),
        ("0", "Enter an amount greater than 0"),
        ("", "Enter the Band D precept, like 215.55"),
    ],
)
def test_a_bad_band_d_in_admin_is_explained_and_nothing_is_saved(client, typed, message):
    client.force_login(person_with("funds.add_precept", "funds.change_precept", "funds.view_precept"))
    year = FinancialYearFactory(start_year=2024)
    response = _post(client, {"year": year.pk, "band_d": typed})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Precept.objects.exists()


def test_finance_enters_band_d_and_a_typed_band_in_admin_through_the_service(client):
    officer = person_with(*roles.BY_NAME[roles.FINANCE_OFFICER].permissions, email="fo@opcc.example")
    client.force_login(officer)
    year = FinancialYearFactory(start_year=2024)
    response = _post(
        client,
        {
            "year": year.pk,
            "band_d": "£215.55",
            "notes": "Police and Crime Panel, February 2024",
            "typed_bands-TOTAL_FORMS": "1",
            "typed_bands-0-band": "A",
            "typed_bands-0-amount": "143.70",
        },
    )
    assert response.status_code == 302, response.content.decode()
    precept = Precept.objects.get(year=year)
    assert (precept.band_d, precept.notes) == (Decimal("215.55"), "Police and Crime Panel, February 2024")
    assert PreceptBand.objects.get(precept=precept).amount == Decimal("143.70")
    assert list(
        AuditEvent.objects.filter(action__startswith="precept.")
        .order_by("pk")
        .values_list("action", "actor", "note")
    ) == [
        ("precept.set", officer.pk, "Set by the Police and Crime Panel"),
        ("precept.band_typed", officer.pk, "Set by the Police and Crime Panel"),
    ]


def test_read_only_staff_see_the_precept_in_admin_but_cannot_change_it(client):
    years_2023_and_2024()
    client.force_login(person_with(*roles.BY_NAME[roles.READ_ONLY].permissions))
    precept = Precept.objects.get(year__start_year=2024)
    page = client.get(reverse("admin:funds_precept_change", args=[precept.pk]))
    assert page.status_code == 200
    assert "215.55" in page.content.decode()
    assert client.get(reverse("admin:funds_precept_add")).status_code == 403
    response = _post(client, {"year": precept.year_id, "band_d": "999"})
    assert response.status_code == 403
    assert Precept.objects.get(pk=precept.pk).band_d == Decimal("215.55")


# The table's definition: one numbering with the budget tables.


def test_a_precept_table_has_no_stream_and_a_year_has_one_at_most():
    from django.db import IntegrityError, transaction

    from funds.models import ReportTable

    year = FinancialYearFactory(start_year=2024)
    fields = {
        "year": year,
        "title": "Police precept cost",
        "label_heading": "Band",
        "amount_heading": "{year}",
    }
    ReportTable.objects.create(kind=ReportTable.Kind.PRECEPT, number=3, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportTable.objects.create(kind=ReportTable.Kind.PRECEPT, number=9, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportTable.objects.create(
            kind=ReportTable.Kind.BUDGET, number=4, **fields
        )  # a budget table needs a stream


def test_rolling_a_year_forward_copies_its_precept_table():
    from funds.models import ReportTable

    year = FinancialYearFactory(start_year=2024)
    ReportTable.objects.create(
        year=year,
        kind=ReportTable.Kind.PRECEPT,
        number=3,
        title="Police precept cost",
        label_heading="Band",
        amount_heading="{year} Precept £: p",
    )
    services.roll_forward_year(year_id=year.pk, by=None)
    copied = ReportTable.objects.get(year__start_year=2025)
    assert (copied.kind, copied.number, copied.printed_amount_heading) == (
        "precept",
        3,
        "2025/26 Precept £: p",
    )
