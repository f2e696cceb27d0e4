"""A half-year return built from the quarters' accepted returns and the payments ledger, every figure traced."""

import datetime
from decimal import Decimal

import pytest

from funder_returns import services
from funder_returns.models import FigureSource, FunderReturn
from funds import services as funds
from providers.models import MonitoringReturn

pytestmark = pytest.mark.django_db


def prepare(world, period="H1", by=None):
    return services.prepare_return(
        template_id=world.template.pk, year_id=world.year.pk, period_code=period, by=by or world.commissioner
    )


def figure(funder_return, question):
    return funder_return.figures.get(question=question)


def traced(fig):
    return sum((s.amount for s in fig.sources.all()), Decimal(0))


def test_a_half_year_adds_up_both_quarters_accepted_returns_and_no_others(world):
    q1 = world.accepted("Refuge", 1, {"new_victims": 10})
    q2 = world.accepted("Refuge", 2, {"new_victims": 12})
    counselling = world.accepted("Counselling", 2, {"new_victims": 5})
    world.accepted("Refuge", 3, {"new_victims": 1000})  # H2
    world.accepted("Diversion", 1, {"new_victims": 2000})  # funded from another stream
    world.accepted("Outreach", 1, {"new_victims": 3000}, status=MonitoringReturn.Status.SUBMITTED)

    fig = figure(prepare(world), world.questions["new_victims"])

    assert fig.value == Decimal(27)
    assert {s.monitoring_return_id for s in fig.sources.all()} == {q1.pk, q2.pk, counselling.pk}
    assert traced(fig) == fig.value
    assert "sum of 3 returns" in fig.how


def test_a_theme_counts_only_services_with_that_priority_area(world):
    world.accepted("Refuge", 1, {"new_victims": 10})
    world.accepted("Outreach", 2, {"new_victims": 4})
    world.accepted("Counselling", 2, {"new_victims": 5})

    fig = figure(prepare(world), world.questions["new_victims_da"])

    assert fig.value == Decimal(14)
    assert traced(fig) == fig.value
    assert "Domestic Abuse (DA)" in fig.how


def test_a_breakdown_option_adds_up_its_counts_from_each_return(world):
    world.accepted(
        "Refuge", 1, {"new_victims": 10}, {("crime_type", "domestic_abuse"): 8, ("crime_type", "other"): 2}
    )
    world.accepted("Counselling", 2, {"new_victims": 5}, {("crime_type", "domestic_abuse"): 1})

    fig = figure(prepare(world), world.questions["domestic_abuse"])

    assert fig.value == Decimal(9)
    assert sorted(s.amount for s in fig.sources.all()) == [Decimal(1), Decimal(8)]
    assert traced(fig) == fig.value


def test_a_percentage_is_worked_out_again_from_its_parts_never_added_up(world):
    world.accepted("Refuge", 1, {"cope_and_recover": 30, "cases_closed": 40, "cope_and_recover_pct": 75})
    world.accepted("Counselling", 2, {"cope_and_recover": 10, "cases_closed": 40, "cope_and_recover_pct": 25})

    fig = figure(prepare(world), world.questions["pct"])

    assert fig.value == Decimal("50.0")  # 40 of 80, not 75 + 25
    assert fig.kind == "percentage"
    assert fig.shown == "50%"
    assert "40 of 80" in fig.how
    assert fig.sources.count() == 2


def test_spend_is_the_payments_dated_in_the_period_with_corrections_and_repayments_netted_off(world):
    july = world.pay("Refuge", "25000", datetime.date(2024, 7, 15))
    world.pay("Refuge", "25000", datetime.date(2024, 10, 15))  # H2
    outreach = world.pay("Outreach", "15000", datetime.date(2024, 4, 20))
    world.pay("Diversion", "7500", datetime.date(2024, 7, 15))  # another stream
    counselling = world.pay("Counselling", "2000", datetime.date(2024, 6, 1))
    wrong = world.pay("Counselling", "999", datetime.date(2024, 8, 1))
    correction = funds.reverse_payment(payment_id=wrong.pk, by=None, reason="Keyed twice")
    repaid = funds.record_repayment(
        commitment_id=world.fundings["Refuge"].commitment_id,
        amount=Decimal("1000"),
        received_on=datetime.date(2024, 9, 1),
        reference="REM-1",
        by=None,
        reason="Sessions not delivered",
    )

    funder_return = prepare(world)
    total, da = (
        figure(funder_return, world.questions["spend"]),
        figure(funder_return, world.questions["spend_da"]),
    )

    assert total.value == Decimal("41000.00")  # 25,000 + 15,000 + 2,000 + 999 - 999 - 1,000
    assert {s.payment_id for s in total.sources.all()} == {
        july.pk,
        outreach.pk,
        counselling.pk,
        wrong.pk,
        correction.pk,
        repaid.pk,
    }
    assert traced(total) == total.value
    assert da.value == Decimal("39000.00")  # Refuge and Outreach only
    assert {s.payment_id for s in da.sources.all()} == {july.pk, outreach.pk, repaid.pk}
    assert traced(da) == da.value


