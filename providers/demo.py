"""2024/25 commissioned services for the West Midlands demo, and four quarters of monitoring returns; and 2022/23's
victims' services (with their budgets, funds.demo_2022_23), paid and reported on in full.

Published: the Victims Fund (Table 7) and IDVA/ISVA (Table 8) lines, the providers named in the annual reports, and
Arrest Referral's £500,000 from Prevention and Intervention plus £600,000 from the Community Safety Fund; the year
totals in YEAR_TOTALS (2022/23 victims supported, 2024/25 Arrest Referral outputs). Illustrative (marked
`illustrative=True`): how a line is split between providers where the report does not say, and every figure of a
single return, the payment schedules and what was paid, varied, released and repaid, and the 2025/26
half of Remedi's two-year contract with the 2025/26 budget structure it is funded from. Runs after funds.demo.load();
safe to run twice.
"""

import datetime
import functools
import random
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from funds import demo_2022_23 as funds_2022_23
from funds import services as funds
from funds.models import Area, Budget, BudgetEntry, BudgetLine, CommitmentChange, FinancialYear, Payment

from . import funding as money
from . import ready_templates, services
from .models import (
    Measure,
    MonitoringReturn,
    PaymentScheduleItem,
    Provider,
    ProviderAlias,
    ProviderMembership,
    Service,
    ServiceDocument,
    ServiceFunding,
)

PREPARER = "provider@demo.pcc-grants.example"
SIGNATORY = "signoff@demo.pcc-grants.example"
COMMISSIONER = "commissioning@demo.pcc-grants.example"
LOGINS = [
    ("Provider, prepares returns (Black Country Women's Aid)", PREPARER),
    ("Provider, signs off returns (Black Country Women's Aid)", SIGNATORY),
]
DEMO_PROVIDER = "Black Country Women's Aid"

