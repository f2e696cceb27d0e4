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

from .grant_reports import STATUS_CHANGED as REPORT_STATUS_CHANGED
from .models import (
    STATUS_CHANGED,
    Application,
    Assessment,
    Award,
    AwardPayment,
    Criterion,
    FormPurpose,
    GrantReport,
    Membership,
    Organisation,
    Question,
    Round,
    RoundRingFence,
    Score,
    Section,
    Status,
)
from .services import current_form_version, note_references_used, recompute_score
from .services.grant_reports import schedule_reports

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
    _hcf_form(round_)


def _section(round_: Round, order: int, title: str, description: str = "") -> Section:
    section, _ = Section.objects.get_or_create(
        round=round_,
        purpose=FormPurpose.APPLICATION,
        title=title,
        defaults={"order": order, "description": description},
    )
    return section


def _ask(section: Section, order: int, text: str, kind: str, **fields) -> Question:
    question, _ = Question.objects.get_or_create(
        round=section.round, section=section, text=text, defaults={"order": order, "kind": kind, **fields}
    )
    return question


def _hcf_form(round_: Round) -> None:
    """The Helping Communities Fund's own questions: who benefits, how many, when, and a conditional follow-up."""
    who = _section(round_, 1, "Who your project helps")
    _ask(who, 1, "Who will benefit from your project?", "long_text", max_words=200)
    _ask(
        who,
        2,
        "How many people do you expect to take part?",
        "whole_number",
        hint="Count each person once, however many sessions they come to",
    )
    _ask(
        who,
        3,
        "Which of these does your project tackle?",
        "multiple_choice",
        options="Anti-social behaviour\nKnife crime\nDrugs and alcohol\nHate crime\nSafety of women and girls",
    )
    young = _ask(who, 4, "Will your project work with children or young people under 18?", "yes_no")
    _ask(
        who,
        5,
        "Who will be your designated safeguarding lead?",
        "short_text",
        hint="Their name and role",
        shown_if=young,
        shown_if_value="Yes",
    )
    when = _section(round_, 2, "When and how you will know it worked")
    _ask(when, 1, "When will your project start?", "date")
    _ask(when, 2, "How will you know your project has made people safer?", "long_text", max_words=200)


def _victims_form(round_: Round) -> None:
    """A Victims Fund round asks about the victims a service supports, with a yes/no on "by and for" services."""
    service = _section(round_, 1, "The victims you support")
    _ask(
        service,
        1,
        "Which victims does your service support?",
        "multiple_choice",
        options="Domestic abuse\nSexual violence\nStalking and harassment\nHate crime\nFraud\n"
        "Young victims of crime\nBereaved by homicide",
    )
    _ask(service, 2, "How many victims will you support in a year?", "whole_number")
    _ask(service, 3, "From when can you start supporting victims?", "date")
    by_and_for = _ask(
        service,
        4,
        "Is your service run “by and for” the people it supports?",
        "yes_no",
        hint="Led by and for people from the communities it serves, such as Black and minoritised, disabled, "
        "deaf or LGBT+ victims",
    )
    _ask(
        service,
        5,
        "How do the people you support lead your organisation?",
        "long_text",
        max_words=150,
        shown_if=by_and_for,
        shown_if_value="Yes",
    )
    delivery = _section(round_, 2, "Staff and safeguarding")
    staff = _ask(
        delivery,
        1,
        "Who will deliver the service?",
        "repeating_group",
        hint="The roles the grant pays for",
        max_rows=8,
    )
    _ask(delivery, 1, "Role", "short_text", group=staff)
    _ask(delivery, 2, "Hours a week", "whole_number", group=staff)
    _ask(delivery, 3, "Annual cost", "money", group=staff)
    _ask(delivery, 2, "Safeguarding policy", "file", hint="The policy your trustees approved most recently")
    _ask(delivery, 3, "Where will victims meet your staff?", "address", required=False)
    _ask(delivery, 4, "Email address for referrals", "email")
    _ask(delivery, 5, "Phone number for referrals", "phone")


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
    victims = _victims_round(lpas)
    # Every demo application was answered on its round's form as it stands: version 1.
    for round_ in (published, open_round, victims):
        version = current_form_version(round_id=round_.pk)
        Application.objects.filter(round=round_, form_version=None).update(form_version=version)
    _report_forms(published, officer)
    _applicant_reports_back(published, applicant)
    # The demo numbers its references itself; the counter must carry on after them, or the first real submission to
    # the open round takes a number the demo already used.
    note_references_used(
        Application.objects.filter(round__in=[published, open_round])
        .exclude(reference=None)
        .values_list("reference", flat=True)
    )
    return {"published_round": published, "open_round": open_round, "victims_round": victims}


