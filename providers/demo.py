"""2024/25 commissioned services for the West Midlands demo, and four quarters of monitoring returns.

Published: the Victims Fund (Table 7) and IDVA/ISVA (Table 8) lines, the providers named in the annual reports, and
Arrest Referral's £500,000 from Prevention and Intervention plus £600,000 from the Community Safety Fund.
Illustrative (marked `illustrative=True`): how a line is split between providers where the report does not say, and
every figure in the returns. Runs after funds.demo.load(); safe to run twice.
"""

import datetime
import random
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from funds.models import Area, BudgetLine, FinancialYear

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
VF, IDVA = ready_templates.VICTIMS_SERVICES, ready_templates.IDVA_ISVA
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
        [("victims-fund", "Restorative Justice", 236250)],
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
        None,
        False,
        "active",
    ),
]
CHANGES_REQUESTED = ("Victim Support", "All crime service", 2)  # (provider, service, quarter index)
STILL_TO_DO = (DEMO_PROVIDER, "Black Country domestic abuse support")  # its Q4 return is left not started
CHANGES_COMMENT = (
    "Existing victims supported looks as if it counts Q2's new victims twice. Please check and resubmit."
)


@transaction.atomic
def load() -> dict:
    year = FinancialYear.objects.get(start_year=2024)
    templates = ready_templates.install()
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
    loaded = []
    for provider, name, theme, fundings, covers, template, illustrative, status in SERVICES:
        service, _ = Service.objects.update_or_create(
            provider=providers[provider],
            name=name,
            defaults={
                "theme": theme,
                "status": status,
                "start_year": year,
                "end_year": year,
                "template": templates[template] if template else None,
                "illustrative": illustrative,
                "contract_manager": commissioner,
            },
        )
        service.areas.set([areas[a] for a in covers])
        # Committed by the loader itself (by=None): commissioning officers run services but do not commit money.
        _fund(service, year, fundings, None)
        loaded.append(service)
    _document(Service.objects.get(provider=providers[DEMO_PROVIDER], name="IDVA service"))
    for template in templates.values():
        for index, period in enumerate(services.create_periods(template=template, year=year)):
            services.open_returns(period=period)
            for ret in MonitoringReturn.objects.filter(
                period=period, status=MonitoringReturn.Status.NOT_STARTED
            ).select_related("service__provider", "period"):
                _make_return(ret, index, people[ret.service.provider.name], commissioner)
    return {"services": loaded}


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
    for stream_slug, line_name, amount in fundings:
        line = BudgetLine.objects.get(budget__stream__slug=stream_slug, budget__year=year, name=line_name)
        if not service.fundings.filter(line=line).exists():
            services.fund_service(service=service, line_id=line.pk, amount=Decimal(amount), by=by)
        quarter = (Decimal(amount) / 4).quantize(Decimal("0.01"))
        for n, due in enumerate([(2024, 7, 1), (2024, 10, 1), (2025, 1, 6), (2025, 4, 1)]):
            PaymentScheduleItem.objects.get_or_create(
                service=service,
                due_on=datetime.date(*due),
                note=f"{line.budget.stream} Q{n + 1}",
                defaults={"amount": quarter if n < 3 else Decimal(amount) - 3 * quarter},
            )


def _document(service) -> None:
    if not service.documents.filter(title="Service specification (illustrative)").exists():
        document = ServiceDocument(service=service, title="Service specification (illustrative)")
        document.file.save(
            "idva-service-specification.txt",
            ContentFile(b"IDVA service specification 2024/25 (illustrative demo document).\n"),
            save=True,
        )


def _figures(ret, rng) -> tuple[dict, dict]:
    from . import validation

    values, counts = {}, {}
    for measure in services.template_measures(ret.period.template_id):
        name = validation.measure_field(measure)
        if measure.kind == Measure.Kind.COUNT:
            values[name] = rng.randint(20, 400)
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
            if not any(weights):
                weights[-1] = 1
            split = _split(values[name], weights)
            counts.update(
                {validation.option_field(breakdown, o): n for o, n in zip(options, split, strict=False)}
            )
    return values, counts


def _split(total: int, weights: list[int]) -> list[int]:
    shares = [total * w // sum(weights) for w in weights]
    shares[weights.index(max(weights))] += total - sum(shares)
    return shares


def _make_return(ret, quarter: int, people, commissioner) -> None:
    preparer, signatory = people
    rng = random.Random(f"{ret.service.provider.name}/{ret.service.name}/{quarter}")
    # Not in yet: shows as overdue. The demo provider always has one, so its preparer has a return to fill in.
    if quarter == 3 and (rng.random() < 0.25 or (ret.service.provider.name, ret.service.name) == STILL_TO_DO):
        return
    values, counts = _figures(ret, rng)
    services.save_figures(return_id=ret.pk, values=values, option_counts=counts, by=preparer)
    services.send_for_sign_off(return_id=ret.pk, by=preparer)
    late = (hash_of(ret) + quarter) % 5 == 0
    due = datetime.datetime.combine(ret.period.due_on, datetime.time(10))
    when = timezone.make_aware(due + datetime.timedelta(days=3 if late else -5))
    services.sign_off_and_submit(return_id=ret.pk, by=signatory, now=when)
    key = (ret.service.provider.name, ret.service.name, quarter)
    if key == CHANGES_REQUESTED:
        services.request_changes(return_id=ret.pk, by=commissioner, comment=CHANGES_COMMENT)
    elif quarter < 3:
        services.accept(return_id=ret.pk, by=commissioner)


def hash_of(ret) -> int:
    return sum(ord(c) for c in ret.service.provider.name + ret.service.name)