PROVIDERS = {
    # name: aliases
    "Victim Support": [],
    "Remedi": [],
    "Black Country Women's Aid": ["BCWA"],
    "Birmingham and Solihull Women's Aid": ["BSWA"],
    "Coventry Haven": ["Coventry Haven Women's Aid"],
    "Wolverhampton DV Forum": ["Wolverhampton Domestic Violence Forum"],
    "CRASAC": ["Coventry Rape and Sexual Abuse Centre"],
    "RSVP": ["Rape and Sexual Violence Project"],
    "Cranstoun": ["CARS"],
    "West Midlands Anti-Slavery Network": [],
}
BLACK_COUNTRY = ["Dudley", "Sandwell", "Walsall", "Wolverhampton"]
VF, IDVA, AR = ready_templates.VICTIMS_SERVICES, ready_templates.IDVA_ISVA, ready_templates.ARREST_REFERRAL
# (provider, service, theme, [(stream slug, line name, amount)], areas, template, illustrative split, status)
SERVICES = [
    (
        "Victim Support",
        "All crime service",
        "Victim Support – All crime service",
        [("victims-fund", "Victim Support – All crime service", 1063369)],
        [],
        VF,
        False,
        "recommissioning",
    ),
    (
        "Victim Support",
        "Road Collision Project",
        "Road Crime",
        [("victims-fund", "Road Crime", 80343)],
        [],
        VF,
        False,
        "active",
    ),
    (
        "Remedi",
        "Restorative Justice West Midlands",
        "Restorative Justice",
        # A two-year contract: 2024/25 as published, and an illustrative 2025/26 share (NEXT_YEAR_VICTIMS_POT).
        [
            ("victims-fund", "Restorative Justice", 236250),
            ("victims-fund", "Restorative Justice", 240000, 2025),
        ],
        [],
        VF,
        False,
        "active",
    ),
    (
        "Black Country Women's Aid",
        "Black Country domestic abuse support",
        "Domestic Abuse (DA)",
        [("victims-fund", "Domestic Abuse (DA)", 300000)],
        BLACK_COUNTRY,
        VF,
        True,
        "active",
    ),
    (
        "Black Country Women's Aid",
        "Regional stalking and harassment service",
        "Stalking and Harassment",
        [("victims-fund", "Stalking and Harassment", 155379)],
        [],
        VF,
        False,
        "active",
    ),
    (
        "Birmingham and Solihull Women's Aid",
        "Domestic abuse support",
        "Domestic Abuse (DA)",
        [("victims-fund", "Domestic Abuse (DA)", 300000)],
        ["Birmingham", "Solihull"],
        VF,
        True,
        "active",
    ),
    (
        "Coventry Haven",
        "Domestic and honour-based abuse support",
        "Domestic Abuse (DA)",
        [("victims-fund", "Domestic Abuse (DA)", 150000)],
        ["Coventry"],
        VF,
        True,
        "active",
    ),
    (
        "Coventry Haven",
        "FGM practitioner",
        "FGM Support Services",
        [("victims-fund", "FGM Support Services", 35000)],
        ["Coventry"],
        VF,
        True,
        "active",
    ),
    (
        "RSVP",
        "Sexual violence counselling",
        "Sexual Violence",
        [("victims-fund", "Sexual Violence", 30000)],
        ["Birmingham", "Solihull"],
        VF,
        True,
        "active",
    ),
    (
        "CRASAC",
        "Sexual violence support",
        "Sexual Violence",
        [("victims-fund", "Sexual Violence", 30000)],
        ["Coventry"],
        VF,
        True,
        "active",
    ),
    (
        "RSVP",
        "Children and young people's sexual abuse service",
        "Sexual Violence – Child Sexual Abuse",
        [("victims-fund", "Sexual Violence – Child Sexual Abuse", 265000)],
        ["Birmingham", "Solihull"],
        VF,
        True,
        "active",
    ),
    (
        "CRASAC",
        "Child sexual abuse support",
        "Sexual Violence – Child Sexual Abuse",
        [("victims-fund", "Sexual Violence – Child Sexual Abuse", 265000)],
        ["Coventry"],
        VF,
        True,
        "active",
    ),
    (
        "West Midlands Anti-Slavery Network",
        "Victim safeguarding pathways",
        "Modern Slavery",
        [("victims-fund", "Modern Slavery", 150000)],
        [],
        VF,
        True,
        "active",
    ),
    (
        "Birmingham and Solihull Women's Aid",
        "IDVA service",
        "IDVA's",
        [("idva-isva", "IDVA's", 250000)],
        ["Birmingham", "Solihull"],
        IDVA,
        True,
        "active",
    ),
    (
        "Black Country Women's Aid",
        "IDVA service",
        "IDVA's",
        [("idva-isva", "IDVA's", 200000)],
        BLACK_COUNTRY,
        IDVA,
        True,
        "active",
    ),
    (
        "Coventry Haven",
        "IDVA service",
        "IDVA's",
        [("idva-isva", "IDVA's", 100000)],
        ["Coventry"],
        IDVA,
        True,
        "active",
    ),
    (
        "Wolverhampton DV Forum",
        "IDVA service",
        "IDVA's",
        [("idva-isva", "IDVA's", 100000)],
        ["Wolverhampton"],
        IDVA,
        True,
        "active",
    ),
    (
        "RSVP",
        "ISVA service",
        "ISVA's",
        [("idva-isva", "ISVA's", 1000000)],
        ["Birmingham", "Solihull"],
        IDVA,
        True,
        "active",
    ),
    (
        "CRASAC",
        "ISVA service",
        "ISVA's",
        [("idva-isva", "ISVA's", 600000)],
        ["Coventry"],
        IDVA,
        True,
        "active",
    ),
    (
        "Black Country Women's Aid",
        "ISVA service",
        "ISVA's",
        [("idva-isva", "ISVA's", 500000)],
        BLACK_COUNTRY,
        IDVA,
        True,
        "active",
    ),
    (
        "Cranstoun",
        "Arrest Referral (Drug Interventions Programme)",
        "Substance misuse",
        [
            ("prevention-and-intervention", "Arrest Referral (Drug Interventions Programme)", 500000),
            ("community-safety-fund", "Arrest Referral (Drug Interventions Programme)", 600000),
        ],
        [],
        AR,
        False,
        "active",
    ),
]
# 2022/23, a past year: the victims' services the 2022/23 lines paid for (funds.demo_2022_23), each paid in full in
# the year and with four accepted returns. Its figures add up to the 2022/23 report's (YEAR_TOTALS). Which provider had
# which line, the amounts, and every figure of a single return are illustrative. The contracts ended on 31 March 2023.
# (provider, service, theme, [(stream slug, line name, amount)], areas, template, share of the year's victims)
SERVICES_2022_23 = [
    (
        "Victim Support",
        "Initial contact, assessment and referral service",
        "Victim Support – All crime service",
        [("victims-fund", "Victim Support – All crime service", 1030000)],
        [],
        VF,
        62,
    ),
    (
        "Remedi",
        "Restorative Justice",
        "Restorative Justice",
        [("victims-fund", "Restorative Justice", 230000)],
        [],
        VF,
        3,
    ),
    (
        "Black Country Women's Aid",
        "Domestic abuse and stalking outreach",
        "Domestic Abuse (DA)",
        [
            ("victims-fund", "Domestic Abuse (DA)", 380000),
            ("victims-fund", "Stalking and Harassment", 150000),
        ],
        BLACK_COUNTRY,
        VF,
        10,
    ),
    (
        "Birmingham and Solihull Women's Aid",
        "Domestic abuse helpline and outreach",
        "Domestic Abuse (DA)",
        [("victims-fund", "Domestic Abuse (DA)", 380000)],
        ["Birmingham", "Solihull"],
        VF,
        12,
    ),
    (
        "Coventry Haven",
        "Honour-based abuse and FGM support",
        "FGM Support Services",
        [("victims-fund", "FGM Support Services", 36000)],
        ["Coventry"],
        VF,
        1,
    ),
    (
        "RSVP",
        "Sexual violence and child sexual abuse counselling",
        "Sexual Violence",
        [
            ("victims-fund", "Sexual Violence", 30000),
            ("victims-fund", "Sexual Violence – Child Sexual Abuse", 250000),
        ],
        ["Birmingham", "Solihull"],
        VF,
        4,
    ),
    (
        "CRASAC",
        "Sexual violence and child sexual abuse counselling",
        "Sexual Violence",
        [
            ("victims-fund", "Sexual Violence", 30000),
            ("victims-fund", "Sexual Violence – Child Sexual Abuse", 250000),
        ],
        ["Coventry"],
        VF,
        3,
    ),
    (
        "West Midlands Anti-Slavery Network",
        "Slavery and trafficking victim pathways",
        "Modern Slavery",
        [("victims-fund", "Modern Slavery", 170000)],
        [],
        VF,
        1,
    ),
    (
        "RSVP",
        "ISVA service (National ISVA and IDVA Fund)",
        "ISVA's",
        [("idva-isva", "ISVA's", 1180000)],
        ["Birmingham", "Solihull"],
        IDVA,
        0,
    ),
    (
        "Birmingham and Solihull Women's Aid",
        "IDVA service (National ISVA and IDVA Fund)",
        "IDVA's",
        [("idva-isva", "IDVA's", 489000)],
        ["Birmingham", "Solihull"],
        IDVA,
        0,
    ),
]
# (template, year) -> each figure's total over the year's accepted returns, shared between the services by their
# share above and between the quarters by QUARTER_WEIGHTS. 2022/23: the report's victims supported (89,911, of whom
# about 70% new: the split is illustrative), reported to the police, referred on and referred for mental health
# support. 2024/25 Arrest Referral: the report's outputs; how the 4,115 assessments split between required,
# voluntary and court is illustrative. A return's total assessments is its three kinds added up.
YEAR_TOTALS = {
    (VF, 2022): {
        "new_victims": 62938,
        "existing_victims": 26973,
        "reported_to_police": 61471,
        "onward_referrals": 5098,
        "mental_health_referrals": 1445,
    },
    (AR, 2024): {
        "required_assessments": 2470,
        "voluntary_assessments": 1195,
        "court_assessments": 450,
        "contacts_interventions": 14376,
        "drrs_granted": 235,
        "atrs_granted": 126,
        "treatment_referrals": 2224,
    },
}
ASSESSMENTS = ["required_assessments", "voluntary_assessments", "court_assessments"]
QUARTER_WEIGHTS = [24, 25, 26, 25]
# New victims by crime type, by the service's theme (illustrative): the 2022/23 "victims supported by crime category".
CRIME_MIX = {
    "Victim Support – All crime service": {
        "acquisitive": 48,
        "violence": 22,
        "domestic_abuse": 10,
        "stalking": 3,
        "hate_crime": 4,
        "road_crime": 2,
        "other": 11,
    },
    "Restorative Justice": {"violence": 40, "acquisitive": 45, "other": 15},
    "Domestic Abuse (DA)": {"domestic_abuse": 80, "stalking": 13, "sexual_violence": 7},
    "FGM Support Services": {"other": 60, "domestic_abuse": 40},
    "Sexual Violence": {"sexual_violence": 1},
    "Modern Slavery": {"modern_slavery": 1},
}
CHANGES_REQUESTED = ("Victim Support", "All crime service", 2)  # (provider, service, quarter index)
STILL_TO_DO = (DEMO_PROVIDER, "Black Country domestic abuse support")  # its Q4 return is left not started
CHANGES_COMMENT = (
    "Existing victims supported looks as if it counts Q2's new victims twice. Please check and resubmit."
)

