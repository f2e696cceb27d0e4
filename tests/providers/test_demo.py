from decimal import Decimal

from funds.models import BudgetLine
from funds.selectors import with_line_totals
from providers import demo
from providers.models import MonitoringReturn, Provider, Service


def test_the_demo_loads_twice_and_stays_within_every_line(full_demo):
    # full_demo has loaded it once (the session's demo database); this is the second time
    counts = (
        Service.objects.count(),
        MonitoringReturn.objects.count(),
        BudgetLine.objects.filter(commitments__isnull=False).count(),
    )
    demo.load()
    assert (
        Service.objects.count(),
        MonitoringReturn.objects.count(),
        BudgetLine.objects.filter(commitments__isnull=False).count(),
    ) == counts
    for line in with_line_totals(BudgetLine.objects.filter(service_fundings__isnull=False).distinct()):
        assert line.committed <= line.amount, line

    arrest = Service.objects.get(provider__name="Cranstoun")
    assert sorted(
        (f.line.budget.stream.slug, f.amount) for f in arrest.fundings.select_related("line__budget__stream")
    ) == [
        ("community-safety-fund", Decimal("600000.00")),
        ("prevention-and-intervention", Decimal("500000.00")),
    ]
    assert Provider.objects.get(aliases__name="BCWA").name == "Black Country Women's Aid"

    returns = MonitoringReturn.objects.all()
    assert set(returns.values_list("period__label", flat=True)) == {
        f"Q{n} {year}" for n in range(1, 5) for year in ("2022/23", "2024/25")
    }
    assert returns.filter(late=True).exists()
    assert returns.filter(status="changes_requested").count() == 1
    assert returns.filter(status="accepted").exists() and returns.filter(status="not_started").exists()
    assert [email for _, email in demo.LOGINS] == [demo.PREPARER, demo.SIGNATORY]


def test_the_demo_pays_every_commissioned_service_quarter_by_quarter_with_a_variation_an_underspend_and_a_clawback(
    full_demo,
):
    from funds.models import CommitmentChange, Payment
    from providers.models import PaymentScheduleItem, ServiceFunding

    fundings = ServiceFunding.objects.select_related(
        "commitment", "line__budget__stream", "line__budget__year"
    )
    for funding in fundings:
        items = list(funding.schedule.order_by("due_on"))
        assert items and all(item.payment_id for item in items), funding
        assert funding.amount == funding.commitment.amount, funding
        year = funding.line.budget.year
        paid = Payment.objects.filter(commitment=funding.commitment, kind="payment")
        assert all(year.starts_on <= p.paid_on <= year.ends_on for p in paid), funding
        assert all(p.reference.startswith("PR-") for p in paid), funding
    assert not PaymentScheduleItem.objects.filter(funding__isnull=True).exists()
    streams = {f.line.budget.stream.slug for f in fundings if f.line.budget.year.start_year == 2024}
    spent = set(
        Payment.objects.filter(paid_on__year__in=[2024, 2025], line__budget__year__start_year=2024)
        .values_list("line__budget__stream__slug", flat=True)
        .distinct()
    )
    assert streams <= spent

    kinds = dict(
        CommitmentChange.objects.filter(commitment__service_funding__isnull=False).values_list(
            "commitment__service_funding__service__name", "kind"
        )
    )
    assert kinds == {
        "Domestic abuse support": "variation",
        "FGM practitioner": "underspend",
        "Sexual violence counselling": "repaid",
    }
    varied = ServiceFunding.objects.get(service__name="Domestic abuse support")
    assert (
        varied.amount == Decimal("307500.00")
        and sum(i.amount for i in varied.schedule.all()) == varied.amount
    )
    fgm = ServiceFunding.objects.get(service__name="FGM practitioner")
    assert fgm.amount == Decimal("26250.00") and fgm.schedule.count() == 3
    repaid = Payment.objects.get(kind="repayment")
    assert (repaid.amount, repaid.reference) == (Decimal("-2500.00"), "REM-2025-03-28")

    remedi = Service.objects.get(provider__name="Remedi", start_year__start_year=2024)
    assert sorted(
        (f.line.budget.year.start_year, f.amount)
        for f in remedi.fundings.select_related("line__budget__year")
    ) == [(2024, Decimal("236250.00")), (2025, Decimal("240000.00"))]
    assert remedi.end_year.start_year == 2025
