"""Scale data: years of rounds, tens of thousands of organisations and applications, and providers' monitoring returns,
added on top of the demo data so pages, exports and reminders can be measured at realistic volumes.

Used by `python manage.py generate_scale_data` (and by benchmarks.run). Rows go in with `bulk_create` in batches
inside one transaction, so a failed run leaves nothing behind. Nothing here calls the per-row services (approving
25,000 awards one by one through `approve_award` would take most of an hour), so the money rules those services
enforce are kept by construction instead, and checked at the end by `money_problems()`:

- every award that finance approved has one live commitment, on the award's own line, for exactly the award's amount;
- each line's amount is set from what is committed on it (plus headroom), so no line is ever over-committed;
- each budget's pot is set from its lines (plus an unallocated margin), so no pot is over-committed or over-allocated;
- payments never exceed their commitment, and an award is "paid" only when every scheduled payment is made.

The 2024/25 budgets are left alone, so the demo's published Table 4 to 8 figures still add up on a scaled database.
Each run is a numbered batch (its rounds' slugs start "scale-<batch>-"); a database that already has one is refused
unless `force`, which adds another batch beside it.
"""

import contextlib
import datetime
import itertools
import math
import random
import time
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from applications.models import (
    STATUS_CHANGED,
    Application,
    Assessment,
    Award,
    AwardPayment,
    BudgetItem,
    Criterion,
    InformationRequest,
    Membership,
    Organisation,
    Question,
    Round,
    Score,
    Section,
    Status,
    StatusEmail,
)
from applications.services import note_references_used, recompute_scores, reference_stem
from audit.models import AuditEvent
from funds.models import (
    Area,
    Budget,
    BudgetEntry,
    BudgetLine,
    Commitment,
    FinancialYear,
    FundingStream,
    Office,
    Payment,
    ReportTable,
)
from providers.models import (
    Measure,
    MonitoringReturn,
    MonitoringTemplate,
    Provider,
    ProviderMembership,
    ReportingPeriod,
    ReturnValue,
    Service,
)

