"""Load scenario: 50 applicants finishing and submitting applications at once while finance staff approve awards,
through gunicorn and a real Celery worker on PostgreSQL and Redis.

    ./scripts/benchmark --load                       # or: .venv/bin/python -m benchmarks.load [--applicants 50]

It uses its own database, pcc_grants_bench_load on the server in DATABASE_URL (created, migrated and given 1,000
applications of scale data the first time), and Redis database 15 of REDIS_URL's server, so it never shares a
queue with a test run. Each run adds fresh applicants and awards, so runs can follow one another.

Sessions are made directly in the database (a SessionStore with Django's auth keys, plus the verified second factor
for staff) and handed to the HTTP client as its cookie. This skips the sign-in pages on purpose: sign-in is throttled
by django-axes and staff need a one-time code, so 50 people signing in within a second from one address would measure
the lockout, not the application. Sign-in is covered by the accounts tests.

What it checks afterwards: every request answered as expected (no 5xx, no unexpected 4xx); every value each applicant
saved is in the database exactly (no lost saves); every application submitted once with its own reference; the awards
line was committed to at most its amount, with the refusals the rule requires.
"""

import argparse
import contextlib
import datetime
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.run import RESULTS_DIR, database_url_for, ensure_database, machine, update_docs  # noqa: E402

SECRET_KEY = "load-scenario-secret-key-not-for-production"
LOAD_DB = "load"
AWARD_AMOUNT = Decimal("1000")
START_MARK, END_MARK = "<!-- load-results:start -->", "<!-- load-results:end -->"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def load_database_url() -> str:
    url = database_url_for(1)  # only for its server and checks
    return urlunsplit(urlsplit(url)._replace(path="/pcc_grants_bench_load"))


def redis_url() -> str:
    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    return base.rsplit("/", 1)[0] + "/15"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Setting up people and work, directly in the database
# ---------------------------------------------------------


def setup_django(env: dict) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "pcc_grants.settings"
    import django

    django.setup()


def session_cookie(user, *, staff: bool) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if staff:
        try:
            from accounts.two_factor import VERIFIED_SESSION_KEY
        except ImportError:
            VERIFIED_SESSION_KEY = "two_factor_verified"
        store[VERIFIED_SESSION_KEY] = True
    store.create()
    assert settings.SESSION_ENGINE.endswith(".db"), "sessions are expected in the database"
    return store.session_key


def prepare_work(applicants: int, approvals: int, headroom: int, staff_count: int, tag: str) -> dict:
    from django.utils import timezone

    from accounts.models import User
    from applications import services as app_services
    from applications.models import Membership, Organisation, Round
    from funds import services as fund_services
    from funds.models import BudgetLine

    now = timezone.now()
    open_round = open_scale_round(now)
    areas = list(open_round.areas.order_by("name"))
    questions = list(open_round.questions.values_list("pk", flat=True))
    # The round's own questions are one section of its form: its task on the task list (applications.questions).
    sections = [
        f"s{pk}" for pk in open_round.sections.filter(purpose="application").values_list("pk", flat=True)
    ]
    people = []
    for n in range(applicants):
        user = User.objects.create_user(
            f"load-{tag}-{n}@load.pcc-grants.example", full_name=f"Load Applicant {n}"
        )
        org = Organisation.objects.create(
            name=f"Load test group {tag}-{n}",
            type="constituted_group",
            address="1 Load Street",
            area=areas[n % len(areas)],
        )
        Membership.objects.create(organisation=org, user=user, role=Membership.Role.OWNER)
        application = app_services.start_application(round_=open_round, organisation=org, by=user)
        people.append(
            {
                "n": n,
                "cookie": session_cookie(user, staff=False),
                "application": application.pk,
                "area": areas[n % len(areas)].pk,
                "questions": questions,
                "sections": sections,
                "minimum": int(open_round.minimum_grant),
            }
        )

    # Awards waiting for finance on one line with room for only `headroom` of them: the rest must be refused.
    closed = Round.objects.filter(
        slug__startswith="scale-", budget=open_round.budget, closes_at__lte=now
    ).first()
    finance = [
        User.objects.create_user(
            f"load-{tag}-finance{n}@load.pcc-grants.example",
            is_staff=True,
            is_superuser=True,
            full_name=f"Load Finance {n}",
        )
        for n in range(staff_count)
    ]
    line = fund_services.save_line(
        line=BudgetLine(
            budget=open_round.budget,
            kind=BudgetLine.Kind.RESERVE,
            name=f"Load test line {tag}",
            amount=AWARD_AMOUNT * headroom,
        ),
        by=finance[0],
    )
    fund_services.add_to_pot(
        budget_id=open_round.budget_id, amount=AWARD_AMOUNT * headroom, note=f"Load test {tag}", by=finance[0]
    )
    award_ids = awards_waiting_for_finance(closed, areas, line, approvals, tag=tag, by=finance[0], now=now)
    return {
        "people": people,
        "award_ids": award_ids,
        "line": line.pk,
        "finance": [session_cookie(u, staff=True) for u in finance],
    }