# The money after commitment (all illustrative). Every funding has four quarterly instalments (providers.funding.
# make_schedule) paid quarter by quarter in the finance system's payment runs, on these days of its year...
PAYMENT_RUNS = [(7, 15), (10, 15), (1, 15), (3, 14)]  # (month, day): Q1 to Q4
# ...except that one contract was varied up after Q2 was paid (its last instalment takes the rise),
VARIED = (
    "Birmingham and Solihull Women's Aid",
    "Domestic abuse support",
    Decimal("307500"),
    "Contract review in October 2024 agreed extra refuge support over the winter: £7,500 for Q4.",
)
# one ended with its Q4 instalment unpaid and the underspend released,
UNDERSPENT = (
    "Coventry Haven",
    "FGM practitioner",
    "The practitioner post was vacant from January 2025 and the contract ended on 31 March 2025, so the Q4 "
    "instalment was not claimed.",
)
# and one provider paid money back after its Q4 figures were checked (a clawback).
REPAID = (
    "RSVP",
    "Sexual violence counselling",
    Decimal("2500"),
    datetime.date(2025, 3, 28),
    "REM-2025-03-28",
    "Twenty counselling sessions paid for in Q4 were not delivered; RSVP repaid their cost.",
)
# Remedi's Restorative Justice contract runs for two years, funded over 2024/25 and 2025/26 in one go
# (providers.funding.fund_service_over_years), from a 2025/26 structure rolled forward from 2024/25.
NEXT_YEAR_VICTIMS_POT = Decimal("240000")