def test_services_funded_counts_the_services_on_the_templates_streams(world):
    fig = figure(prepare(world), world.questions["services"])

    assert fig.value == Decimal(3)
    assert {s.service_id for s in fig.sources.all()} == {
        world.services[n].pk for n in ("Refuge", "Outreach", "Counselling")
    }


def test_a_provider_that_has_not_returned_is_listed_as_a_gap(world):
    for quarter in (1, 2):
        world.accepted("Refuge", quarter, {"new_victims": 1})
        world.accepted("Counselling", quarter, {"new_victims": 1})
    world.accepted("Outreach", 1, {"new_victims": 1})
    world.accepted("Outreach", 2, {"new_victims": 1}, status=MonitoringReturn.Status.CHANGES_REQUESTED)
    MonitoringReturn.objects.get(service=world.services["Refuge"], period=world.periods[1]).delete()

    funder_return = prepare(world)

    assert sorted((g.service_name, g.period_label, g.state) for g in funder_return.gaps.all()) == [
        ("Outreach", "Q2 2024/25", "Changes requested"),
        ("Refuge", "Q2 2024/25", "No return opened"),
    ]


def test_with_every_return_accepted_there_are_no_gaps(world):
    for quarter in (1, 2):
        for name in ("Refuge", "Outreach", "Counselling"):
            world.accepted(name, quarter, {"new_victims": 1})

    assert not prepare(world).gaps.exists()


def test_building_again_replaces_the_drafts_figures(world):
    world.accepted("Refuge", 1, {"new_victims": 10})
    first = prepare(world)
    world.accepted("Refuge", 2, {"new_victims": 5})

    again = prepare(world)

    assert again.pk == first.pk
    assert figure(again, world.questions["new_victims"]).value == Decimal(15)
    assert (
        FigureSource.objects.filter(figure__funder_return=again, monitoring_return__isnull=False).count() == 4
    )


def test_a_return_for_a_period_the_template_does_not_have_is_refused_with_a_message(world):
    with pytest.raises(
        services.FunderReturnError, match="six-monthly, so its periods are H1 or H2"
    ) as caught:
        prepare(world, period="Q3")
    assert caught.value.field == "period"
    assert not FunderReturn.objects.exists()


def test_a_year_with_no_provider_return_periods_is_refused_with_a_message(world):
    from tests.factories import FinancialYearFactory

    later = FinancialYearFactory(start_year=2030)
    with pytest.raises(
        services.FunderReturnError, match="no Victims' services return periods inside H1 2030/31"
    ):
        services.prepare_return(
            template_id=world.template.pk, year_id=later.pk, period_code="H1", by=world.commissioner
        )


def test_someone_without_the_permission_cannot_prepare_a_return(world):
    with pytest.raises(services.FunderReturnError, match="permission"):
        prepare(world, by=world.auditor)


def test_when_the_funder_moves_to_quarterly_returns_q1_is_a_return_of_its_own_beside_the_old_h1(world):
    world.accepted("Refuge", 1, {"new_victims": 10})
    world.accepted("Refuge", 2, {"new_victims": 12})
    half_year = prepare(world)
    world.template.frequency = world.template.Frequency.QUARTERLY
    world.template.save()

    quarter = prepare(world, period="Q1")

    assert quarter.pk != half_year.pk
    assert (quarter.period_label, quarter.ends_on) == ("Q1 2024/25", datetime.date(2024, 6, 30))
    assert figure(quarter, world.questions["new_victims"]).value == Decimal(10)
    assert figure(half_year, world.questions["new_victims"]).value == Decimal(22)