def wait_until_up(base: str, logs: Path) -> None:
    """Until gunicorn at `base` answers its health check (up to a minute)."""
    import httpx

    for _ in range(120):
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer /healthz; see {logs / 'gunicorn.log'}")


def open_scale_round(now):
    """The scale data's open round, that load runs' applicants apply to."""
    from applications.models import Round

    open_round = (
        Round.objects.filter(slug__startswith="scale-", opens_at__lte=now, closes_at__gt=now)
        .order_by("-closes_at")
        .first()
    )
    if open_round is None:
        raise SystemExit(
            "No open round in the scale data: regenerate it (drop the load database and run again)"
        )
    return open_round


def awards_waiting_for_finance(closed_round, areas, line, count: int, *, tag: str, by, now) -> list[int]:
    """`count` awards of AWARD_AMOUNT on `line`, each a new group's application the panel approved in
    `closed_round`, waiting for finance: the work the finance staff of a load run approve. Returns their ids."""
    from applications import services as app_services
    from applications.models import Application, Award, Organisation, Status

    stem = app_services.reference_stem(closed_round)
    award_ids = []
    for n in range(count):
        org = Organisation.objects.create(
            name=f"Load test awardee {tag}-{n}",
            type="constituted_group",
            address="2 Load Street",
            area=areas[n % len(areas)],
        )
        application = Application.objects.create(
            round=closed_round,
            organisation=org,
            status=Status.APPROVED,
            reference=app_services.reserve_reference(stem),
            project_title=f"Load test award {tag}-{n}",
            area=areas[n % len(areas)],
            amount_requested=AWARD_AMOUNT,
            recommended_amount=AWARD_AMOUNT,
            created_by=by,
            submitted_at=now,
            submitted_by=by,
            completed_tasks=["organisation", "project", "budget", "documents", "declarations"],
        )
        award_ids.append(Award.objects.create(application=application, amount=AWARD_AMOUNT, line=line).pk)
    return award_ids


# --- The HTTP side
# ------------------------------------------------------------------------------------------------


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples = defaultdict(list)
        self.errors = []
        self.requests = 0

    def call(self, client, action: str, method: str, url: str, expect: set[int], **kwargs):
        started = time.perf_counter()
        try:
            response = client.request(method, url, **kwargs)
            status = response.status_code
        except Exception as exc:
            response, status = None, repr(exc)
        took = time.perf_counter() - started
        with self.lock:
            self.requests += 1
            self.samples[action].append(took)
            if status not in expect:
                self.errors.append(f"{action} {method} {url}: {status}")
        return response


def _token(response) -> str:
    match = CSRF.search(response.text) if response is not None else None
    return match.group(1) if match else ""