@transaction.atomic
def load() -> dict:
    year = FinancialYear.objects.get(start_year=2024)
    templates = ready_templates.install()
    _measures.cache_clear()
    commissioner = _user(COMMISSIONER, "Demo Commissioning Officer", password=True, is_staff=True)
    # The role the demo's reviews are made under (accounts.roles; its group exists from migrate).
    commissioner.groups.add(Group.objects.get(name=roles.COMMISSIONING_OFFICER))
    providers = {}
    for name, aliases in PROVIDERS.items():
        providers[name], _ = Provider.objects.get_or_create(
            name=name, defaults={"contact_email": f"monitoring@{_slug(name)}.demo.pcc-grants.example"}
        )
        for alias in aliases:
            ProviderAlias.objects.update_or_create(name=alias, defaults={"provider": providers[name]})
    people = {name: _people(provider) for name, provider in providers.items()}
    areas = {a.name: a for a in Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY)}
    _next_year_budgets(year)
    loaded = []
    for provider, name, theme, fundings, covers, template, illustrative, status in SERVICES:
        last_year = max((f[3] if len(f) > 3 else year.start_year) for f in fundings)
        service, _ = Service.objects.update_or_create(
            provider=providers[provider],
            name=name,
            defaults={
                "theme": theme,
                "status": status,
                "start_year": year,
                "end_year": FinancialYear.objects.get(start_year=last_year),
                "template": templates[template] if template else None,
                "illustrative": illustrative,
                "contract_manager": commissioner,
            },
        )
        service.areas.set([areas[a] for a in covers])
        # Committed by the loader itself (by=None): commissioning officers run services but do not commit money.
        _fund(service, year, fundings, None)
        loaded.append(service)
    past_year = funds_2022_23.load()  # the 2022/23 budgets these services are paid from
    ended = _services_2022_23(past_year, providers, areas, templates, commissioner)
    _pay(loaded + ended)
    _document(Service.objects.get(provider=providers[DEMO_PROVIDER], name="IDVA service"))
    for template in templates.values():
        for each_year in (past_year, year):
            periods = services.create_periods(template=template, year=each_year)
            for period in periods:
                services.open_returns(period=period)
            planned = _planned_figures(template, each_year)
            for index, period in enumerate(periods):
                for ret in MonitoringReturn.objects.filter(
                    period=period, status=MonitoringReturn.Status.NOT_STARTED
                ).select_related("service__provider", "period"):
                    # Every return of the past year is in and accepted, planned or not.
                    figures = planned.get(ret.pk, {} if each_year == past_year else None)
                    _make_return(ret, index, people[ret.service.provider.name], commissioner, figures)
    # Their returns are in, so the 2022/23 contracts can show as ended (open_returns passes ended services over).
    Service.objects.filter(pk__in=[s.pk for s in ended]).update(status=Service.Status.ENDED)
    return {"services": loaded + ended}


