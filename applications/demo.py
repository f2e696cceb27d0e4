"""Demo data: the 2024/25 Helping Communities round with its 52 published awards, and an open round with an
application at every stage. Organisation and project names are invented and marked "(illustrative)". Safe to run
twice: every row is found by a natural key before it is created, and money is committed only once per award."""

import datetime
import itertools
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from audit.models import AuditEvent
from audit.selectors import trail_of
from audit.services import record_status_change
from funds.models import Area, Budget, BudgetLine
from funds.services import commit_to_line, record_payment

from .models import (
    STATUS_CHANGED,
    Application,
    Assessment,
    Award,
    AwardPayment,
    Criterion,
    Membership,
    Organisation,
    Question,
    Round,
    RoundRingFence,
    Score,
    Status,
)
from .services import note_references_used, recompute_score

APPLICANT_EMAIL = "applicant@demo.pcc-grants.example"
OFFICER_EMAIL = "grants@demo.pcc-grants.example"
LOGINS = [
    ("Applicant (owner of an illustrative organisation)", APPLICANT_EMAIL),
]

# Table 4 of the 2024/25 annual report: awards per local policing area and what they add up to.
PUBLISHED_AWARDS = {
    "Birmingham": (21, Decimal("101762")),
    "Coventry": (6, Decimal("28854")),
    "Dudley": (4, Decimal("28854")),
    "Sandwell": (5, Decimal("21870")),
    "Solihull": (2, Decimal("6400")),
    "Walsall": (6, Decimal("29980")),
    "Wolverhampton": (8, Decimal("36130")),
}
PROJECT_KINDS = [
    "Youth boxing club",
    "Street pastors",
    "Community garden",
    "Football after dark",
    "Food bank bus",
    "Knife crime workshops",
    "Neighbourhood clean-up",
    "Women's safety walk",
    "Community café",
    "First aid and bleed kits",
    "Cyber safety for older people",
    "Mentoring for young people",
]
WEIGHTS = [10, 8, 12, 9, 11, 7, 13, 10, 9, 11]
ORG_TYPES = ["constituted_group", "registered_charity", "cio", "cic"]
ALL_REQUIREMENTS = ["governing_document", "safeguarding_policy", "bank_account"]


def split_exactly(total: Decimal, count: int) -> list[Decimal]:
    """Whole-pound shares of `total` that vary like real awards and add up to it exactly (largest remainder)."""
    weights = [WEIGHTS[i % len(WEIGHTS)] for i in range(count)]
    exact = [total * w / sum(weights) for w in weights]
    shares = [e.to_integral_value(rounding="ROUND_FLOOR") for e in exact]
    by_remainder = sorted(range(count), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in by_remainder[: int(total - sum(shares))]:
        shares[i] += 1
    return shares


def _user(email: str, full_name: str, **fields) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name, **fields})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _organisation(name: str, area: Area, kind: str, owner: User | None = None) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        name=name,
        defaults={
            "type": kind,
            "address": f"Community Centre, {area.name}",
            "area": area,
            "illustrative": True,
            "charity_number": "1100000" if kind in ("registered_charity", "cio") else "",
        },
    )
    if owner:
        Membership.objects.get_or_create(
            organisation=organisation, user=owner, defaults={"role": Membership.Role.OWNER}
        )
    return organisation


def _criteria_and_questions(round_: Round) -> None:
    for order, (name, weight) in enumerate(
        [
            ("Need and evidence", 3),
            ("Fit with the Police and Crime Plan", 2),
            ("Value for money", 2),
            ("Delivery and safeguarding", 1),
        ],
        start=1,
    ):
        Criterion.objects.get_or_create(round=round_, name=name, defaults={"order": order, "weight": weight})
    for order, text in enumerate(
        [
            "Who will benefit from your project, and how many people?",
            "How will you know your project has made people safer?",
        ],
        start=1,
    ):
        Question.objects.get_or_create(round=round_, text=text, defaults={"order": order, "max_words": 200})