def _victims_round(lpas: dict) -> Round:
    budget = Budget.objects.get(stream__slug="victims-fund", year__start_year=2024)
    tz = timezone.get_current_timezone()
    round_, _ = Round.objects.update_or_create(
        slug="victims-fund-competitive-round-2024-25",
        defaults={
            "budget": budget,
            "name": "Victims Fund competitive round 2024/25 (illustrative)",
            "reference_prefix": "VFR",
            "summary": "Grants for services that help victims of crime cope and recover.",
            "what_it_funds": "Services for victims of crime in the West Midlands, paid for from the Ministry of "
            "Justice victims' grant.\nThis round is invented for the demo.",
            "opens_at": datetime.datetime(2024, 7, 1, 9, 0, tzinfo=tz),
            "closes_at": datetime.datetime(2024, 8, 30, 12, 0, tzinfo=tz),
            "minimum_grant": Decimal("5000"),
            "maximum_grant": Decimal("50000"),
            "organisation_types": ["registered_charity", "cio", "cic", "clg"],
            "requirements": ALL_REQUIREMENTS,
            "contact_email": "victims@pcc.example",
            "illustrative": True,
            "report_frequency": Round.ReportFrequency.SIX_MONTHLY,
        },
    )
    round_.areas.set(lpas.values())
    for order, (name, weight) in enumerate(
        [("Need and evidence", 3), ("Quality of support for victims", 3), ("Value for money", 2)], start=1
    ):
        Criterion.objects.get_or_create(round=round_, name=name, defaults={"order": order, "weight": weight})
    _victims_form(round_)
    return round_


def demo_answers(round_: Round, n: int) -> dict:
    """Answers to the Helping Communities Fund form for the n-th illustrative application."""
    questions = {q.text: str(q.pk) for q in round_.questions.all()}
    tackles = [
        "Anti-social behaviour",
        "Knife crime",
        "Drugs and alcohol",
        "Hate crime",
        "Safety of women and girls",
    ]
    young = n % 2 == 0
    answers = {
        "Who will benefit from your project?": "Residents of the estate, especially older people who feel unsafe "
        "after dark (illustrative).",
        "How many people do you expect to take part?": str(40 + 15 * n),
        "Which of these does your project tackle?": [tackles[n % 5], tackles[(n + 2) % 5]],
        "Will your project work with children or young people under 18?": "Yes" if young else "No",
        "When will your project start?": f"2025-0{1 + n % 8}-01",
        "How will you know your project has made people safer?": "A survey before and after, and reports to the "
        "neighbourhood policing team (illustrative).",
    }
    if young:
        answers["Who will be your designated safeguarding lead?"] = "Sam Patel, youth worker (illustrative)"
    return {questions[text]: value for text, value in answers.items() if text in questions}


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
                    "answers": demo_answers(round_, number),
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
            "answers": demo_answers(round_, n) if submitted else {},
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


# --- End-of-grant reports ----------------------------------------------------------------------------------------------

# Of the published round's 52 awards, latest reference first: the first ACCEPTED_REPORTS have their end-of-grant
# reports accepted (the first of them chosen as a case study), the next SUBMITTED_REPORTS wait for review, one is in
# progress and the rest have not been started (all are past their due date, 30 April 2025).
ACCEPTED_REPORTS = 6
SUBMITTED_REPORTS = 3
YOUNG_PEOPLE = [80, 45, 120, 30, 64, 25, 52, 38, 70]
DIFFERENCE = [
    "The boxing club met three evenings a week. Young people who had been out on the estate at night came instead, "
    "and the local police team reported fewer calls about anti-social behaviour near the shops.",
    "Our volunteers walked the park every Friday and Saturday night and handed out safety advice to 300 people.",
    "Parents told us their children felt safer walking to school now that the route has marshals.",
    "We ran six workshops on online safety in two secondary schools.",
    "The youth café opened two extra nights and became somewhere safe to be.",
    "Older residents joined the street watch and met their neighbourhood officers for the first time.",
    "The football sessions ran all summer, with a coach trained in safeguarding at each one.",
    "We trained 12 new volunteer mentors.",
    "The garden project brought neighbours together on a street that had seen repeated burglaries.",
]
STORY = (
    "When the club opened, Jay (not his real name) was 14 and had been excluded from school. He came to every session "
    "for a year, passed his first coaching badge and now helps run the Tuesday juniors."
)


