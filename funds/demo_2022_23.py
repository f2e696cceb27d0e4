"""2022/23 budgets for the West Midlands demo, so the 2022/23 annual report's grant tables can be shown.

Published (Annual Report 2022/23): the Victims Fund's £3.400m Core Victim Services grant from the Ministry of Justice,
topped up by £271,410 of community safety funding because the MoJ grants had not kept up with inflation; £1.669m of
the National ISVA and IDVA Fund; Helping Communities Fund "up to £400,000" shared between the NPUs; the PCC's
£200,000 for Operation Soteria pilots; the tables' titles and their order. The report's table bodies are missing
from the source, so every other line and amount is illustrative (`BudgetLine.illustrative`, and said so in each
budget's notes and entry). Runs after funds.demo.load(), from providers.demo.load(), which commissions services
from these lines: the `demo_data` fixture holds 2024/25 alone, the full demo both years. Safe to run twice.
"""

import datetime
from decimal import Decimal

from django.contrib.auth.models import Group

from accounts import roles
from accounts.demo import DEMO_LOGINS
from accounts.models import User

from . import services
from .demo import report_table
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
    RollupName,
)

START_YEAR = 2022
ILLUSTRATIVE = (
    "Illustrative: the 2022/23 table is missing from the source, so these lines are invented for the demo."
)

# The other NPUs of 2022/23 beside Birmingham East and West (funds.demo), one per local authority: the sources name
# only those two, and say HCF money was "shared out between the NPUs" (an inference, brief §3.2). Each rolls up into
# its local authority's LPA from 2024/25.
OTHER_NPUS = ["Coventry", "Dudley", "Sandwell", "Solihull", "Walsall", "Wolverhampton"]

# The £271,410 moved from the Community Safety Fund to the Victims Fund, as the 2022/23 report explains it.
VICTIMS_TOP_UP = Decimal("271410")
TOP_UP_NOTE = (
    "Community safety funding to victims' services: the Ministry of Justice grants had not kept up with inflation "
    "(Annual Report 2022/23)"
)
# Over the office's threshold, so a PCC decision agreed it; the report names none, so this one is invented and marked
# as such in its number ("DEMO-…", a form no real decision takes) and its title.
TOP_UP_DECISION = {
    "number": "DEMO-V1-2022",
    "decided_on": datetime.date(2022, 11, 15),
    "title": "Victims' services 2022/23: community safety funding to top up the Victims Fund (illustrative, "
    "invented for the demo)",
}