def _history(application: Application, path: list[str], by: User | None, at: datetime.datetime) -> None:
    if trail_of(application).filter(action=STATUS_CHANGED).exists():
        return
    for frm, to in itertools.pairwise(path):
        event = record_status_change(
            STATUS_CHANGED, obj=application, from_status=frm, to_status=to, by=by, reason="Demo data"
        )
        AuditEvent.objects.filter(pk=event.pk).update(at=at)


@transaction.atomic
def load() -> dict:
    budget = Budget.objects.select_related("year").get(
        stream__slug="helping-communities-fund", year__start_year=2024
    )
    lpas = {
        a.name: a for a in Area.objects.filter(kind=Area.Kind.LOCAL_POLICING_AREA, name__in=PUBLISHED_AWARDS)
    }
    applicant = _user(APPLICANT_EMAIL, "Demo Applicant")
    officer = _user(OFFICER_EMAIL, "Demo Grants Officer", is_staff=True)
    published = _published_round(budget, lpas, officer)
    open_round = _open_round(budget, lpas, applicant, officer)
    # The demo numbers its references itself; the counter must carry on after them, or the first real submission to
    # the open round takes a number the demo already used.
    note_references_used(
        Application.objects.filter(round__in=[published, open_round])
        .exclude(reference=None)
        .values_list("reference", flat=True)
    )
    return {"published_round": published, "open_round": open_round}


def _published_round(budget: Budget, lpas: dict, officer: User) -> Round:
    tz = timezone.get_current_timezone()
    round_, _ = Round.objects.update_or_create(
        slug="helping-communities-fund-2024-25",
        defaults={
            "budget": budget,
            "name": "Helping Communities Fund 2024/25",
            "reference_prefix": "HCF",
            "summary": "Grants for community projects that help keep people safe, shared between the 7 local policing "
            "areas.",
            "what_it_funds": "Projects run by community groups that fit the Police and Crime Plan, paid for from money "
            "recovered from criminals under the Proceeds of Crime Act.\nThe opening and closing dates "
            "of this round are illustrative.",
            "opens_at": datetime.datetime(2024, 5, 1, 9, 0, tzinfo=tz),
            "closes_at": datetime.datetime(2024, 6, 28, 17, 0, tzinfo=tz),
            "minimum_grant": Decimal("500"),
            "maximum_grant": Decimal("10000"),
            "organisation_types": ORG_TYPES,
            "requirements": ALL_REQUIREMENTS,
            "contact_email": "grants@pcc.example",
        },
    )
    round_.areas.set(lpas.values())
    _criteria_and_questions(round_)
    lines = {
        ln.area.name: ln
        for ln in BudgetLine.objects.filter(budget=budget, kind=BudgetLine.Kind.AREA).select_related("area")
    }
    number = 0
    for area_name, (count, total) in PUBLISHED_AWARDS.items():
        area = lpas[area_name]
        for _i, amount in enumerate(split_exactly(total, count), start=1):
            number += 1
            kind = PROJECT_KINDS[number % len(PROJECT_KINDS)]
            organisation = _organisation(
                f"{area_name} {kind} group (illustrative)", area, ORG_TYPES[number % len(ORG_TYPES)]
            )
            reference = f"HCF-2425-{number:05d}"
            submitted_at = round_.closes_at - datetime.timedelta(days=3, hours=number)
            application, _ = Application.objects.get_or_create(
                reference=reference,
                defaults={
                    "round": round_,
                    "organisation": organisation,
                    "status": Status.AWARDED,
                    "area": area,
                    "project_title": f"{kind} in {area_name} (illustrative)",
                    "project_summary": f"An illustrative {kind.lower()} project in {area_name}.",
                    "amount_requested": amount,
                    "recommended_amount": amount,
                    "contact_name": "Demo contact",
                    "contact_phone": "0121 496 0000",
                    "created_by": officer,
                    "submitted_at": submitted_at,
                    "completed_tasks": ["organisation", "project", "budget", "documents", "declarations"],
                    "illustrative": True,
                },
            )
            if not application.budget_items.exists():
                application.budget_items.create(
                    order=1, description="Project costs (illustrative)", amount=amount
                )
            _history(
                application,
                [
                    Status.DRAFT,
                    Status.SUBMITTED,
                    Status.IN_ASSESSMENT,
                    Status.RECOMMENDED,
                    Status.APPROVED,
                    Status.AWARDED,
                ],
                officer,
                submitted_at,
            )
            award, _ = Award.objects.get_or_create(
                application=application, defaults={"amount": amount, "line": lines[area_name]}
            )
            _commit_once(award, officer, paid=True)
    return round_


