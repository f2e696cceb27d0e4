"""West Midlands demo data: the office, its areas and streams, and every 2024/25 figure of the annual report's
Tables 4 to 8, loaded from the published figures in demo_data/west_midlands_2024_25.json. Safe to run twice.
"""

import datetime
import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from . import services
from .models import (
    Area,
    Budget,
    BudgetEntry,
    BudgetLine,
    BudgetSection,
    Decision,
    FinancialYear,
    FundingSource,
    FundingStream,
    Office,
    Precept,
    Purpose,
    ReportTable,
    RollupName,
    StreamName,
)

PUBLISHED = Path(__file__).parent / "demo_data" / "west_midlands_2024_25.json"
LPA_START = datetime.date(
    2024, 4, 1
)  # inferred: the 2024/25 report is the first to share money between 7 LPAs

STREAMS = [
    # (name, slug, source kind, area kind, former names)
    (
        "Helping Communities Fund",
        "helping-communities-fund",
        "poca",
        Area.Kind.LOCAL_POLICING_AREA,
        ["Active Citizens Fund", "Community Initiatives Fund"],
    ),
    (
        "Prevention and Intervention",
        "prevention-and-intervention",
        "police_fund",
        "",
        ["External Commissioning", "General Commissioning"],
    ),
    (
        "Community Safety Fund",
        "community-safety-fund",
        "police_fund",
        Area.Kind.COMMUNITY_SAFETY_PARTNERSHIP,
        ["Crime and Disorder Reduction Grant", "Community Safety Funding through the WMCSP"],
    ),
    ("Victims Fund", "victims-fund", "moj", "", ["Victims Services Funding", "Core Victim Services"]),
    ("IDVA/ISVA", "idva-isva", "moj", Area.Kind.LOCAL_AUTHORITY, ["National ISVA and IDVA Fund"]),
]
SOURCES = {
    "poca": "Proceeds of Crime Act",
    "moj": "Ministry of Justice",
    "home_office": "Home Office",
    "police_fund": "Police fund",
    "reserves": "Reserves",
}
# The grant terms funds.services applies to transfers and top-ups (migration 0009 sets the same on older databases).
SOURCE_TERMS = {
    "moj": {
        "allowed_purposes": [Purpose.VICTIMS_SERVICES]
    },  # the MoJ victims' grant funds victims' services only
    "poca": {
        "excluded_purposes": [Purpose.POLICE_OFFICERS]
    },  # seized criminal assets never pay for police officers
}
STREAM_PURPOSES = {
    "helping-communities-fund": Purpose.COMMUNITY_GRANTS,
    "prevention-and-intervention": Purpose.PREVENTION,
    "community-safety-fund": Purpose.COMMUNITY_SAFETY,
    "victims-fund": Purpose.VICTIMS_SERVICES,
    "idva-isva": Purpose.VICTIMS_SERVICES,
}
TABLES = {
    # table number: (stream, title, label heading, amount heading, total label, show projects, roll up below)
    4: (
        "Helping Communities Fund",
        "Helping Communities Fund Allocations {year_short}",
        "Local Policing Area",
        "Allocation",
        "Helping Communities Fund Total",
        True,
        None,
    ),
    5: (
        "Prevention and Intervention",
        "Prevention and Intervention fund",
        "Project/ Area",
        "{year}",
        "Prevention and Intervention Total",
        False,
        Decimal("100000"),
    ),
    6: (
        "Community Safety Fund",
        "Community Safety fund",
        "Activity",
        "{year}",
        "Total Community Safety Funding",
        False,
        None,
    ),
    7: (
        "Victims Fund",
        "Victims Fund Budget {year_short}",
        "Priority area",
        "{year_short}",
        "Total Victims Fund Budget",
        False,
        None,
    ),
    8: (
        "IDVA/ISVA",
        "Independent Domestic Violence Advocate (IDVA) and Independent Sexual Violence Advocate (ISVA) "
        "Funding {year}",
        "Priority area",
        "{year_short}",
        "Total Victims Fund Budget",
        False,
        None,
    ),
}
# Band D of the police precept, by the year it starts in: (amount, notes). The precept table's every band is computed
# from these (funds.precept). 2023/24 and 2024/25 are the 2024/25 report's Table 3; the 2022/23 table is missing from
# the source, so its two years are invented, a £10 rise as the 2022/23 report allowed.
PRECEPTS = {
    2021: (Decimal("186.55"), "Illustrative: invented for the demo, not a published figure"),
    2022: (Decimal("196.55"), "Illustrative: invented for the demo, not a published figure"),
    2023: (Decimal("202.55"), "Annual Report 2024/25, Table 3 (the 2023/24 column)"),
    2024: (Decimal("215.55"), "Annual Report 2024/25, Table 3"),
}
# The years whose annual report prints the precept table: (number, title, band heading, precept heading).
PRECEPT_TABLES = {
    2022: (3, "Police precept cost", "Band", "{year} Precept £: p"),
    2024: (3, "Police precept cost", "Band", "{year} Precept £: p"),
}
HCF_KINDS = {
    "LPA Reserve": BudgetLine.Kind.RESERVE,
    "Community Response Fund": BudgetLine.Kind.RING_FENCE,
    "Street Watch": BudgetLine.Kind.RING_FENCE,
}
# The report prints one rolled-up row for 14 P&I projects under £100K and names three of them. The system holds each
# project; the split below is illustrative (it adds up to the published £667,952), and so are the other 11 names.
SMALL_PROJECTS_NAMED = [
    "Stop and Search Education",
    "Family Drug and Alcohol Courts",
    "Cautions and Relationship Abuse",
]
SMALL_PROJECTS_TOTAL = Decimal("667952")
# "The PCC has therefore used reserves in 2024/25" to top up the Victims Fund (Table 7's £3,775,558). The report gives
# neither the amount nor the decision, so both are illustrative; the rest of the pot is the Ministry of Justice grant.
RESERVES_TOP_UP = Decimal("300000")
RESERVES_NOTE = "Top-up from reserves (Annual Report 2024/25); illustrative amount"
RESERVES_DECISION = {
    "number": "DEMO-V2-2024",
    "decided_on": datetime.date(2024, 11, 12),
    "title": "Victims' services 2024/25: top-up from reserves (illustrative, invented for the demo)",
}
DECISIONS = [
    ("009-2019", datetime.date(2019, 4, 11), "Victims Services"),
    ("008-2020", datetime.date(2020, 2, 13), "Revenue Budget"),
    ("016-2020", datetime.date(2020, 3, 24), "Victims Services"),
    ("017-2020", datetime.date(2020, 3, 24), "External Commissioning and Active Citizens Budget 2020/21"),
]


