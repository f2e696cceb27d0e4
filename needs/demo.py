"""Demo: the 2024/25 IDVA needs analysis, redistributing the £675,814 IDVA line across the 7 local authorities.

The pot and the areas are published figures; every indicator value and current allocation below is ILLUSTRATIVE (the
female population is roughly half of each borough's 2021 Census population, rounded, not an ONS female count), and
the assessment is marked illustrative so the pages say so. Safe to run twice.
"""

import contextlib
from decimal import Decimal

from django.db import transaction

from funds.models import Area, BudgetLine

from . import services
from .models import CurrentAllocation, Indicator, IndicatorValue, NeedsAssessment

NAME = "IDVA redistribution 2025/26"
AREAS = ["Birmingham", "Coventry", "Dudley", "Sandwell", "Solihull", "Walsall", "Wolverhampton"]
INDICATORS = [
    # (name, weight, source, measure code, illustrative value per area in AREAS order)
    (
        "Female population",
        "0.4",
        Indicator.Source.ENTERED,
        "",
        [580000, 171000, 164000, 172000, 111000, 144000, 133000],
    ),
    ("MARAC referrals", "0.3", Indicator.Source.ENTERED, "", [4100, 1250, 980, 1300, 520, 1010, 990]),
    (
        "Recorded demand",
        "0.3",
        Indicator.Source.MONITORING_RETURNS,
        "caseload",
        [2100, 610, 450, 700, 240, 520, 480],
    ),
]
CURRENT = [280000, 90000, 70000, 75000, 45000, 60000, 55814]  # illustrative; adds up to the £675,814 pot


@transaction.atomic
def load() -> NeedsAssessment | None:
    line = (
        BudgetLine.objects.select_related("budget__year", "budget__stream")
        .filter(budget__stream__slug="idva-isva", budget__year__start_year=2024, name="IDVA's")
        .first()
    )
    if line is None:
        return None  # funds demo data not loaded
    assessment = NeedsAssessment.objects.filter(name=NAME, pot_line=line).first()
    if assessment is None:
        assessment = services.create_assessment(name=NAME, pot_line=line, illustrative=True)
    areas = {a.name: a for a in Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY, name__in=AREAS)}
    for order, (name, weight, source, code, values) in enumerate(INDICATORS):
        indicator, _ = Indicator.objects.update_or_create(
            assessment=assessment,
            name=name,
            defaults={"weight": Decimal(weight), "source": source, "measure_code": code, "order": order},
        )
        for area_name, value in zip(AREAS, values, strict=False):
            IndicatorValue.objects.update_or_create(
                indicator=indicator,
                area=areas[area_name],
                defaults={"value": Decimal(value), "source": IndicatorValue.Source.ENTERED},
            )
        if source == Indicator.Source.MONITORING_RETURNS:
            # No monitoring returns in this deployment: the entered figures stand.
            with contextlib.suppress(services.NeedsError):
                services.fill_from_returns(indicator)
    for area_name, amount in zip(AREAS, CURRENT, strict=False):
        CurrentAllocation.objects.update_or_create(
            assessment=assessment, area=areas[area_name], defaults={"amount": Decimal(amount)}
        )
    return assessment