BATCH_SIZE = 5000
EMAIL_DOMAIN = "scale.pcc-grants.example"
YEARS = [2019, 2020, 2021, 2022, 2023, 2025, 2026]  # 2024/25 is the demo's published year: left as published
STREAMS = {
    "helping-communities-fund": ("H", Decimal("500"), Decimal("10000")),
    "community-safety-fund": ("C", Decimal("1000"), Decimal("25000")),
}
ORG_TYPES = ["constituted_group", "registered_charity", "cio", "cic"]
REQUIREMENTS = ["governing_document", "safeguarding_policy", "bank_account"]
TASKS = ["organisation", "project", "budget", "documents", "declarations"]
CRITERIA = [
    ("Need and evidence", 3),
    ("Fit with the Police and Crime Plan", 2),
    ("Value for money", 2),
    ("Delivery and safeguarding", 1),
]
PROJECTS = [
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
S = Status
# How a closed round's applications ended up, and an open round's stand today (weights out of 100).
CLOSED_MIX = {
    S.AWARDED: 27,
    S.AWARD_CANCELLED: 1,  # awarded, then cancelled by finance: the commitment released
    S.DECLINED: 33,
    S.INELIGIBLE: 11,
    S.WITHDRAWN: 8,
    S.APPROVED: 2,
    S.RECOMMENDED: 3,
    S.IN_ASSESSMENT: 5,
    S.MORE_INFORMATION: 2,
    S.SUBMITTED: 3,
    S.DRAFT: 5,
}
OPEN_MIX = {
    S.DRAFT: 40,
    S.SUBMITTED: 25,
    S.MORE_INFORMATION: 5,
    S.IN_ASSESSMENT: 18,
    S.RECOMMENDED: 5,
    S.WITHDRAWN: 5,
    S.INELIGIBLE: 2,
}
PATHS = {
    S.DRAFT: [S.DRAFT],
    S.SUBMITTED: [S.DRAFT, S.SUBMITTED],
    S.MORE_INFORMATION: [S.DRAFT, S.SUBMITTED, S.MORE_INFORMATION],
    S.INELIGIBLE: [S.DRAFT, S.SUBMITTED, S.INELIGIBLE],
    S.IN_ASSESSMENT: [S.DRAFT, S.SUBMITTED, S.IN_ASSESSMENT],
    S.RECOMMENDED: [S.DRAFT, S.SUBMITTED, S.IN_ASSESSMENT, S.RECOMMENDED],
    S.APPROVED: [S.DRAFT, S.SUBMITTED, S.IN_ASSESSMENT, S.RECOMMENDED, S.APPROVED],
    S.DECLINED: [S.DRAFT, S.SUBMITTED, S.IN_ASSESSMENT, S.RECOMMENDED, S.DECLINED],
    S.AWARDED: [S.DRAFT, S.SUBMITTED, S.IN_ASSESSMENT, S.RECOMMENDED, S.APPROVED, S.AWARDED],
    S.WITHDRAWN: [S.DRAFT, S.SUBMITTED, S.WITHDRAWN],
    S.AWARD_CANCELLED: [
        S.DRAFT,
        S.SUBMITTED,
        S.IN_ASSESSMENT,
        S.RECOMMENDED,
        S.APPROVED,
        S.AWARDED,
        S.AWARD_CANCELLED,
    ],
}
ASSESSED = {S.IN_ASSESSMENT, S.RECOMMENDED, S.APPROVED, S.DECLINED, S.AWARDED, S.AWARD_CANCELLED}
RECOMMENDED = {S.RECOMMENDED, S.APPROVED, S.DECLINED, S.AWARDED, S.AWARD_CANCELLED}
# Monitoring templates that differ only in when returns are due, so due dates (and reminders) spread over the
# month.
DUE_AFTER_DAYS = [10, 21, 30, 45]


class ScaleDataError(Exception):
    """Why scale data was not generated, for the person who ran the command."""


def existing_batches() -> list[int]:
    slugs = Round.objects.filter(slug__regex=r"^scale-[0-9]+-").values_list("slug", flat=True)
    return sorted({int(s.split("-")[1]) for s in slugs})


@contextlib.contextmanager
def _keep_given_timestamps(*fields):
    """bulk_create runs auto_now/auto_now_add, which would stamp years of history with today's date."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f, _, _ in saved:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


def _field(model, name):
    return model._meta.get_field(name)


class _Clock:
    def __init__(self, out):
        self.out, self.timings, self.start = out, {}, time.perf_counter()

    @contextlib.contextmanager
    def step(self, name):
        started = time.perf_counter()
        yield
        if connection.vendor == "postgresql":
            # Analysed as it loads: the next step's UPDATEs and subqueries are planned on what is now in the tables.
            # Planned on statistics of empty tables, an UPDATE over 100,000 fresh rows chose nested sequential scans
            # and ran for hours on a fresh machine. ANALYZE (unlike VACUUM) runs inside the generator's transaction.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.timings[name] = time.perf_counter() - started
        self.out(f"  {name}: {self.timings[name]:.1f}s")


def generate(
    *, applications: int, organisations: int, returns: int, seed: int = 0, force: bool = False, out=print
) -> dict:
    """Add one batch of scale data. Returns {"batch", "counts", "timings"}; raises ScaleDataError when refused."""
    if connection.vendor != "postgresql":
        raise ScaleDataError(
            "Scale data is generated on PostgreSQL only (benchmarks and production run there; "
            "SQLite would take far longer and ignores row locks). Set DATABASE_URL to a PostgreSQL "
            "database, e.g. postgres://postgres@127.0.0.1:5432/pcc_grants_bench_1k"
        )
    if applications < 1 or organisations < 1 or returns < 0:
        raise ScaleDataError("Give at least 1 application and 1 organisation, and 0 or more returns")
    if organisations > applications:
        raise ScaleDataError(
            "Give no more organisations than applications: every organisation applies at least once"
        )
    batches = existing_batches()
    if batches and not force:
        raise ScaleDataError(
            f"This database already has scale data (batch {', '.join(map(str, batches))}). "
            "Use a fresh database, or pass --force to add another batch beside it."
        )
    if not Office.objects.exists() or not Area.objects.filter(kind=Area.Kind.LOCAL_POLICING_AREA).exists():
        out("No demo data yet: loading it first")
        call_command("load_demo_data", stdout=_Quiet())
    batch = (max(batches) + 1) if batches else 1
    clock = _Clock(out)
    out(
        f"Generating scale data batch {batch}: {applications:,} applications, {organisations:,} organisations, "
        f"{returns:,} returns (seed {seed})"
    )
    with transaction.atomic():
        generator = _Generator(batch=batch, seed=seed, clock=clock)
        generator.applications_side(applications=applications, organisations=organisations)
        generator.providers_side(returns=returns)
        with clock.step("checking money invariants"):
            problems = money_problems()
        if problems:
            raise ScaleDataError(
                "Generated data broke a money rule (nothing was saved): " + "; ".join(problems[:5])
            )
    with clock.step("vacuuming and analysing tables"), connection.cursor() as cursor:
        # Fresh planner statistics and visibility maps: without them the first queries on a million new
        # rows
        # plan as if the tables were empty, and counts cannot use index-only scans (docs/benchmarks.md).
        # Autovacuum would do the same a little later. VACUUM cannot run inside a transaction (a test's).
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    total = time.perf_counter() - clock.start
    out(f"Done in {total:.1f}s")
    return {"batch": batch, "counts": generator.counts, "timings": {**clock.timings, "total": total}}


class _Quiet:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass


class _Generator:
    def __init__(self, *, batch: int, seed: int, clock: _Clock):
        self.batch, self.clock = batch, clock
        self.rng = random.Random(f"pcc-grants-scale/{seed}/{batch}")
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.tag = f"scale{batch}"
        self.password = make_password(DEMO_PASSWORD)  # once: hashing per user would take hours
        self.counts: dict[str, int] = {}
        self.lpas = list(Area.objects.filter(kind=Area.Kind.LOCAL_POLICING_AREA).order_by("name"))
        self.tz = timezone.get_current_timezone()

    def _bulk(self, model, objs, name=None):
        objs = model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        key = name or model._meta.verbose_name_plural
        self.counts[key] = self.counts.get(key, 0) + len(objs)
        return objs

    def _users(self, prefix: str, count: int, **fields) -> list[User]:
        start = User.objects.filter(email__startswith=f"{self.tag}-{prefix}").count()
        return self._bulk(
            User,
            [
                User(
                    email=f"{self.tag}-{prefix}{start + i}@{EMAIL_DOMAIN}",
                    full_name=f"Scale {prefix.title()} {start + i}",
                    password=self.password,
                    **fields,
                )
                for i in range(count)
            ],
            "users",
        )

    # --- Applications
    # ------------------------------------------------------------------------------------------

    def applications_side(self, *, applications: int, organisations: int) -> None:
        clock, rng = self.clock, self.rng
        with clock.step("users and organisations"):
            self.assessors = self._users("assessor", 6, is_staff=True)
            owners = self._users("applicant", organisations)
            extra = self._users("member", organisations // 2)
            orgs = self._bulk(
                Organisation,
                [
                    Organisation(
                        name=f"{rng.choice(self.lpas).name} {PROJECTS[i % len(PROJECTS)].lower()} group "
                        f"{self.batch}-{i} (scale)",
                        type=ORG_TYPES[i % len(ORG_TYPES)],
                        address=f"{i} Scale Street",
                        area=self.lpas[i % len(self.lpas)],
                        illustrative=True,
                        charity_number=f"{1100000 + i}" if i % 4 in (1, 2) else "",
                    )
                    for i in range(organisations)
                ],
            )
            memberships = [
                Membership(organisation=o, user=u, role=Membership.Role.OWNER)
                for o, u in zip(orgs, owners, strict=False)
            ]
            memberships += [
                Membership(organisation=orgs[i], user=u, role=Membership.Role.MEMBER)
                for i, u in enumerate(extra)
            ]
            self._bulk(Membership, memberships)
            self.owner_of = {o.pk: u for o, u in zip(orgs, owners, strict=False)}
        with clock.step("years, budgets and rounds"):
            rounds = self._rounds()
        with clock.step("applications"):
            apps = self._applications(applications, orgs, rounds)
        with clock.step("budget items, events, assessments"):
            self._children(apps, rounds)
        with clock.step("lines, commitments, awards and payments"):
            self._money(apps, rounds)

    def _rounds(self) -> list[Round]:
        years = {y: FinancialYear.objects.get_or_create(start_year=y)[0] for y in YEARS}
        templates = {t.stream_id: t for t in ReportTable.objects.filter(year__start_year=2024)}
        rounds = []
        for slug, (code, minimum, maximum) in STREAMS.items():
            stream = FundingStream.objects.get(slug=slug)
            for _start_year, year in years.items():
                budget, _ = Budget.objects.get_or_create(stream=stream, year=year)
                table = templates.get(stream.pk)
                if table and not ReportTable.objects.filter(year=year, stream=stream).exists():
                    # Each year's annual report prints the same tables; copy 2024/25's definition.
                    table.pk, table.year = None, year
                    table.save()
                for half in "AB":
                    rounds.append(self._round(budget, year, stream, code, half, minimum, maximum))
        for round_ in rounds:
            round_.areas.set(self.lpas)
        Criterion.objects.bulk_create(
            [
                Criterion(round=r, order=n, name=name, weight=w)
                for r in rounds
                for n, (name, w) in enumerate(CRITERIA, start=1)
            ]
        )
        sections = Section.objects.bulk_create(
            [Section(round=r, order=1, title="About your project") for r in rounds]
        )
        Question.objects.bulk_create(
            [
                Question(round=r, section=section, order=n, text=text, max_words=200)
                for r, section in zip(rounds, sections, strict=True)
                for n, text in enumerate(
                    ["Who will benefit from your project?", "How will you know it has made people safer?"], 1
                )
            ]
        )
        self.criteria = defaultdict(list)
        for c in Criterion.objects.filter(round__in=rounds):
            self.criteria[c.round_id].append(c)
        self.counts["rounds"] = len(rounds)
        return rounds

    def _round(self, budget, year, stream, code, half, minimum, maximum) -> Round:
        y = year.start_year
        if half == "A":
            opens, closes = (
                datetime.datetime(y, 5, 1, 9, tzinfo=self.tz),
                datetime.datetime(y, 6, 28, 12, tzinfo=self.tz),
            )
        else:
            opens, closes = (
                datetime.datetime(y, 10, 15, 9, tzinfo=self.tz),
                datetime.datetime(y + 1, 1, 15, 12, tzinfo=self.tz),
            )
        if y == max(YEARS) and half == "B":
            # The current year's second round is open whenever the data is generated, for drafts and the load
            # test.
            opens = min(opens, self.now - datetime.timedelta(days=30))
            closes = max(closes, self.now + datetime.timedelta(days=60))
        return Round.objects.create(
            budget=budget,
            name=f"{stream.name} {year} round {half} (scale {self.batch})",
            slug=f"scale-{self.batch}-{code.lower()}-{y}-{half.lower()}",
            reference_prefix=f"S{self.batch}{code}{half}",
            summary=f"Scale-test round for {stream.name}.",
            opens_at=opens,
            closes_at=closes,
            minimum_grant=minimum,
            maximum_grant=maximum,
            organisation_types=ORG_TYPES,
            requirements=REQUIREMENTS,
            contact_email="grants@pcc.example",
            illustrative=True,
        )

    def _applications(self, count: int, orgs: list[Organisation], rounds: list[Round]) -> list[Application]:
        rng = self.rng
        # Most organisations apply now and then; one in a hundred applies five times as often (the big
        # charities).
        weights = [5 if i % 100 == 0 else 1 for i in range(len(orgs))]
        chosen = list(orgs) + rng.choices(orgs, weights=weights, k=count - len(orgs))
        rng.shuffle(chosen)
        # Later rounds draw more applications than early ones, as a scheme becomes known.
        round_weights = [1 + i / len(rounds) for i in range(len(rounds))]
        per_round = rng.choices(rounds, weights=round_weights, k=count)
        apps = []
        for org, round_ in zip(chosen, per_round, strict=False):
            is_open = round_.closes_at > self.now
            mix = OPEN_MIX if is_open else CLOSED_MIX
            status = rng.choices(list(mix), weights=list(mix.values()))[0]
            amount = Decimal(rng.randrange(int(round_.minimum_grant), int(round_.maximum_grant) + 1, 50))
            span = (min(round_.closes_at, self.now) - round_.opens_at).total_seconds()
            created = round_.opens_at + datetime.timedelta(seconds=rng.uniform(0, span * 0.9))
            submitted = status != S.DRAFT and not (status == S.WITHDRAWN and rng.random() < 0.3)
            owner = self.owner_of[org.pk]
            recommended = None
            if status in RECOMMENDED:
                recommended = max(round_.minimum_grant, amount - Decimal(rng.randrange(0, 6)) * 250)
            kind = PROJECTS[rng.randrange(len(PROJECTS))]
            area = org.area if rng.random() < 0.9 else rng.choice(self.lpas)
            drafted = TASKS[: rng.randrange(0, 6)] if not submitted else TASKS
            apps.append(
                Application(
                    round=round_,
                    organisation=org,
                    status=status,
                    area=area,
                    amount_requested=amount,
                    project_title=f"{kind} in {area.name}",
                    project_summary=f"A scale-test {kind.lower()} project.",
                    contact_name=owner.full_name,
                    contact_phone="0121 496 0000",
                    meets_requirements=REQUIREMENTS,
                    answers={},
                    completed_tasks=list(drafted),
                    recommended_amount=recommended,
                    resume_status=S.SUBMITTED if status == S.MORE_INFORMATION else "",
                    declared_by_name=owner.full_name if submitted else "",
                    declared_at=created + datetime.timedelta(days=2) if submitted else None,
                    created_by=owner,
                    created_at=created,
                    updated_at=created + datetime.timedelta(days=3),
                    submitted_at=created + datetime.timedelta(days=2) if submitted else None,
                    submitted_by=owner if submitted else None,
                    illustrative=True,
                )
            )
        # References in submission order, numbered from 1 in each round as submit_application would have
        # numbered them.
        numbers = defaultdict(int)
        for app in sorted((a for a in apps if a.submitted_at), key=lambda a: a.submitted_at):
            round_ = app.round
            numbers[round_.pk] += 1
            app.reference = f"{reference_stem(round_)}{numbers[round_.pk]:05d}"
        with _keep_given_timestamps(_field(Application, "created_at"), _field(Application, "updated_at")):
            created = self._bulk(Application, apps)
        # Written here rather than taken from the reference counter, so move the counters past them.
        note_references_used(a.reference for a in apps if a.reference)
        return created

    def _children(self, apps: list[Application], rounds: list[Round]) -> None:
        rng = self.rng
        items, events, requests, assessments = [], [], [], []
        application_type = ContentType.objects.get_for_model(Application)
        for app in apps:
            if app.submitted_at or rng.random() < 0.5:
                parts = rng.randint(1, 3)
                whole = int(app.amount_requested)
                cuts = sorted(rng.sample(range(1, whole), parts - 1)) if parts > 1 else []
                bounds = [0, *cuts, whole]
                items += [
                    BudgetItem(
                        application=app,
                        order=n,
                        description=f"Cost {n}",
                        amount=Decimal(bounds[n] - bounds[n - 1]),
                    )
                    for n in range(1, parts + 1)
                ]
            # A draft has no history yet; a draft withdrawn before it was sent has one move.
            path = (
                PATHS[app.status]
                if app.submitted_at
                else [S.DRAFT, S.WITHDRAWN]
                if app.status == S.WITHDRAWN
                else []
            )
            at = app.submitted_at or app.created_at
            for frm, to in itertools.pairwise(path):
                events.append(
                    AuditEvent(
                        action=STATUS_CHANGED,
                        content_type=application_type,
                        object_id=app.pk,
                        before={"status": frm},
                        after={"status": to},
                        at=at,
                        actor=app.created_by if to in (S.SUBMITTED, S.WITHDRAWN) else self.assessors[0],
                        note="Scale data",
                    )
                )
                at += datetime.timedelta(days=rng.randint(3, 20))
            if app.status == S.MORE_INFORMATION:
                requests.append(
                    InformationRequest(
                        application=app,
                        question="Who will supervise the volunteers?",
                        asked_by=self.assessors[0],
                        asked_at=at,
                    )
                )
            if app.status in ASSESSED and app.submitted_at:
                for assessor in rng.sample(self.assessors, 2 if rng.random() < 0.3 else 1):
                    assessments.append(
                        Assessment(
                            application=app,
                            assessor=assessor,
                            has_conflict=False,
                            declared_at=at,
                            completed_at=at + datetime.timedelta(days=5),
                        )
                    )
        self._bulk(BudgetItem, items)
        events = self._bulk(AuditEvent, events, "status changes")
        # Every email about those moves has gone.
        self._bulk(StatusEmail, [StatusEmail(event=e, sent_at=e.at) for e in events])
        with _keep_given_timestamps(
            _field(InformationRequest, "asked_at"),
            _field(Assessment, "declared_at"),
        ):
            self._bulk(InformationRequest, requests)
            assessments = self._bulk(Assessment, assessments)
        scale = {r.pk: r.scoring_scale for r in rounds}
        round_of = {a.pk: a.round_id for a in apps}
        self._bulk(
            Score,
            [
                Score(
                    assessment=a,
                    criterion=c,
                    score=rng.randint(1, scale[round_of[a.application_id]]),
                    comment="Scale data",
                )
                for a in assessments
                for c in self.criteria[round_of[a.application_id]]
            ],
        )
        # Scores went in without score_application, so each assessed application's stored score is set here, by
        # the same SQL the service uses, in one UPDATE.
        recompute_scores(
            Application.objects.filter(
                pk__in=Assessment.objects.filter(
                    application__round__in=rounds, completed_at__isnull=False
                ).values("application_id")
            )
        )

    def _money(self, apps: list[Application], rounds: list[Round]) -> None:
        rng = self.rng
        granted = [a for a in apps if a.status in (S.AWARDED, S.APPROVED, S.AWARD_CANCELLED)]
        # Plan every award on its area's line first, then size the lines and pots from what they must hold.
        per_line = defaultdict(Decimal)
        for app in granted:
            per_line[(app.round.budget_id, app.area_id)] += app.recommended_amount
        budgets = {r.budget_id: r.budget for r in rounds}
        suffix = "" if self.batch == 1 else f" (batch {self.batch})"
        # The demo may already have lines of these names in these budgets (a year rolled forward): the scale data's
        # own lines are then named apart, since a line's name is unique within its budget.
        taken = set(
            BudgetLine.objects.filter(budget_id__in=budgets, section__isnull=True).values_list(
                "budget_id", "name"
            )
        )

        def named(budget_id, name):
            return name if (budget_id, name) not in taken else f"{name} (scale data)"

        lines, reserves = [], []
        for budget_id, budget in budgets.items():
            for area in self.lpas:
                committed = per_line[(budget_id, area.pk)]
                # Headroom of a fifth plus £20,000, rounded to £1,000, so there is money left for the load
                # test.
                amount = Decimal(math.ceil((committed * Decimal("1.2") + 20000) / 1000) * 1000)
                lines.append(
                    BudgetLine(
                        budget=budget,
                        kind=BudgetLine.Kind.AREA,
                        area=area,
                        name=named(budget_id, area.name + suffix),
                        amount=amount,
                        order=len(lines),
                        illustrative=True,
                    )
                )
            reserves.append(
                BudgetLine(
                    budget=budget,
                    kind=BudgetLine.Kind.RESERVE,
                    name=named(budget_id, "LPA Reserve" + suffix),
                    amount=Decimal("50000"),
                    order=99,
                    illustrative=True,
                )
            )
        lines = BudgetLine.objects.bulk_create(lines + reserves, batch_size=BATCH_SIZE)
        self.counts["budget lines"] = len(lines)
        line_for = {(ln.budget_id, ln.area_id): ln for ln in lines if ln.kind == BudgetLine.Kind.AREA}
        for round_ in rounds:
            round_.default_line = next(
                ln for ln in lines if ln.budget_id == round_.budget_id and ln.kind == BudgetLine.Kind.RESERVE
            )
        Round.objects.bulk_update(rounds, ["default_line"])
        # Each pot holds its lines and 5% unallocated: never over-allocated, never over-committed.
        allocated = defaultdict(Decimal)
        for ln in lines:
            allocated[ln.budget_id] += ln.amount
        BudgetEntry.objects.bulk_create(
            [
                BudgetEntry(
                    budget_id=b,
                    kind=BudgetEntry.Kind.ALLOCATION,
                    amount=(total * Decimal("1.05")).quantize(Decimal("1")),
                    source=budgets[b].stream.source,
                    note=f"Scale data batch {self.batch} pot",
                )
                for b, total in allocated.items()
            ],
            batch_size=BATCH_SIZE,
        )

        award_type = ContentType.objects.get_for_model(Award)
        finance = User.objects.filter(is_superuser=True).order_by("pk").first()
        committed_apps = [a for a in granted if a.status in (S.AWARDED, S.AWARD_CANCELLED)]
        decided = {a.pk: a.submitted_at + datetime.timedelta(days=40) for a in granted}
        commitments = [
            Commitment(
                line=line_for[(a.round.budget_id, a.area_id)],
                amount=a.recommended_amount,
                reference=a.reference,
                created_by=finance,
                created_at=decided[a.pk],
                # A cancelled award's money went back to its line two months after it was committed.
                released_at=decided[a.pk] + datetime.timedelta(days=60)
                if a.status == S.AWARD_CANCELLED
                else None,
            )
            for a in committed_apps
        ]
        with _keep_given_timestamps(
            _field(Commitment, "created_at"),
            _field(Award, "created_at"),
            _field(Payment, "created_at"),
        ):
            commitments = Commitment.objects.bulk_create(commitments, batch_size=BATCH_SIZE)
            commitment_of = {a.pk: c for a, c in zip(committed_apps, commitments, strict=False)}
            awards = []
            for app in granted:
                commitment = commitment_of.get(app.pk)
                old = app.round.closes_at < self.now - datetime.timedelta(days=200)
                cancelled = app.status == S.AWARD_CANCELLED
                paid = commitment is not None and old and not cancelled and rng.random() < 0.85
                if cancelled:
                    status = Award.Status.CANCELLED
                elif commitment:
                    status = Award.Status.PAID if paid else Award.Status.COMMITTED
                else:
                    status = Award.Status.AWAITING_FINANCE
                awards.append(
                    Award(
                        application=app,
                        amount=app.recommended_amount,
                        line=line_for[(app.round.budget_id, app.area_id)],
                        status=status,
                        cancelled_by=finance if cancelled else None,
                        cancelled_at=decided[app.pk] + datetime.timedelta(days=60) if cancelled else None,
                        cancel_reason="The group closed before the project started" if cancelled else "",
                        commitment=commitment,
                        created_at=decided[app.pk],
                        approved_by=finance if commitment else None,
                        approved_at=decided[app.pk] if commitment else None,
                        accepted_at=decided[app.pk] + datetime.timedelta(days=7)
                        if commitment and old
                        else None,
                        letter_sent_at=decided[app.pk] if commitment else None,
                    )
                )
            awards = self._bulk(Award, awards)
            # The commitment points back at its award, as commit_to_line(committed_for=award) records it.
            Commitment.objects.filter(pk__in=[c.pk for c in commitments]).update(
                content_type=award_type,
                object_id=Subquery(Award.objects.filter(commitment_id=OuterRef("pk")).values("pk")[:1]),
            )
            payments, scheduled = [], []
            for award in awards:
                if award.commitment_id is None:
                    continue
                payment = None
                if award.status == Award.Status.PAID:
                    payment = Payment(
                        commitment_id=award.commitment_id,
                        line_id=award.line_id,
                        amount=award.amount,
                        paid_on=(award.accepted_at + datetime.timedelta(days=10)).date(),
                        reference=f"{award.application.reference} payment 1",
                        created_by=finance,
                        created_at=award.accepted_at + datetime.timedelta(days=10),
                    )
                    payments.append(payment)
                scheduled.append((award, payment))
            payments = Payment.objects.bulk_create(payments, batch_size=BATCH_SIZE)
            self.counts["payments"] = len(payments)
            self._bulk(
                AwardPayment,
                [AwardPayment(award=a, number=1, amount=a.amount, payment=p) for a, p in scheduled],
            )
            self.counts["commitments"] = len(commitments)
            self._bulk(
                AuditEvent,
                [
                    AuditEvent(
                        action="commitment.created",
                        content_type=ContentType.objects.get_for_model(Commitment),
                        object_id=c.pk,
                        actor=finance,
                        at=c.created_at,
                        after={"line": c.line_id, "amount": str(c.amount)},
                        note=c.reference,
                    )
                    for c in commitments
                ],
                "audit events",
            )

    # --- Providers and returns
    # -------------------------------------------------------------------------------------

    def providers_side(self, *, returns: int) -> None:
        if not returns:
            return
        with self.clock.step("providers, services and periods"):
            periods = self._templates_and_periods()
            services = self._services(returns, periods)
        with self.clock.step("monitoring returns"):
            self._returns(services, periods)

    def _templates_and_periods(self) -> dict[int, list[ReportingPeriod]]:
        from providers import services as provider_services

        years = [
            FinancialYear.objects.get_or_create(start_year=y)[0] for y in range(min(YEARS), max(YEARS) + 1)
        ]
        periods = {}
        for days in DUE_AFTER_DAYS:
            template = MonitoringTemplate.objects.create(
                name=f"Scale quarterly return, due after {days} days (batch {self.batch})",
                slug=f"scale-{self.batch}-due-{days}",
                frequency=MonitoringTemplate.Frequency.QUARTERLY,
                due_after_days=days,
                description="Scale-test template",
            )
            Measure.objects.bulk_create(
                [
                    Measure(
                        template=template,
                        code="people_supported",
                        label="People supported",
                        kind="count",
                        order=1,
                    ),
                    Measure(
                        template=template, code="spend", label="Spend this quarter", kind="money", order=2
                    ),
                    Measure(
                        template=template,
                        code="notes",
                        label="Anything to tell us",
                        kind="text",
                        required=False,
                        order=3,
                    ),
                ]
            )
            found = []
            for year in years:
                found += provider_services.create_periods(template=template, year=year)
            # Returns exist for every period that has started, as open_returns makes them.
            periods[template.pk] = sorted(
                (p for p in found if p.starts_on <= self.today), key=lambda p: p.starts_on
            )
        self.measures = {m.template_id: m for m in Measure.objects.filter(template__in=periods, kind="count")}
        self.spend = {m.template_id: m for m in Measure.objects.filter(template__in=periods, kind="money")}
        return periods

    def _services(
        self, returns: int, periods: dict[int, list[ReportingPeriod]]
    ) -> list[tuple[Service, list]]:
        rng = self.rng
        managers = self._users("commissioner", 3, is_staff=True)
        plans, total = [], 0
        template_ids = list(periods)
        while total < returns:
            template_id = template_ids[len(plans) % len(template_ids)]
            started = periods[template_id]
            first_year = rng.choice(YEARS[:-1] + [min(YEARS)] * 3)
            span = [p for p in started if p.year.start_year >= first_year]
            if total + len(span) > returns:
                # The last service ended early: it has only the returns that make the requested total.
                span, ended = span[: returns - total], True
            else:
                ended = False
            if not span:
                continue
            plans.append((template_id, span, ended))
            total += len(span)
        provider_count = max(1, len(plans) // 4)
        providers = self._bulk(
            Provider,
            [
                Provider(
                    name=f"Scale provider {self.batch}-{i}",
                    contact_email=f"monitoring{i}@{self.tag}.{EMAIL_DOMAIN}",
                )
                for i in range(provider_count)
            ],
        )
        preparers = self._users("preparer", provider_count)
        signatories = self._users("signatory", provider_count)
        self._bulk(
            ProviderMembership,
            [
                ProviderMembership(provider=p, user=u, role=role)
                for people, role in (
                    (preparers, ProviderMembership.Role.CONTRIBUTOR),
                    (signatories, ProviderMembership.Role.SIGNATORY),
                )
                for p, u in zip(providers, people, strict=False)
            ],
        )
        self.people = {p.pk: (a, b) for p, a, b in zip(providers, preparers, signatories, strict=False)}
        years = {y.start_year: y for y in FinancialYear.objects.all()}
        services = self._bulk(
            Service,
            [
                Service(
                    provider=providers[n % provider_count],
                    name=f"Scale service {self.batch}-{n}",
                    theme=rng.choice(
                        ["Domestic Abuse (DA)", "Sexual Violence", "Modern Slavery", "Road Crime"]
                    ),
                    status=Service.Status.ENDED if ended else Service.Status.ACTIVE,
                    start_year=years[span[0].year.start_year],
                    end_year=years[span[-1].year.start_year],
                    contract_manager=managers[n % len(managers)],
                    template_id=template_id,
                    illustrative=True,
                )
                for n, (template_id, span, ended) in enumerate(plans)
            ],
        )
        return [(service, span) for service, (_, span, _) in zip(services, plans, strict=False)]

    def _returns(self, services, periods) -> None:
        rng = self.rng
        rows, values = [], []
        for service, span in services:
            preparer, signatory = self.people[service.provider_id]
            for period in span:
                status = self._return_status(period)
                ret = MonitoringReturn(service=service, period=period, status=status)
                if status not in (MonitoringReturn.Status.NOT_STARTED,):
                    ret.prepared_by = preparer
                if status in MonitoringReturn.IN or status == MonitoringReturn.Status.CHANGES_REQUESTED:
                    late = rng.random() < 0.15
                    when = datetime.datetime.combine(
                        period.due_on, datetime.time(10), tzinfo=self.tz
                    ) + datetime.timedelta(days=rng.randint(1, 9) if late else -rng.randint(0, 9))
                    ret.signed_off_by, ret.first_submitted_at, ret.submitted_at, ret.late = (
                        signatory,
                        when,
                        when,
                        late,
                    )
                rows.append(ret)
        rows = self._bulk(MonitoringReturn, rows, "monitoring returns")
        for ret in rows:
            if ret.status != MonitoringReturn.Status.NOT_STARTED:
                template_id = ret.period.template_id
                values.append(
                    ReturnValue(
                        monitoring_return=ret,
                        measure=self.measures[template_id],
                        number=Decimal(rng.randint(5, 400)),
                    )
                )
                values.append(
                    ReturnValue(
                        monitoring_return=ret,
                        measure=self.spend[template_id],
                        number=Decimal(rng.randint(2000, 90000)),
                    )
                )
        self._bulk(ReturnValue, values, "return values")

    def _return_status(self, period: ReportingPeriod) -> str:
        R = MonitoringReturn.Status
        age = (self.today - period.due_on).days
        if age > 120:
            mix = {R.ACCEPTED: 92, R.SUBMITTED: 3, R.CHANGES_REQUESTED: 1, R.NOT_STARTED: 4}
        elif age >= 0:
            # Recently due: many still with the provider, so the hourly reminder scan has overdue work.
            mix = {R.ACCEPTED: 35, R.SUBMITTED: 20, R.AWAITING_SIGN_OFF: 5, R.DRAFT: 10, R.NOT_STARTED: 30}
        else:
            mix = {R.NOT_STARTED: 55, R.DRAFT: 30, R.AWAITING_SIGN_OFF: 10, R.SUBMITTED: 5}
        return self.rng.choices(list(mix), weights=list(mix.values()))[0]


def money_problems() -> list[str]:
    """Every broken money rule in the database (not only scale data), as messages; empty when all hold."""
    problems = []
    live = Q(commitments__released_at__isnull=True)
    for line in BudgetLine.objects.annotate(committed=Sum("commitments__amount", filter=live)).filter(
        committed__gt=F("amount")
    ):
        problems.append(f"line {line.pk} {line.name} has {line.committed} committed against {line.amount}")
    pots = dict(BudgetEntry.objects.values("budget").annotate(s=Sum("amount")).values_list("budget", "s"))
    committed = dict(
        Commitment.objects.filter(released_at__isnull=True)
        .values("line__budget")
        .annotate(s=Sum("amount"))
        .values_list("line__budget", "s")
    )
    for budget_id, amount in committed.items():
        if amount > pots.get(budget_id, 0):
            problems.append(
                f"budget {budget_id} has {amount} committed against a pot of {pots.get(budget_id, 0)}"
            )
    bad_awards = Award.objects.filter(~Q(status=Award.Status.AWAITING_FINANCE)).filter(
        Q(commitment__isnull=True)
        | ~Q(commitment__amount=F("amount"))
        | ~Q(commitment__line=F("line"))
        # A cancelled award's commitment is released; every other's is live.
        | Q(commitment__released_at__isnull=False) & ~Q(status=Award.Status.CANCELLED)
        | Q(commitment__released_at__isnull=True) & Q(status=Award.Status.CANCELLED)
    )
    problems += [
        f"award {pk} does not match its commitment" for pk in bad_awards.values_list("pk", flat=True)[:20]
    ]
    overpaid = (
        Commitment.objects.annotate(paid=Sum("payments__amount"))
        .filter(paid__gt=F("amount"))
        .values_list("pk", flat=True)[:20]
    )
    problems += [f"commitment {pk} is paid more than its amount" for pk in overpaid]
    unpaid_paid = Award.objects.filter(status=Award.Status.PAID, payments__payment__isnull=True).values_list(
        "pk", flat=True
    )[:20]
    problems += [f"award {pk} is marked paid with a payment still to make" for pk in unpaid_paid]
    return problems


def summary() -> dict:
    """Row counts that the command prints and the benchmarks record."""
    biggest = (Organisation.objects.annotate(n=Count("applications")).aggregate(m=Max("n"))["m"]) or 0
    return {
        "applications": Application.objects.count(),
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "awards": Award.objects.count(),
        "commitments": Commitment.objects.count(),
        "monitoring returns": MonitoringReturn.objects.count(),
        "most applications from one organisation": biggest,
    }