# stream slug: (pot entries [(source kind, amount, note, illustrative)], table (number, title, label heading, amount
# heading, total label, project counts, roll up below), lines [(section, name, amount, projects or area name)])
# Numbers follow the 2022/23 report's order (HCF, P&I, Victims Fund, IDVA/ISVA, CSF) after the precept table (3).
POTS = {
    "helping-communities-fund": [
        (
            "poca",
            Decimal("400000"),
            'Proceeds of Crime Act money: "up to £400,000" a year (Annual Report 2022/23)',
        ),
    ],
    "prevention-and-intervention": [
        ("police_fund", Decimal("1619000"), "Illustrative: the 2022/23 Prevention and Intervention budget"),
    ],
    "community-safety-fund": [
        ("police_fund", Decimal("3900000"), "Illustrative: the 2022/23 Community Safety Fund budget"),
    ],
    "victims-fund": [
        ("moj", Decimal("3400000"), "Core Victim Services grant 2022/23, £3.400m (Annual Report 2022/23)"),
    ],
    "idva-isva": [
        (
            "moj",
            Decimal("1669000"),
            "National ISVA and IDVA Fund, 2022/23 share, £1.669m (Annual Report 2022/23)",
        ),
    ],
}
TABLES = {
    "helping-communities-fund": (
        4,
        "Helping Communities Fund Allocations 20222/23",  # [sic]: as the 2022/23 report prints it
        "Neighbourhood Policing Unit",
        "Allocation",
        "Helping Communities Fund Total",
        True,
        None,
    ),
    "prevention-and-intervention": (
        5,
        "Prevention and Intervention Fund {year}",
        "Project/ Area",
        "{year}",
        "Prevention and Intervention Total",
        False,
        Decimal("100000"),
    ),
    "victims-fund": (
        6,
        "Victims Fund Budget {year}",
        "Priority area",
        "{year}",
        "Total Victims Fund Budget",
        False,
        None,
    ),
    "idva-isva": (
        7,
        "IDVA and ISVA Funding {year}",
        "Priority area",
        "{year}",
        "Total IDVA and ISVA Funding",
        False,
        None,
    ),
    "community-safety-fund": (
        8,
        "Community Safety Fund Budget {year_long}",
        "Activity",
        "{year_long}",
        "Total Community Safety Funding",
        False,
        None,
    ),
}
NOTES = {
    "idva-isva": "The £1.669m is published; its split between ISVAs and IDVAs is illustrative.",
    "victims-fund": "The £3.400m grant and the £271,410 top-up are published. Illustrative: the table is missing "
    "from the source, so its lines are invented for the demo.",
}
FORCE_WIDE = ("Force Wide Commissioning Allocations", "Sub-Total")
LOCAL_CSPS = ("Allocation to 7 Local Community Safety Partnerships", "7 Local CSP's")
# (section or None, name, amount, kind, area name or None, project count or None, published)
LINES = {
    "helping-communities-fund": [
        (None, name, Decimal(amount), BudgetLine.Kind.AREA, name, projects, False)
        for name, amount, projects in [
            ("Birmingham East", 62000, 12),
            ("Birmingham West", 58000, 11),
            ("Coventry", 50000, 9),
            ("Dudley", 40000, 7),
            ("Sandwell", 52000, 9),
            ("Solihull", 28000, 5),
            ("Walsall", 50000, 8),
            ("Wolverhampton", 60000, 10),
        ]
    ],
    "prevention-and-intervention": [
        (None, name, Decimal(amount), BudgetLine.Kind.PROJECT, None, None, published)
        for name, amount, published in [
            ("Arrest Referral (Drug Interventions Programme)", 500000, False),
            ("Domestic Abuse Perpetrator Programme", 250000, False),
            (
                "Operation Soteria pilot programmes",
                200000,
                True,
            ),  # the PCC's £200,000 after the June 2022 deep dive
            ("Enterprise for Employment (Birmingham)", 139000, False),
            ("Offender to Recovery", 100000, False),
            ("Stop and Search Education", 60000, False),
            ("Family Drug and Alcohol Courts", 75000, False),
            ("Cautions and Relationship Abuse", 80000, False),
            ("Birmingham Prison release support", 80000, False),
            ("Birmingham Mental Health Treatment Requirement pilot", 20000, False),
            ("Money Mules awareness programme", 40000, False),
            ("Fraud public-health research (Cardiff University)", 45000, False),
            ("DECCA drug education (Sandwell)", 30000, False),
        ]
    ],
    "community-safety-fund": [
        (FORCE_WIDE, name, Decimal(amount), BudgetLine.Kind.COMMISSIONING, None, None, False)
        for name, amount in [
            ("Youth Offending", 640000),
            ("Multi-Agency Risk Assessment Conference (MARAC)", 490000),
            ("Community Safety Partnership - Analysts", 225000),
            ("Arrest Referral (Drug Interventions Programme)", 600000),
            ("New Chance", 280000),
            ("Restorative Justice West Midlands – ASB", 65000),
            ("OPCC Contribution to Sexual Assault Referral Centres", 62590),
            ("Domestic Homicide Reviews", 35000),
        ]
    ]
    + [
        (LOCAL_CSPS, name, Decimal(amount), BudgetLine.Kind.AREA, name, None, False)
        for name, amount in [
            ("Birmingham", 539000),
            ("Coventry", 135000),
            ("Dudley", 110000),
            ("Sandwell", 135000),
            ("Solihull", 79000),
            ("Walsall", 110000),
            ("Wolverhampton", 123000),
        ]
    ],
    "victims-fund": [
        (None, name, Decimal(amount), BudgetLine.Kind.PRIORITY, None, None, False)
        for name, amount in [
            ("Domestic Abuse (DA)", 760000),
            ("FGM Support Services", 36000),
            ("Hate Crime", 150000),
            ("Modern Slavery", 170000),
            ("Victim Support – All crime service", 1030000),
            ("Restorative Justice", 230000),
            ("Road Crime", 78000),
            ("Sexual Violence", 60000),
            ("Sexual Violence – Child Sexual Abuse", 500000),
            ("Stalking and Harassment", 150000),
            ("Those bereaved by DA", 12000),
            ("Associated Costs", 495410),
        ]
    ],
    "idva-isva": [
        (None, "ISVA's", Decimal("1180000"), BudgetLine.Kind.PRIORITY, None, None, False),
        (None, "IDVA's", Decimal("489000"), BudgetLine.Kind.PRIORITY, None, None, False),
    ],
}
# The three small P&I projects the rolled-up row names, as 2024/25's does.
ROLLUP_NAMED = [
    "Stop and Search Education",
    "Family Drug and Alcohol Courts",
    "Cautions and Relationship Abuse",
]