def _report_forms(round_: Round, officer: User) -> None:
    """The published round's end-of-grant report form, and its awards' reports in each state."""
    section, _ = Section.objects.get_or_create(
        round=round_,
        purpose=FormPurpose.REPORT,
        title="What your project delivered",
        defaults={"order": 1, "description": "Tell us what happened during your project, in your own words."},
    )
    young = _ask(
        section,
        1,
        "How many young people took part?",
        "whole_number",
        hint="Count each young person once, however many sessions they came to",
        output="Young people reached",
    )
    difference = _ask(section, 2, "What difference did it make?", "long_text", max_words=300)
    share = _ask(section, 3, "Would you like us to share your story?", "yes_no")
    story = _ask(
        section,
        4,
        "Tell us the story you would like us to share",
        "long_text",
        max_words=300,
        hint="Leave out anything that could identify a young person",
        shown_if=share,
        shown_if_value="Yes",
    )
    version = current_form_version(round_id=round_.pk, purpose=FormPurpose.REPORT)
    awards = list(
        Award.objects.filter(application__round=round_, status__in=["committed", "paid", "closed"])
        .select_related("application")
        .order_by("application__reference")
    )
    for award in awards:
        if schedule_reports(award, by=officer):
            # As if set when finance approved the award, like the rest of the demo's history.
            AuditEvent.objects.filter(
                action="grant_report.scheduled", content_type__model="award", object_id=award.pk
            ).update(at=award.approved_at)
    reports = list(
        GrantReport.objects.filter(award__in=awards, final=True).order_by("-award__application__reference")
    )
    for n, report in enumerate(reports):
        if report.status != GrantReport.Status.DUE or n > ACCEPTED_REPORTS + SUBMITTED_REPORTS:
            continue
        case_study = n == 0
        answers = {
            str(young.pk): str(YOUNG_PEOPLE[n % len(YOUNG_PEOPLE)]),
            str(difference.pk): DIFFERENCE[n % len(DIFFERENCE)],
            str(share.pk): "Yes" if case_study else "No",
        }
        if case_study:
            answers[str(story.pk)] = STORY
        submitted_at = timezone.make_aware(datetime.datetime(2025, 4, 10 + n, 11, 0))
        if n == ACCEPTED_REPORTS + SUBMITTED_REPORTS:
            path = [GrantReport.Status.DUE, GrantReport.Status.IN_PROGRESS]
            del answers[str(difference.pk)], answers[str(share.pk)]
        elif n < ACCEPTED_REPORTS:
            path = [
                GrantReport.Status.DUE,
                GrantReport.Status.IN_PROGRESS,
                GrantReport.Status.SUBMITTED,
                GrantReport.Status.ACCEPTED,
            ]
        else:
            path = [GrantReport.Status.DUE, GrantReport.Status.IN_PROGRESS, GrantReport.Status.SUBMITTED]
        _report_history(report, path, officer, submitted_at)
        report.form_version, report.answers, report.status = version, answers, path[-1]
        if len(path) > 2:
            report.submitted_at = submitted_at
        if len(path) > 3:
            report.reviewed_at, report.reviewed_by = submitted_at + datetime.timedelta(days=7), officer
            report.case_study = case_study
        report.save()


def _applicant_reports_back(round_: Round, applicant: User) -> None:
    """The demo applicant also helps run one of the funded groups, so signing in as them shows an award with its
    end-of-grant report still to write."""
    if Membership.objects.filter(user=applicant, organisation__applications__round=round_).exists():
        return
    due = (
        GrantReport.objects.filter(
            award__application__round=round_, status=GrantReport.Status.DUE, final=True
        )
        .select_related("award__application__organisation")
        .order_by("award__application__reference")
    )
    for report in due:
        organisation = report.award.application.organisation
        if organisation.applications.count() == 1:
            Membership.objects.create(organisation=organisation, user=applicant, role=Membership.Role.MEMBER)
            return


def _report_history(report: GrantReport, path: list[str], officer: User, at: datetime.datetime) -> None:
    """The report's moves in the audit trail, as applications.services.grant_reports.move records them. The
    organisations of the published round are illustrative and have no members, so the grantee's moves have no
    person; the office's are the demo grants officer's."""
    for frm, to in itertools.pairwise(path):
        by = officer if to in (GrantReport.Status.ACCEPTED, GrantReport.Status.CHANGES_REQUESTED) else None
        event = record_status_change(
            REPORT_STATUS_CHANGED, obj=report, from_status=frm, to_status=to, by=by, reason="Demo data"
        )
        moved_at = at + datetime.timedelta(days=7) if to == GrantReport.Status.ACCEPTED else at
        AuditEvent.objects.filter(pk=event.pk).update(at=moved_at)