def _published() -> dict:
    return json.loads(PUBLISHED.read_text())


def _table(data: dict, number: int) -> dict:
    return next(t for t in data["tables"] if t["title"].startswith(f"Table {number}."))


@transaction.atomic
def load() -> dict:
    data = _published()
    office, _ = Office.objects.update_or_create(
        pk=Office.objects.values_list("pk", flat=True).first(),
        defaults={
            "name": "Office of the West Midlands Police and Crime Commissioner",
            "short_name": "West Midlands OPCC",
            "address": "Lloyd House, Colmore Circus Queensway, Birmingham B4 6NQ",
            "police_force_area": data["police_force_area"]["name"],
            "police_force_area_code": data["police_force_area"]["ons_code"],
            # Illustrative, so the demo can make 360Giving files: a real office must replace both with the prefix
            # 360Giving issues it and its org-id.guide identifier before publishing anything.
            "giving_prefix": "360G-wmopcc-demo",
            "org_identifier": "GB-GOR-wmopcc-demo",
        },
    )
    years = {y: FinancialYear.objects.get_or_create(start_year=y)[0] for y in range(2019, 2026)}
    year = years[FinancialYear.start_year_from_label(data["financial_year"])]
    areas = _load_areas(data)
    streams = _load_streams()
    for number in TABLES:
        _load_table(data, number, year, streams, areas)
    _load_precepts(years)
    for number, decided_on, title in DECISIONS:
        Decision.objects.update_or_create(number=number, defaults={"decided_on": decided_on, "title": title})
    return {"office": office, "year": year}