def load() -> FinancialYear:
    year = FinancialYear.objects.get_or_create(start_year=START_YEAR)[0]
    by_slug = {s.slug: s for s in FundingStream.objects.all()}
    areas = _areas()
    sources = {s.kind: s for s in FundingSource.objects.all()}
    budgets = {}
    for slug, entries in POTS.items():
        stream = by_slug[slug]
        budgets[slug], _ = Budget.objects.update_or_create(
            stream=stream, year=year, defaults={"notes": NOTES.get(slug, ILLUSTRATIVE)}
        )
        for source_kind, amount, note in entries:
            if not BudgetEntry.objects.filter(budget=budgets[slug], note=note).exists():
                services.add_to_pot(
                    budget_id=budgets[slug].pk, amount=amount, source=sources[source_kind], note=note
                )
        report_table(year, stream, *TABLES[slug])
    # Before the lines: the Community Safety Fund's pot must have the money free when it moves.
    _top_up_victims_fund(budgets["community-safety-fund"], budgets["victims-fund"])
    for slug, lines in LINES.items():
        _lines(budgets[slug], lines, areas.get(slug, {}))
    return year


def _areas() -> dict[str, dict[str, Area]]:
    """The areas each stream's 2022/23 lines point at: NPUs for the HCF, CSPs for the Community Safety Fund."""
    region = Area.objects.get(kind=Area.Kind.FORCE_AREA)
    last_npu_day = datetime.date(2024, 3, 31)  # the LPAs start on 1 April 2024 (funds.demo.LPA_START)
    for name in OTHER_NPUS:
        Area.objects.update_or_create(
            kind=Area.Kind.NEIGHBOURHOOD_POLICING_UNIT,
            name=name,
            valid_from=None,
            defaults={
                "valid_to": last_npu_day,
                "succeeded_by": Area.objects.get(kind=Area.Kind.LOCAL_POLICING_AREA, name=name),
                "parent": region,
            },
        )
    return {
        "helping-communities-fund": {
            a.name: a for a in Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD_POLICING_UNIT)
        },
        "community-safety-fund": {
            a.name: a for a in Area.objects.filter(kind=Area.Kind.COMMUNITY_SAFETY_PARTNERSHIP)
        },
    }


def _top_up_victims_fund(community_safety: Budget, victims: Budget) -> None:
    """The £271,410 moved as finance would move it: the finance officer asks, the finance approver countersigns
    (funds.services.request_transfer and approve_transfer), under the PCC decision that agreed it. Done once."""
    if BudgetEntry.objects.filter(
        budget=victims, kind=BudgetEntry.Kind.TRANSFER_IN, counterpart=community_safety
    ).exists():
        return
    fields = dict(TOP_UP_DECISION)
    decision, _ = Decision.objects.update_or_create(
        number=fields.pop("number"), defaults={**fields, "status": Decision.Status.MADE}
    )
    decision.budgets.add(community_safety, victims)
    asked_by, countersigned_by = (
        _finance_person(roles.FINANCE_OFFICER),
        _finance_person(roles.FINANCE_APPROVER),
    )
    request = services.request_transfer(
        from_budget_id=community_safety.pk,
        to_budget_id=victims.pk,
        amount=VICTIMS_TOP_UP,
        decision=decision,
        note=TOP_UP_NOTE,
        by=asked_by,
    )
    services.approve_transfer(
        request_id=request.pk, by=countersigned_by, note="Agreed under the PCC decision"
    )


def _finance_person(role: str) -> User:
    """The demo's login for a finance role (accounts.demo), made now if it is not there yet: accounts.demo gives it its
    password after every app's demo has loaded."""
    email, fields = next((email, fields) for _, email, fields, r in DEMO_LOGINS if r == role)
    user, _ = User.objects.get_or_create(email=email, defaults=fields)
    user.groups.add(Group.objects.get(name=role))
    return user


def _lines(budget: Budget, lines: list, areas: dict[str, Area]) -> None:
    sections: dict[str, BudgetSection] = {}
    for order, (section_spec, name, amount, kind, area_name, projects, published) in enumerate(
        lines, start=1
    ):
        section = None
        if section_spec:
            heading, subtotal = section_spec
            if heading not in sections:
                sections[heading], _ = BudgetSection.objects.update_or_create(
                    budget=budget,
                    heading=heading,
                    defaults={"subtotal_label": subtotal, "order": len(sections) + 1},
                )
            section = sections[heading]
        line, _ = BudgetLine.objects.update_or_create(
            budget=budget,
            section=section,
            name=name,
            defaults={
                "kind": kind,
                "area": areas[area_name] if area_name else None,
                "amount": amount,
                "order": order,
                "recorded_project_count": projects,
                "illustrative": not published,
            },
        )
        if name in ROLLUP_NAMED and budget.stream.slug == "prevention-and-intervention":
            RollupName.objects.update_or_create(line=line, defaults={"order": ROLLUP_NAMED.index(name)})
