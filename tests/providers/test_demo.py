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
    assert set(returns.values_list("period__label", flat=True)) == {f"Q{n} 2024/25" for n in range(1, 5)}
    assert returns.filter(late=True).exists()
    assert returns.filter(status="changes_requested").count() == 1
    assert returns.filter(status="accepted").exists() and returns.filter(status="not_started").exists()
    assert [email for _, email in demo.LOGINS] == [demo.PREPARER, demo.SIGNATORY]