def _load_precepts(years: dict[int, FinancialYear]) -> None:
    for start_year, (band_d, notes) in PRECEPTS.items():
        Precept.objects.update_or_create(year=years[start_year], defaults={"band_d": band_d, "notes": notes})
    for start_year, (number, title, band_heading, precept_heading) in PRECEPT_TABLES.items():
        ReportTable.objects.update_or_create(
            year=years[start_year],
            kind=ReportTable.Kind.PRECEPT,
            defaults={
                "number": number,
                "title": title,
                "label_heading": band_heading,
                "amount_heading": precept_heading,
            },
        )


def _load_areas(data: dict) -> dict[tuple[str, str], Area]:
    force = data["police_force_area"]
    region, _ = Area.objects.update_or_create(
        kind=Area.Kind.FORCE_AREA,
        name=force["name"],
        valid_from=None,
        defaults={"ons_code": force["ons_code"]},
    )
    areas = {}
    for la in data["local_authorities"]:
        for kind, valid_from in [
            (Area.Kind.LOCAL_AUTHORITY, None),
            (Area.Kind.COMMUNITY_SAFETY_PARTNERSHIP, None),
            (Area.Kind.LOCAL_POLICING_AREA, LPA_START),
        ]:
            areas[(kind, la["name"])], _ = Area.objects.update_or_create(
                kind=kind,
                name=la["name"],
                valid_from=valid_from,
                defaults={"ons_code": la["ons_code"], "parent": region},
            )
    birmingham = areas[(Area.Kind.LOCAL_POLICING_AREA, "Birmingham")]
    for name in ("Birmingham East", "Birmingham West"):
        Area.objects.update_or_create(
            kind=Area.Kind.NEIGHBOURHOOD_POLICING_UNIT,
            name=name,
            valid_from=None,
            defaults={
                "valid_to": LPA_START - datetime.timedelta(days=1),
                "succeeded_by": birmingham,
                "parent": region,
            },
        )
    return areas


def _load_streams() -> dict[str, FundingStream]:
    sources = {
        kind: FundingSource.objects.update_or_create(
            name=name, defaults={"kind": kind, **SOURCE_TERMS.get(kind, {})}
        )[0]
        for kind, name in SOURCES.items()
    }
    streams = {}
    for order, (name, slug, source, area_kind, former) in enumerate(STREAMS, start=1):
        streams[name], _ = FundingStream.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "source": sources[source],
                "area_kind": area_kind,
                "report_order": order,
                "purpose": STREAM_PURPOSES[slug],
            },
        )
        for alias in former:
            StreamName.objects.update_or_create(name=alias, defaults={"stream": streams[name]})
    return streams