def _commit_once(award: Award, by: User, *, paid: bool) -> None:
    if award.commitment_id:
        return
    commitment = commit_to_line(
        line_id=award.line_id,
        amount=award.amount,
        reference=award.application.reference,
        committed_for=award,
        by=by,
    )
    award.commitment = commitment
    award.status = Award.Status.COMMITTED
    award.approved_by, award.approved_at = by, award.application.submitted_at + datetime.timedelta(days=30)
    award.accepted_at = award.approved_at + datetime.timedelta(days=5)
    award.save()
    if not paid:
        AwardPayment.objects.get_or_create(award=award, number=1, defaults={"amount": award.amount})
        return
    # Two instalments: half on acceptance, paid a fortnight later by the office's payment run within the year the
    # money is from (so the Helping Communities Fund shows spend in 2024/25, like the commissioned streams), and the
    # rest due three months after approval, not yet paid.
    half = (award.amount / 2).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    award.schedule, award.instalments = Award.Schedule.INSTALMENTS, 2
    award.save(update_fields=["schedule", "instalments"])
    first, _ = AwardPayment.objects.get_or_create(award=award, number=1, defaults={"amount": half})
    AwardPayment.objects.get_or_create(
        award=award,
        number=2,
        defaults={
            "amount": award.amount - half,
            "due_on": award.approved_at.date() + datetime.timedelta(days=91),
        },
    )
    year = award.line.budget.year
    paid_on = min(max(award.accepted_at.date() + datetime.timedelta(days=14), year.starts_on), year.ends_on)
    first.payment = record_payment(
        commitment_id=commitment.pk, amount=half, paid_on=paid_on, reference=f"BACS {paid_on:%Y-%m-%d}"
    )
    first.save(update_fields=["payment"])


