"""The demo's Ministry of Justice return for H1 2024/25, built from the demo's returns and payments: every figure
equals a count made here straight from the rows, every figure is traced, and the Chief Finance Officer signs it off
and downloads it."""

import datetime
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db.models import Sum
from openpyxl import load_workbook

from accounts.models import User
from funder_returns import demo, services
from funder_returns.exports import return_workbook
from funder_returns.models import FunderReturn, ReturnQuestion
from funds.models import Payment
from providers.models import MonitoringReturn, ReturnBreakdownValue, ReturnValue, ServiceFunding

pytestmark = pytest.mark.django_db
H1 = (datetime.date(2024, 4, 1), datetime.date(2024, 9, 30))


def _services(theme: str = "") -> list[int]:
    fundings = ServiceFunding.objects.filter(
        line__budget__year__start_year=2024, line__budget__stream__slug__in=demo.STREAMS
    )
    if theme:
        fundings = fundings.filter(service__theme=theme)
    return list(fundings.values_list("service_id", flat=True).distinct())


def _accepted(theme: str = ""):
    return MonitoringReturn.objects.filter(
        status=MonitoringReturn.Status.ACCEPTED,
        period__template__slug="victims-services",
        period__starts_on__gte=H1[0],
        period__ends_on__lte=H1[1],
        service_id__in=_services(theme),
    )


def _total(rows, field: str) -> Decimal | None:
    return rows.aggregate(total=Sum(field))["total"]


def expected(question: ReturnQuestion) -> Decimal | None:
    """The figure counted here from the rows, without funder_returns' code."""
    Source = ReturnQuestion.Source
    if question.source == Source.SPEND:
        payments = Payment.objects.filter(
            paid_on__range=H1,
            line__budget__stream__slug__in=demo.STREAMS,
            commitment__content_type__model="service",
            commitment__object_id__in=_services(question.theme),
        )
        return _total(payments, "amount") or Decimal(0)
    if question.source == Source.SERVICES:
        return Decimal(len(_services(question.theme)))
    if question.source == Source.OPTION:
        counts = ReturnBreakdownValue.objects.filter(
            option=question.option, monitoring_return__in=_accepted()
        )
        total = _total(counts, "count")
        return None if total is None else Decimal(total)
    measure = question.measure
    if measure.numerator_id:
        top = _total(
            ReturnValue.objects.filter(measure=measure.numerator, monitoring_return__in=_accepted()), "number"
        )
        bottom = _total(
            ReturnValue.objects.filter(measure=measure.denominator, monitoring_return__in=_accepted()),
            "number",
        )
        return (top * 100 / bottom).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return _total(ReturnValue.objects.filter(measure=measure, monitoring_return__in=_accepted()), "number")


def test_the_demo_half_year_return_is_built_traced_signed_off_and_exported(full_demo):
    funder_return = FunderReturn.objects.select_related("template").get(template__name=demo.NAME)
    assert funder_return.period_label == "H1 2024/25"
    assert funder_return.status == FunderReturn.Status.READY
    assert funder_return.prepared_by.email == demo.COMMISSIONER

    figures = list(funder_return.figures.select_related("question__measure", "question__option"))
    codes = {f.question.measure.code for f in figures if f.question.measure_id}
    assert {"referrals_received", "new_victims", "existing_victims", "cope_and_recover_pct"} <= codes
    assert {f.section_heading for f in figures} >= {
        "Spend by priority area",
        "New victims supported by crime type",
        "New victims supported by disability",
        "Outcomes",
    }
    for figure in figures:
        assert figure.value == expected(figure.question), figure.label
        sources = list(figure.sources.all())
        assert sources, f"{figure.label} is not traced"
        if figure.kind != "percentage":
            assert sum(s.amount for s in sources) == figure.value, figure.label
    assert any(f.value and f.value > 0 for f in figures if f.question.source == ReturnQuestion.Source.SPEND)

    cfo = User.objects.get(email="cfo@demo.pcc-grants.example")
    services.move(return_id=funder_return.pk, to_status=FunderReturn.Status.SIGNED_OFF, by=cfo)
    book = load_workbook(io.BytesIO(return_workbook({"return_id": funder_return.pk})[1]))
    cells = [row[:2] for row in book["Return"].iter_rows(values_only=True)]
    assert (
        "Sign-off",
        f"Signed off by {cfo.full_name}, Chief Finance Officer, on {datetime.date.today():%-d %B %Y}",
    ) in cells
    assert book["Trace"].max_row > len(figures)