def _load_table(data, number, year, streams, areas) -> None:
    stream_name, title, label_heading, amount_heading, total_label, projects, rollup = TABLES[number]
    stream = streams[stream_name]
    published = _table(data, number)
    budget, _ = Budget.objects.get_or_create(stream=stream, year=year)
    top_up = RESERVES_TOP_UP if number == 7 else Decimal("0")
    BudgetEntry.objects.update_or_create(
        budget=budget,
        kind=BudgetEntry.Kind.ALLOCATION,
        note=f"Published {year} pot",
        defaults={"amount": Decimal(published["printed_total"]) - top_up, "source": stream.source},
    )
    if top_up:
        _top_up_from_reserves(budget, top_up)
    report_table(year, stream, number, title, label_heading, amount_heading, total_label, projects, rollup)
    sections: dict[str, BudgetSection] = {}
    items = [r for r in published["rows"] if r["row_type"] == "item"]
    subtotals = {r.get("section"): r["label"] for r in published["rows"] if r["row_type"] == "subtotal"}
    for order, row in enumerate(items, start=1):
        heading = row.get("section") or ""
        section = None
        if heading:
            if heading not in sections:
                sections[heading], _ = BudgetSection.objects.update_or_create(
                    budget=budget,
                    heading=heading,
                    defaults={"subtotal_label": subtotals.get(heading, ""), "order": len(sections) + 1},
                )
            section = sections[heading]
        if number == 5 and row["label"].startswith("14 Projects Under"):
            _load_small_projects(budget, order)
            continue
        kind, area = _line_kind(number, row["label"], stream, areas)
        BudgetLine.objects.update_or_create(
            budget=budget,
            section=section,
            name=row["label"],
            defaults={
                "kind": kind,
                "area": area,
                "amount": Decimal(row["amount"]),
                "order": order,
                "recorded_project_count": row.get("projects"),
            },
        )


def report_table(
    year, stream, number, title, label_heading, amount_heading, total_label, projects, rollup
) -> None:
    """How a year's budget for `stream` is printed in the annual report (funds.ReportTable). Safe to run again."""
    ReportTable.objects.update_or_create(
        year=year,
        stream=stream,
        defaults={
            "number": number,
            "title": title,
            "label_heading": label_heading,
            "amount_heading": amount_heading,
            "total_label": total_label,
            "show_project_count": projects,
            "rollup_below": rollup,
        },
    )


def _top_up_from_reserves(budget: Budget, amount: Decimal) -> None:
    """2024/25's Victims Fund, topped up from reserves as the report says, through funds.services as finance would,
    under the (invented) decision that agreed it. Done once."""
    if budget.entries.filter(kind=BudgetEntry.Kind.TOP_UP).exists():
        return
    fields = dict(RESERVES_DECISION)
    decision, _ = Decision.objects.update_or_create(
        number=fields.pop("number"), defaults={**fields, "status": Decision.Status.MADE}
    )
    decision.budgets.add(budget)
    services.add_to_pot(
        budget_id=budget.pk,
        amount=amount,
        kind=BudgetEntry.Kind.TOP_UP,
        source=FundingSource.objects.get(kind="reserves"),
        decision=decision,
        note=RESERVES_NOTE,
    )


def _line_kind(number: int, label: str, stream: FundingStream, areas) -> tuple[str, Area | None]:
    area = areas.get((stream.area_kind, label)) if stream.area_kind else None
    if area is not None:
        return BudgetLine.Kind.AREA, area
    if number == 4:
        return HCF_KINDS[label], None
    if number == 5:
        return BudgetLine.Kind.PROJECT, None
    if number == 6:
        return BudgetLine.Kind.COMMISSIONING, None
    return BudgetLine.Kind.PRIORITY, None


def _load_small_projects(budget: Budget, order: int) -> None:
    names = SMALL_PROJECTS_NAMED + [f"Illustrative small project {n}" for n in range(1, 12)]
    share = (SMALL_PROJECTS_TOTAL / len(names)).quantize(Decimal("1"))
    amounts = [share] * (len(names) - 1) + [SMALL_PROJECTS_TOTAL - share * (len(names) - 1)]
    for position, (name, amount) in enumerate(zip(names, amounts, strict=False)):
        line, _ = BudgetLine.objects.update_or_create(
            budget=budget,
            section=None,
            name=name,
            defaults={
                "kind": BudgetLine.Kind.PROJECT,
                "amount": amount,
                "order": order + position,
                "illustrative": True,
            },
        )
        if name in SMALL_PROJECTS_NAMED:
            RollupName.objects.update_or_create(
                line=line, defaults={"order": SMALL_PROJECTS_NAMED.index(name)}
            )