def applicant_journey(base: str, person: dict, rec: Recorder, cookie_name: str) -> dict:
    import httpx

    n, pk = person["n"], person["application"]
    amount = person["minimum"] + 50 * n
    saved = {
        "contact_name": f"Load Contact {n}",
        "contact_phone": f"0121 496 {n:04d}",
        "project_title": f"Load project {n}",
        "project_summary": f"What load applicant {n} will do.",
        "amount_requested": Decimal(amount),
        "declared_by_name": f"Load Declarer {n}",
        "items": [(f"Item one for {n}", Decimal(amount - 100)), (f"Item two for {n}", Decimal(100))],
        "answers": {str(q): f"Answer {q} from {n}" for q in person["questions"]},
    }
    app = f"/applications/{pk}"
    with httpx.Client(base_url=base, cookies={cookie_name: person["cookie"]}, timeout=60) as client:
        rec.call(client, "task list", "GET", f"{app}/", {200})

        def save(task, data, files=None, action="continue", name=None):
            form = rec.call(client, f"open {name or task}", "GET", f"{app}/{task}/", {200})
            rec.call(
                client,
                f"save {name or task}",
                "POST",
                f"{app}/{task}/",
                {302},
                data={"csrfmiddlewaretoken": _token(form), "action": action, **data},
                files=files,
            )

        save(
            "organisation",
            {
                "contact_name": saved["contact_name"],
                "contact_phone": saved["contact_phone"],
                "has_governing_document": "on",
                "has_safeguarding_policy": "on",
                "has_bank_account": "on",
            },
        )
        # A first draft saved for later, then the final answers: the second save must win, whole.
        save(
            "project",
            {
                "project_title": f"Draft title {n}",
                "project_summary": "Draft",
                "area": person["area"],
                "amount_requested": str(amount),
            },
            action="later",
        )
        save(
            "project",
            {
                "project_title": saved["project_title"],
                "project_summary": saved["project_summary"],
                "area": person["area"],
                "amount_requested": f"{amount:,}",
            },
        )
        for section in person["sections"]:
            save(section, {f"q_{q}": a for q, a in saved["answers"].items()}, name="section")
        save(
            "budget",
            {
                "rows": "3",
                **{
                    f"item_{i}_{k}": str(v)
                    for i, item in enumerate(saved["items"], 1)
                    for k, v in zip(("description", "amount"), item, strict=False)
                },
            },
        )
        save(
            "documents",
            {},
            files={
                kind: (f"{kind}.pdf", PDF, "application/pdf")
                for kind in ("governing_document", "safeguarding_policy", "accounts")
            },
        )
        save(
            "declarations",
            {
                "true_and_complete": "on",
                "use_for_project": "on",
                "monitoring": "on",
                "declared_by_name": saved["declared_by_name"],
            },
        )
        check = rec.call(client, "check answers", "GET", f"{app}/check/", {200})
        rec.call(
            client, "submit", "POST", f"{app}/check/", {302}, data={"csrfmiddlewaretoken": _token(check)}
        )
        rec.call(client, "confirmation", "GET", f"{app}/submitted/", {200})
    return saved


def finance_approvals(base: str, cookie: str, award_ids: list[int], rec: Recorder, cookie_name: str) -> None:
    import httpx

    listing = "/admin/applications/award/?status__exact=awaiting_finance"
    with httpx.Client(base_url=base, cookies={cookie_name: cookie}, timeout=60) as client:
        for award_id in award_ids:
            page = rec.call(client, "award list (admin)", "GET", listing, {200})
            # One award per action: approve_awards is all or nothing, and a refusal must refuse only that
            # award.
            rec.call(
                client,
                "approve award (admin action)",
                "POST",
                "/admin/applications/award/",
                {302},
                data={
                    "csrfmiddlewaretoken": _token(page),
                    "action": "approve_selected",
                    "_selected_action": str(award_id),
                    "index": "0",
                },
            )