def _services_2022_23(year, providers, areas, templates, commissioner) -> list[Service]:
    made = []
    for provider, name, theme, fundings, covers, template, _share in SERVICES_2022_23:
        # Active until its returns are made (below in load), then ended.
        service, _ = Service.objects.update_or_create(
            provider=providers[provider],
            name=name,
            defaults={
                "theme": theme,
                "status": Service.Status.ACTIVE,
                "start_year": year,
                "end_year": year,
                "template": templates[template],
                "illustrative": True,
                "contract_manager": commissioner,
            },
        )
        service.areas.set([areas[a] for a in covers])
        _fund(service, year, fundings, None)
        made.append(service)
    return made


def _planned_figures(template, year) -> dict[int, dict[str, int]]:
    """Return id -> the figures YEAR_TOTALS fixes for it: each total shared out over all the year's returns on the
    template (made or not yet), so the shares are the same however often the demo runs."""
    totals = YEAR_TOTALS.get((template.slug, year.start_year))
    if not totals:
        return {}
    shares = {(p, s): share for p, s, *_, share in SERVICES_2022_23}
    returns = list(
        MonitoringReturn.objects.filter(period__template=template, period__year=year)
        .select_related("service__provider", "period")
        .order_by("service__provider__name", "service__name", "period__starts_on")
    )
    weights = [
        shares.get((r.service.provider.name, r.service.name), 1)
        * QUARTER_WEIGHTS[(r.period.starts_on.month - 4) % 12 // 3]
        for r in returns
    ]
    planned: dict[int, dict[str, int]] = {r.pk: {} for r in returns}
    for code, total in totals.items():
        for ret, figure in zip(returns, _split(total, weights), strict=True):
            planned[ret.pk][code] = figure
    if set(ASSESSMENTS) <= set(totals):
        for figures in planned.values():
            figures["total_assessments"] = sum(figures[code] for code in ASSESSMENTS)
    return planned


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower().replace("'", "")).strip("-")


def _user(email: str, full_name: str, *, password: bool, **fields) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name, **fields})
    if created:
        user.set_password(DEMO_PASSWORD) if password else user.set_unusable_password()
        user.save()
    return user


def _people(provider: Provider) -> tuple[User, User]:
    """A preparer and a signatory. The demo provider's can sign in; the others exist only to have made returns."""
    if provider.name == DEMO_PROVIDER:
        preparer = _user(PREPARER, "Demo Returns Preparer", password=True)
        signatory = _user(SIGNATORY, "Demo Returns Signatory", password=True)
    else:
        slug = _slug(provider.name)
        preparer = _user(
            f"returns@{slug}.demo.pcc-grants.example", f"{provider.name} returns", password=False
        )
        signatory = _user(
            f"director@{slug}.demo.pcc-grants.example", f"{provider.name} director", password=False
        )
    for user, role in (
        (preparer, ProviderMembership.Role.CONTRIBUTOR),
        (signatory, ProviderMembership.Role.SIGNATORY),
    ):
        ProviderMembership.objects.update_or_create(provider=provider, user=user, defaults={"role": role})
    return preparer, signatory


def _fund(service, year, fundings, by) -> None:
    """Fund the service from each line it is not yet funded from: a contract over several years in one go."""
    missing = []
    for stream_slug, line_name, amount, *start in fundings:
        line = BudgetLine.objects.select_related("budget").get(
            budget__stream__slug=stream_slug,
            budget__year__start_year=start[0] if start else year.start_year,
            name=line_name,
        )
        if not service.fundings.filter(line=line).exists():
            missing.append((line, Decimal(amount)))
    if len({line.budget.year_id for line, _ in missing}) > 1:
        money.fund_service_over_years(
            service_id=service.pk, profile=[(line.pk, amount) for line, amount in missing], by=by
        )
        return
    for line, amount in missing:
        services.fund_service(service=service, line_id=line.pk, amount=amount, by=by)