def _open_round(budget: Budget, lpas: dict, applicant: User, officer: User) -> Round:
    now = timezone.now()
    # Rounds close at midday, London time, three weeks from when the demo was loaded.
    closes_at = timezone.localtime(now + datetime.timedelta(days=21)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    round_, _created = Round.objects.get_or_create(
        slug="helping-communities-reserve-round",
        defaults={
            "budget": budget,
            "name": "Helping Communities reserve round (illustrative)",
            "reference_prefix": "HCR",
            "summary": "An illustrative open round, funded from the LPA Reserve, with money set aside for Street Watch.",
            "what_it_funds": "Small community safety projects anywhere in the West Midlands.\nThis round is invented "
            "for the demo.",
            "opens_at": now - datetime.timedelta(days=14),
            "closes_at": closes_at,
            "minimum_grant": Decimal("250"),
            "maximum_grant": Decimal("5000"),
            "organisation_types": ORG_TYPES,
            "requirements": ALL_REQUIREMENTS,
            "contact_email": "grants@pcc.example",
            "illustrative": True,
            "default_line": BudgetLine.objects.get(budget=budget, name="LPA Reserve"),
        },
    )
    if not round_.is_open():  # keep the demo round open however long ago the data was loaded
        round_.opens_at, round_.closes_at = now - datetime.timedelta(days=14), closes_at
        round_.save(update_fields=["opens_at", "closes_at"])
    round_.areas.set(lpas.values())
    RoundRingFence.objects.get_or_create(
        round=round_,
        theme="Street Watch",
        defaults={"line": BudgetLine.objects.get(budget=budget, name="Street Watch")},
    )
    _criteria_and_questions(round_)

    demo_org = _organisation(
        "Demo Community Safety Group (illustrative)", lpas["Coventry"], "constituted_group", owner=applicant
    )
    _stage(round_, demo_org, applicant, officer, "Safer walk to school (illustrative)", Status.DRAFT, 1)
    _stage(
        round_, demo_org, applicant, officer, "Neighbourhood watch signs (illustrative)", Status.SUBMITTED, 2
    )
    stages = [
        Status.MORE_INFORMATION,
        Status.INELIGIBLE,
        Status.IN_ASSESSMENT,
        Status.RECOMMENDED,
        Status.APPROVED,
        Status.DECLINED,
        Status.WITHDRAWN,
    ]
    for n, status in enumerate(stages, start=3):
        area = list(lpas.values())[n % len(lpas)]
        organisation = _organisation(
            f"{area.name} residents' association {n} (illustrative)", area, ORG_TYPES[n % len(ORG_TYPES)]
        )
        _stage(round_, organisation, officer, officer, f"{PROJECT_KINDS[n]} (illustrative)", status, n)
    return round_


PATHS = {
    Status.DRAFT: [Status.DRAFT],
    Status.SUBMITTED: [Status.DRAFT, Status.SUBMITTED],
    Status.MORE_INFORMATION: [Status.DRAFT, Status.SUBMITTED, Status.MORE_INFORMATION],
    Status.INELIGIBLE: [Status.DRAFT, Status.SUBMITTED, Status.INELIGIBLE],
    Status.IN_ASSESSMENT: [Status.DRAFT, Status.SUBMITTED, Status.IN_ASSESSMENT],
    Status.RECOMMENDED: [Status.DRAFT, Status.SUBMITTED, Status.IN_ASSESSMENT, Status.RECOMMENDED],
    Status.APPROVED: [
        Status.DRAFT,
        Status.SUBMITTED,
        Status.IN_ASSESSMENT,
        Status.RECOMMENDED,
        Status.APPROVED,
    ],
    Status.DECLINED: [
        Status.DRAFT,
        Status.SUBMITTED,
        Status.IN_ASSESSMENT,
        Status.RECOMMENDED,
        Status.DECLINED,
    ],
    Status.WITHDRAWN: [Status.DRAFT, Status.SUBMITTED, Status.WITHDRAWN],
}


def _stage(round_, organisation, creator, officer, title, status, n) -> Application:
    amount = Decimal(1000 + 250 * n)
    submitted = status != Status.DRAFT
    application, created = Application.objects.get_or_create(
        round=round_,
        organisation=organisation,
        project_title=title,
        defaults={
            "status": status,
            "area": organisation.area,
            "project_summary": f"An illustrative project: {title}.",
            "amount_requested": amount,
            "contact_name": creator.full_name,
            "contact_phone": "024 7696 0000",
            "meets_requirements": ALL_REQUIREMENTS,
            "created_by": creator,
            "illustrative": True,
            "reference": f"HCR-2425-{n:05d}" if submitted else None,
            "submitted_at": timezone.now() - datetime.timedelta(days=5) if submitted else None,
            "submitted_by": creator if submitted else None,
            "completed_tasks": (
                ["organisation", "project", "budget", "documents", "declarations"]
                if submitted
                else ["organisation"]
            ),
            "recommended_amount": amount - 250
            if status in (Status.RECOMMENDED, Status.APPROVED, Status.DECLINED)
            else None,
            "resume_status": Status.SUBMITTED if status == Status.MORE_INFORMATION else "",
        },
    )
    if not created:
        return application
    if submitted:
        application.budget_items.create(order=1, description="Materials (illustrative)", amount=amount)
    _history(application, PATHS[status], officer, timezone.now() - datetime.timedelta(days=4))
    if status == Status.MORE_INFORMATION:
        application.information_requests.create(
            question="Please tell us who will supervise the volunteers.", asked_by=officer
        )
    if status in (Status.RECOMMENDED, Status.APPROVED, Status.DECLINED, Status.IN_ASSESSMENT):
        assessment = Assessment.objects.create(
            application=application, assessor=officer, has_conflict=False, completed_at=timezone.now()
        )
        for criterion in round_.criteria.all():
            Score.objects.create(
                assessment=assessment, criterion=criterion, score=3 + n % 3, comment="Illustrative comment"
            )
        recompute_score(application)
    if status == Status.APPROVED:
        # Awaiting finance, against the reserve, so finance can approve it live in the demo.
        Award.objects.create(
            application=application, amount=application.recommended_amount, line=round_.default_line
        )
    return application