@contextlib.contextmanager
def servers(env: dict, workers: int, threads: int, logs: Path):
    port = free_port()
    bin_dir = Path(sys.executable).parent
    # The parent's handles on the servers' logs close once both servers have stopped.
    with open(logs / "gunicorn.log", "w") as web_log, open(logs / "celery.log", "w") as worker_log:
        web = subprocess.Popen(
            [
                str(bin_dir / "gunicorn"),
                "pcc_grants.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(threads),
                "--timeout",
                "60",
                "--access-logfile",
                str(logs / "access.log"),
            ],
            cwd=ROOT,
            env=env,
            stdout=web_log,
            stderr=subprocess.STDOUT,
        )
        worker = subprocess.Popen(
            [
                str(bin_dir / "celery"),
                "-A",
                "pcc_grants",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--hostname",
                f"load-{port}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, logs)
            yield base
            # Let the worker finish what the run queued (status emails, award letters) before stopping it.
            import redis

            broker = redis.Redis.from_url(env["REDIS_URL"])
            for _ in range(120):
                # Queued, or taken but not yet acknowledged (tasks ack late): both must be empty before stopping.
                if broker.llen("celery") == 0 and broker.hlen("unacked") == 0:
                    break
                time.sleep(0.5)
        finally:
            for process in (web, worker):
                process.terminate()
            for process in (web, worker):
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


# --- Checking the outcome
# ----------------------------------------------------------------------------------------


def lost_saves(people: list[dict], saved: dict[int, dict]) -> list[str]:
    from applications.models import Application, Status

    problems = []
    for person in people:
        want = saved.get(person["n"])
        if want is None:
            problems.append(f"applicant {person['n']} did not finish")
            continue
        app = Application.objects.prefetch_related("budget_items", "documents").get(pk=person["application"])
        got = {
            "contact_name": app.contact_name,
            "contact_phone": app.contact_phone,
            "project_title": app.project_title,
            "project_summary": app.project_summary,
            "amount_requested": app.amount_requested,
            "declared_by_name": app.declared_by_name,
            "items": [(i.description, i.amount) for i in app.budget_items.all()],
            "answers": dict(app.answers.items()),
        }
        for key, value in want.items():
            if got[key] != value:
                problems.append(f"application {app.pk} {key}: saved {value!r}, database has {got[key]!r}")
        if app.status != Status.SUBMITTED or not app.reference:
            problems.append(f"application {app.pk} is {app.status}, not submitted")
        if sorted(d.kind for d in app.documents.all()) != [
            "accounts",
            "governing_document",
            "safeguarding_policy",
        ]:
            problems.append(f"application {app.pk} has documents {[d.kind for d in app.documents.all()]}")
    references = list(
        Application.objects.filter(pk__in=[p["application"] for p in people]).values_list(
            "reference", flat=True
        )
    )
    if len(set(references)) != len(references):
        problems.append("two applications share a reference")
    return problems


def award_outcome(award_ids: list[int], line_id: int) -> dict:
    from applications.models import Award
    from funds import selectors
    from funds.models import BudgetLine

    line = selectors.with_line_totals(BudgetLine.objects.filter(pk=line_id)).get()
    approved = Award.objects.filter(pk__in=award_ids).exclude(status=Award.Status.AWAITING_FINANCE).count()
    totals = selectors.budget_totals(line.budget_id)
    return {
        "approved": approved,
        "refused": len(award_ids) - approved,
        "line_amount": line.amount,
        "line_committed": line.committed,
        "over_committed": line.committed > line.amount or totals.remaining < 0,
    }


# --- Report
# --------------------------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _pct(samples, q):
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))]