def _next_year_budgets(year) -> None:
    """2025/26's budget structure, rolled forward from 2024/25 as finance would at the year end, and the Victims Fund
    money agreed so far for it: the second year of Remedi's contract (illustrative). What is there already is kept."""
    following = FinancialYear.objects.get(start_year=year.start_year + 1)
    if not Budget.objects.filter(year=following).exists():
        funds.roll_forward_year(
            year_id=year.pk, by=None, reason=f"Demo: {following} budgets, rolled forward from {year}"
        )
    line = BudgetLine.objects.select_related("budget__stream__source").get(
        budget__stream__slug="victims-fund", budget__year=following, name="Restorative Justice"
    )
    note = f"Illustrative: {following} Victims Fund money agreed so far (the Restorative Justice contract)"
    if not BudgetEntry.objects.filter(budget=line.budget, note=note).exists():
        funds.add_to_pot(
            budget_id=line.budget_id,
            amount=NEXT_YEAR_VICTIMS_POT,
            source=line.budget.stream.source,
            note=note,
            by=None,
        )
    if line.amount < NEXT_YEAR_VICTIMS_POT:
        line.amount, line.illustrative = NEXT_YEAR_VICTIMS_POT, True
        funds.save_line(line=line, by=None, reason=note)


def _pay(loaded: list[Service]) -> None:
    """Schedule every funding of the demo's services and pay it quarter by quarter, with the variation, the
    underspend and the repayment above, each in its place in the year. Each step is skipped once it is done."""
    fundings = list(
        ServiceFunding.objects.filter(service__in=loaded)
        .select_related("service__provider", "line__budget__year", "commitment")
        .order_by("line__budget__year__start_year", "pk")
    )
    for funding in fundings:
        _drop_unlinked_instalments(funding.service)
        if not funding.schedule.exists():
            money.make_schedule(funding_id=funding.pk, by=None)
    for quarter, (month, day) in enumerate(PAYMENT_RUNS):
        for funding in fundings:
            key = (funding.service.provider.name, funding.service.name)
            changes = CommitmentChange.objects.filter(commitment_id=funding.commitment_id)
            if key == VARIED[:2] and quarter == 2 and not changes.filter(kind="variation").exists():
                money.vary_funding(funding_id=funding.pk, new_amount=VARIED[2], by=None, reason=VARIED[3])
            if key == UNDERSPENT[:2] and quarter == 3:
                if not changes.filter(kind="underspend").exists():
                    money.release_funding_underspend(funding_id=funding.pk, by=None, reason=UNDERSPENT[2])
                continue
            start = funding.line.budget.year.start_year
            paid_on = datetime.date(start if month > 3 else start + 1, month, day)
            items = list(funding.schedule.order_by("due_on", "pk"))
            if quarter < len(items) and items[quarter].payment_id is None and paid_on <= timezone.localdate():
                _pay_instalment(items[quarter], funding, paid_on)
    repaid = next(f for f in fundings if (f.service.provider.name, f.service.name) == REPAID[:2])
    if not Payment.objects.filter(commitment_id=repaid.commitment_id, kind=Payment.Kind.REPAYMENT).exists():
        amount, received_on, reference, reason = REPAID[2:]
        money.record_funding_repayment(
            funding_id=repaid.pk,
            amount=amount,
            received_on=received_on,
            reference=reference,
            by=None,
            reason=reason,
        )


def _drop_unlinked_instalments(service: Service) -> None:
    # Earlier versions of this demo planned instalments linked to no funding; each funding's own schedule replaces
    # them. Only unpaid, unclaimed ones go: they hold no money.
    service.payment_schedule.filter(funding__isnull=True, payment__isnull=True, claim__isnull=True).delete()


def _pay_instalment(item: PaymentScheduleItem, funding: ServiceFunding, paid_on: datetime.date) -> None:
    """Pay an instalment as the system (providers.claims.pay_scheduled_item pays for a person in finance, and refuses
    anyone else): the payment through funds.services, which checks it and records it in the audit trail against the
    commitment, then the instalment linked to it."""
    reference = f"PR-{paid_on:%Y-%m-%d}"
    payment = funds.record_payment(
        commitment_id=funding.commitment_id, amount=item.amount, paid_on=paid_on, reference=reference, by=None
    )
    item.payment = payment
    item.save(update_fields=["payment"])


def _document(service) -> None:
    if not service.documents.filter(title="Service specification (illustrative)").exists():
        document = ServiceDocument(service=service, title="Service specification (illustrative)")
        document.file.save(
            "idva-service-specification.txt",
            ContentFile(b"IDVA service specification 2024/25 (illustrative demo document).\n"),
            save=True,
        )


@functools.cache
def _measures(template_id: int) -> list[Measure]:
    # Read once per template for the whole load (and cleared at its start), not once per return: the demo fills 120.
    return services.template_measures(template_id)


def _figures(ret, rng, planned: dict[str, int] | None = None) -> tuple[dict, dict]:
    """Random figures for a return, except those `planned` fixes (by measure code); a planned return's new victims are
    split by crime type in its theme's CRIME_MIX."""
    from . import validation

    values, counts = {}, {}
    measures = _measures(ret.period.template_id)
    for measure in measures:
        name = validation.measure_field(measure)
        if measure.kind == Measure.Kind.COUNT:
            values[name] = rng.randint(20, 400)
            if planned and measure.code in planned:
                values[name] = planned[measure.code]
        elif measure.kind == Measure.Kind.PERCENTAGE:
            values[name] = Decimal(rng.randint(600, 950)) / 10
        elif measure.kind == Measure.Kind.MONEY:
            values[name] = Decimal(rng.randint(20000, 90000))
        else:
            values[name] = ""
        for breakdown in measure.breakdowns.all():
            options = list(breakdown.options.all())
            covered = {a.pk for a in ret.service.areas.all()}
            weights = [
                (
                    rng.randint(1, 10)
                    if (o.area_id in covered or (not o.area_id and breakdown.dimension != "area"))
                    else 0
                )
                for o in options
            ]
            if planned and breakdown.dimension == "crime_type":
                mix = CRIME_MIX.get(ret.service.theme, {"other": 1})
                weights = [mix.get(o.code, 0) for o in options]
            if not any(weights):
                weights[-1] = 1
            split = _split(values[name], weights)
            counts.update(
                {validation.option_field(breakdown, o): n for o, n in zip(options, split, strict=False)}
            )
    for measure in measures:
        if measure.is_recomputed:  # worked out from its parts, so the part on top is no more than the whole
            top, whole = (validation.measure_field(m) for m in (measure.numerator, measure.denominator))
            values[top] = min(values[top], values[whole])
    return values, counts


def _split(total: int, weights: list[int]) -> list[int]:
    shares = [total * w // sum(weights) for w in weights]
    shares[weights.index(max(weights))] += total - sum(shares)
    return shares


def _make_return(ret, quarter: int, people, commissioner, planned: dict[str, int] | None = None) -> None:
    """Made, signed off and submitted, and accepted unless it is a Q4 (still with the office) or the one sent back. A
    return with `planned` figures is always made and accepted: the year's totals are printed from them."""
    preparer, signatory = people
    rng = random.Random(f"{ret.service.provider.name}/{ret.service.name}/{quarter}")
    # Not in yet: shows as overdue. The demo provider always has one, so its preparer has a return to fill in.
    if (
        planned is None
        and quarter == 3
        and (rng.random() < 0.25 or (ret.service.provider.name, ret.service.name) == STILL_TO_DO)
    ):
        return
    values, counts = _figures(ret, rng, planned)
    services.save_figures(return_id=ret.pk, values=values, option_counts=counts, by=preparer)
    services.send_for_sign_off(return_id=ret.pk, by=preparer)
    late = (hash_of(ret) + quarter) % 5 == 0
    due = datetime.datetime.combine(ret.period.due_on, datetime.time(10))
    when = timezone.make_aware(due + datetime.timedelta(days=3 if late else -5))
    services.sign_off_and_submit(return_id=ret.pk, by=signatory, now=when)
    key = (ret.service.provider.name, ret.service.name, quarter)
    if key == CHANGES_REQUESTED:
        services.request_changes(return_id=ret.pk, by=commissioner, comment=CHANGES_COMMENT)
    elif quarter < 3 or planned is not None:
        services.accept(return_id=ret.pk, by=commissioner)


def hash_of(ret) -> int:
    return sum(ord(c) for c in ret.service.provider.name + ret.service.name)