def report(result: dict) -> str:
    m, rec, awards = result["machine"], result["recorder"], result["awards"]
    lines = [
        f"## Load scenario of {result['started']}",
        "",
        f"gunicorn {result['workers']} workers x {result['threads']} threads (gthread) and one Celery worker "
        f"(concurrency 2) on Redis, PostgreSQL database pcc_grants_bench_load; {result['applicants']} applicants "
        f"and {result['staff']} finance staff at once. Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB. "
        f"Load average before: {', '.join(f'{x:.2f}' for x in m['load_before'])}; after: "
        f"{', '.join(f'{x:.2f}' for x in m['load_after'])}.",
        "",
        f"- Requests: {rec.requests:,} in {result['seconds']:.1f} s; errors (5xx or unexpected 4xx): "
        f"{len(rec.errors)} (target 0)",
        f"- Lost saves: {len(result['lost'])} (target 0); applications submitted: {result['submitted']} of "
        f"{result['applicants']}",
        f"- Awards approved through the admin action: {awards['approved']}, refused by the line's limit: "
        f"{awards['refused']}; line £{awards['line_amount']:,} with £{awards['line_committed']:,} committed; "
        f"over-committed: {'yes' if awards['over_committed'] else 'no'}",
        f"- Celery tasks the worker ran (status emails, award letters): {result['tasks']}",
        "",
        "| action | requests | p50 | p95 |",
        "|---|---|---|---|",
    ]
    for action, samples in rec.samples.items():
        lines.append(
            f"| {action} | {len(samples)} | {_ms(_pct(samples, 0.5))} | {_ms(_pct(samples, 0.95))} |"
        )
    if rec.errors:
        lines += ["", "Errors:", *[f"- {e}" for e in rec.errors[:20]]]
    if result["lost"]:
        lines += ["", "Lost saves:", *[f"- {p}" for p in result["lost"][:20]]]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--applicants", type=int, default=50)
    parser.add_argument("--staff", type=int, default=3)
    parser.add_argument("--approvals", type=int, default=40, help="Awards waiting for finance")
    parser.add_argument("--headroom", type=int, default=30, help="How many of them the line has room for")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--update-docs", action="store_true")
    args = parser.parse_args(argv)

    db_url = load_database_url()
    ensure_database(db_url, args.rebuild)
    private = tempfile.mkdtemp(prefix="pcc-load-")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url(),
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PRIVATE_STORAGE_ROOT": private,
        "DATABASE_CONN_MAX_AGE": "60",
        "DJANGO_DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ENV", None)  # plain HTTP on 127.0.0.1: production's secure cookies would not be sent back
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    setup_django(env)
    from benchmarks.scale_data import existing_batches

    if not existing_batches():
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "generate_scale_data",
                "--applications",
                "1000",
                "--organisations",
                "100",
                "--returns",
                "500",
                "--seed",
                "1",
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
    import logging

    from django.conf import settings

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would bury the report
    tag = datetime.datetime.now().strftime("%Y%m%d%H%M%S")
    work = prepare_work(args.applicants, args.approvals, args.headroom, args.staff, tag)
    logs = Path(tempfile.mkdtemp(prefix="pcc-load-logs-"))
    rec = Recorder()
    saved = {}
    info = machine()
    with servers(env, args.workers, args.threads, logs) as base:
        started = time.perf_counter()
        share = [work["award_ids"][i :: args.staff] for i in range(args.staff)]
        with ThreadPoolExecutor(max_workers=args.applicants + args.staff) as pool:
            staff_jobs = [
                pool.submit(
                    finance_approvals, base, work["finance"][i], share[i], rec, settings.SESSION_COOKIE_NAME
                )
                for i in range(args.staff)
            ]
            jobs = {
                pool.submit(applicant_journey, base, p, rec, settings.SESSION_COOKIE_NAME): p["n"]
                for p in work["people"]
            }
            for job, n in jobs.items():
                saved[n] = job.result()
            for job in staff_jobs:
                job.result()
        seconds = time.perf_counter() - started
    info["load_after"] = os.getloadavg()
    from applications.models import Application, Status

    result = {
        "started": datetime.datetime.now().isoformat(timespec="minutes"),
        "machine": info,
        "recorder": rec,
        "workers": args.workers,
        "threads": args.threads,
        "applicants": args.applicants,
        "staff": args.staff,
        "seconds": seconds,
        "lost": lost_saves(work["people"], saved),
        "submitted": Application.objects.filter(
            pk__in=[p["application"] for p in work["people"]], status=Status.SUBMITTED
        ).count(),
        "awards": award_outcome(work["award_ids"], work["line"]),
        "tasks": (logs / "celery.log").read_text().count(" succeeded in "),
    }
    markdown = report(result)
    print(markdown)
    print(f"logs: {logs}", file=sys.stderr)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"{datetime.date.today().isoformat()}-load.md").write_text(markdown)
    if args.update_docs:
        update_docs(markdown, (START_MARK, END_MARK))
    ok = not rec.errors and not result["lost"] and not result["awards"]["over_committed"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
