"""Issue 14's two load runs with locust (benchmarks/locustfile.py), on a copy of the 100,000-application database,
against gunicorn started exactly as docs/deployment.md says, with a real Celery worker:

    ./scripts/benchmark --crowd        # (A) 50 people on the public pages for 60 s
    ./scripts/benchmark --load-100k    # (B) applicants, grants officers and finance officers signing in for real,
                                       #     with the public reading, for 60 s
    .venv/bin/python -m benchmarks.load_crowd --scenario both --source pcc_grants_bench_10k --time 10s   # a try-out

Each run copies the source database (CREATE DATABASE ... TEMPLATE; the source is only read) into its own database,
named after DATABASE_URL's with the source's size (pcc_grants_100k for the default DATABASE_URL), dropped and made
again at every run so runs start alike; migrates it; makes the people the scenario needs, with a known password and,
for staff, a confirmed authenticator app whose secret the locust users compute codes from; starts gunicorn and a
Celery worker; runs locust headless; and checks afterwards:

- no 5xx in gunicorn's access log and no locust failures;
- every submission locust saw accepted is one submitted application with its own reference and one "submitted"
  event in its audit trail;
- the awards line was committed to at most its amount: exactly as many awards approved as it had room for;
- (crowd) the targets: at least 150 requests/s, p95 under 300 ms, no errors.

It writes docs/benchmark-results/<date>-load-100k.md (a section per scenario, replaced when run again that day) with
a table per scenario (action, requests, req/s, p50, p95, failures), the load average before and after, and the
machine. Sign-in is throttled per address (django-axes, core.ratelimit): gunicorn runs with
DJANGO_TRUSTED_PROXY_COUNT=1 and each locust user sends its own X-Forwarded-For, as behind the documented proxy.
"""

import argparse
import datetime
import json
import math
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load import awards_waiting_for_finance, open_scale_round, wait_until_up  # noqa: E402
from benchmarks.run import RESULTS_DIR, machine  # noqa: E402

SECRET_KEY = "load-crowd-secret-key-not-for-production"
PASSWORD = "load-scenario-password-2026"
AWARD_AMOUNT = Decimal("1000")
SCENARIOS = ("crowd", "load-100k")
TITLES = {
    "crowd": "(A) Public pages that hold a crowd",
    "load-100k": "(B) The load scenario, with real sign-in and two-factor",
}
CROWD_TARGET = {"rps": 150, "p95_ms": 300}
# docs/deployment.md, "Web: gunicorn", for a 2-core server (about 2 workers per core, 4 threads each).
GUNICORN_ARGS = [
    "--workers", "4", "--worker-class", "gthread", "--threads", "4",
    "--timeout", "60", "--graceful-timeout", "30", "--max-requests", "2000", "--max-requests-jitter", "200",
    "--access-logfile", "-", "--forwarded-allow-ips", "127.0.0.1",
]  # fmt: skip
# docs/deployment.md, "Worker and beat: Celery".
CELERY_ARGS = ["-A", "pcc_grants", "worker", "--loglevel", "INFO", "--concurrency", "2"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- The database copy ---------------------------------------------------------------------------------------------


def copy_name(source: str, base_url: str) -> str:
    base = urlsplit(base_url).path.lstrip("/") or "pcc_grants"
    name = f"{base}_{source.rsplit('_', 1)[-1]}"
    if name == source or name.startswith("pcc_grants_bench_"):
        raise SystemExit(
            f"Refusing to use {name} as the copy of {source}: set DATABASE_URL to your own database"
        )
    return name


def copy_database(source: str, target: str, base_url: str) -> str:
    import psycopg

    admin = urlunsplit(urlsplit(base_url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [source]).fetchone():
            raise SystemExit(f"No database {source}: generate the scale data first (./scripts/benchmark)")
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        for attempt in range(60):
            try:
                # Copies the source without writing to it; refused while anyone else is connected to the source.
                conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
                break
            except psycopg.errors.ObjectInUse:
                if attempt == 59:
                    raise
                time.sleep(5)
    return urlunsplit(urlsplit(base_url)._replace(path=f"/{target}"))


def drop_database(target: str, base_url: str) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(base_url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')


# --- People and work, made in the copy before the run ------------------------------------------------------------


def setup_django(env: dict) -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "pcc_grants.settings"
    import django

    django.setup()


def public_plan(base: str) -> dict:
    """What the public filters choose from: years, areas and streams that have published grants, and page counts."""
    import httpx

    from funds.models import Area, FundingStream

    try:
        from transparency.selectors import grant_facets

        facets = grant_facets()
        years, areas, streams = (
            list(facets.years()),
            [pk for pk, _ in facets.areas],
            [s[1] for s in facets.streams],
        )
    except (ImportError, AttributeError):
        years = list(range(2019, 2027))
        areas = list(Area.objects.filter(kind=Area.Kind.LOCAL_POLICING_AREA).values_list("pk", flat=True))
        streams = list(FundingStream.objects.values_list("slug", flat=True))
    # The count from the API, at a page size the scenario never asks for, so no page the run measures is cached.
    count = httpx.get(f"{base}/api/v1/grants/?page_size=1", timeout=60).json()["count"]
    return {
        "years": [f"{y}-{(y + 1) % 100:02d}" for y in years],
        "areas": areas,
        "streams": streams,
        "grants": count,
        "grant_pages": max(1, math.ceil(count / 25)),
        "api_pages": max(1, math.ceil(count / 200)),
    }


def password_check_seconds() -> float:
    """What one sign-in's password check costs here (the configured hasher), measured once before the run."""
    from django.contrib.auth.hashers import check_password, make_password

    encoded = make_password(PASSWORD)
    started = time.perf_counter()
    check_password(PASSWORD, encoded)
    return time.perf_counter() - started


def _staff(email: str, role: str, password_hash: str):
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts import two_factor
    from accounts.models import TwoFactorDevice, User

    user = User.objects.create(
        email=email, full_name=email.split("@")[0], is_staff=True, is_superuser=False, password=password_hash
    )
    user.groups.set([Group.objects.get(name=role)])
    device = TwoFactorDevice.objects.create(
        user=user, secret=two_factor.new_secret(), confirmed_at=timezone.now()
    )
    return user, device.secret


def prepare_people(args, tag: str) -> dict:
    """Applicants with a draft application each, grants officers and finance officers with authenticator apps, and
    awards waiting for finance on a line with room for only some of them."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts import roles
    from accounts.models import User
    from applications import services as app_services
    from applications.models import Application, Membership, Organisation, Round, Status
    from funds import services as fund_services
    from funds.models import BudgetLine

    password_hash = make_password(PASSWORD)  # one hash for everyone: hashing 200 times would take minutes
    now = timezone.now()
    open_round = open_scale_round(now)
    areas = list(open_round.areas.order_by("name"))
    questions = list(open_round.questions.values_list("pk", flat=True))
    setup_user = User.objects.create(
        email=f"load-{tag}-setup@load.pcc-grants.example", is_staff=True, is_superuser=True
    )
    applicants = []
    for n in range(args.applicants):
        user = User.objects.create(
            email=f"load-{tag}-{n}@load.pcc-grants.example",
            full_name=f"Load Applicant {n}",
            password=password_hash,
            last_login=now,  # a confirmed account (awaiting_verification is "inactive and never signed in")
        )
        area = areas[n % len(areas)]
        org = Organisation.objects.create(
            name=f"Load test group {tag}-{n}", type="constituted_group", address="1 Load Street", area=area
        )
        Membership.objects.create(organisation=org, user=user, role=Membership.Role.OWNER)
        application = app_services.start_application(round_=open_round, organisation=org, by=user)
        applicants.append(
            {
                "n": n,
                "email": user.email,
                "application": application.pk,
                "area": area.pk,
                "questions": questions,
                "minimum": int(open_round.minimum_grant),
            }
        )
    officers = []
    for n in range(args.grants_officers):
        user, secret = _staff(
            f"load-{tag}-grants{n}@load.pcc-grants.example", roles.GRANTS_OFFICER, password_hash
        )
        officers.append({"email": user.email, "secret": secret})
    finance = []
    for n in range(args.finance_officers):
        user, secret = _staff(
            f"load-{tag}-finance{n}@load.pcc-grants.example", roles.FINANCE_OFFICER, password_hash
        )
        finance.append({"email": user.email, "secret": secret, "awards": []})

    # Exports: each officer exports one round's applications (a list they would work from), of different sizes.
    rounds = list(
        Application.objects.filter(round__slug__startswith="scale-")
        .exclude(status=Status.DRAFT)
        .values_list("round_id", flat=True)
        .distinct()
    )
    rng = random.Random(14)
    for officer in officers:
        officer["export_filter"] = {"round": str(rng.choice(rounds))}
    listed = Application.objects.exclude(status=Status.DRAFT)
    listed_count = listed.count()
    sample_ids = list(listed.order_by("?").values_list("pk", flat=True)[:300])

    # Awards waiting for finance on one line with room for only `headroom` of them: the rest must be refused.
    closed = Round.objects.filter(
        slug__startswith="scale-", budget=open_round.budget, closes_at__lte=now
    ).first()
    line = fund_services.save_line(
        line=BudgetLine(
            budget=open_round.budget,
            kind=BudgetLine.Kind.RESERVE,
            name=f"Load test line {tag}",
            amount=AWARD_AMOUNT * args.headroom,
        ),
        by=setup_user,
    )
    fund_services.add_to_pot(
        budget_id=open_round.budget_id,
        amount=AWARD_AMOUNT * args.headroom,
        note=f"Load test {tag}",
        by=setup_user,
    )
    award_ids = awards_waiting_for_finance(
        closed, areas, line, args.approvals if finance else 0, tag=tag, by=setup_user, now=now
    )
    for n, award_id in enumerate(award_ids):
        finance[n % len(finance)]["awards"].append(award_id)
    return {
        "password": PASSWORD,
        "applicants": applicants,
        "grants_officers": officers,
        "finance_officers": finance,
        "counts": {"grants_officers": len(officers), "finance_officers": len(finance)},
        "staff_pages": max(2, math.ceil(listed_count / 25)),
        "staff_application_ids": sample_ids,
        "line": line.pk,
        "award_ids": award_ids,
        "headroom": args.headroom,
    }


# --- Servers -------------------------------------------------------------------------------------------------------


def start_servers(env: dict, logs: Path, port: int) -> tuple[subprocess.Popen, subprocess.Popen]:
    bin_dir = Path(sys.executable).parent
    web = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "pcc_grants.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            *GUNICORN_ARGS,
        ],
        cwd=ROOT,
        env=env,
        stdout=open(logs / "access.log", "w"),  # noqa: SIM115 (--access-logfile -: the access log is stdout; open while it runs)
        stderr=open(logs / "gunicorn.log", "w"),  # noqa: SIM115
    )
    worker = subprocess.Popen(
        [str(bin_dir / "celery"), *CELERY_ARGS, "--hostname", f"load-crowd-{port}@%h"],
        cwd=ROOT,
        env=env,
        stdout=open(logs / "celery.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    return web, worker


def drain_worker(redis_url: str, seconds: int = 180) -> bool:
    """Wait for the worker to finish what the run queued (exports, emails). True if the queue emptied."""
    import redis

    broker = redis.Redis.from_url(redis_url)
    for _ in range(seconds * 2):
        if broker.llen("celery") == 0 and broker.hlen("unacked") == 0:
            return True
        time.sleep(0.5)
    return False


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()


# --- Reading the results -------------------------------------------------------------------------------------------


def _percentile(histogram: dict, count: int, q: float) -> float:
    """From locust's histogram of response times (ms, rounded as locust rounds them) to the q-th percentile."""
    if not count:
        return 0.0
    wanted, seen = math.ceil(q * count), 0
    for value, n in sorted((float(k), n) for k, n in histogram.items()):
        seen += n
        if seen >= wanted:
            return value
    return 0.0


def read_stats(json_file: Path) -> list[dict]:
    """Rows per action from locust's final JSON (--json-file). Not from the _stats.csv: locust writes that file every
    second while running and not again at the end, so it misses the last second's requests."""
    if not json_file.exists():
        raise SystemExit(f"locust wrote no {json_file}: see its output above")
    entries = json.loads(json_file.read_text())
    if not entries:
        return []
    span = max(e["last_request_timestamp"] or e["start_time"] for e in entries) - min(
        e["start_time"] for e in entries
    )
    span = max(span, 1e-9)
    rows, histogram = [], Counter()
    for e in entries:
        histogram.update({float(k): n for k, n in e["response_times"].items()})
        rows.append(
            {
                "type": e["method"],
                "name": e["name"],
                "requests": e["num_requests"],
                "failures": e["num_failures"],
                "rps": e["num_requests"] / span,
                "p50": _percentile(e["response_times"], e["num_requests"], 0.50),
                "p95": _percentile(e["response_times"], e["num_requests"], 0.95),
                "p99": _percentile(e["response_times"], e["num_requests"], 0.99),
                "max": e["max_response_time"],
            }
        )
    total = sum(e["num_requests"] for e in entries)
    rows.append(
        {
            "type": "",
            "name": "Aggregated",
            "requests": total,
            "failures": sum(e["num_failures"] for e in entries),
            "rps": total / span,
            "p50": _percentile(histogram, total, 0.50),
            "p95": _percentile(histogram, total, 0.95),
            "p99": _percentile(histogram, total, 0.99),
            "max": max(e["max_response_time"] for e in entries),
            "seconds": span,
        }
    )
    return rows


def read_timeline(timeline_json: Path, every: int = 10) -> list[dict]:
    """Requests/s, p50 and p95 in each `every`-second slice of the run, from every request's finish time and
    response time (the locustfile writes them as locust quits): a cold start reads differently from a steady state."""
    if not timeline_json.exists():
        return []
    timeline = json.loads(timeline_json.read_text())
    if not timeline:
        return []
    start, end = min(at for at, _ in timeline), max(at for at, _ in timeline)
    slices: dict[int, list[float]] = {}
    for at, took in timeline:
        slices.setdefault(int((at - start) // every), []).append(took)
    rows = []
    # Everything after the first 20 s as one more row: once users have all started and the caches have filled.
    warm = sorted(took for at, took in timeline if at - start >= 20)
    if warm and end - start > 30:
        rows.append(
            {
                "from": 20,
                "to": round(end - start),
                "requests": len(warm),
                "rps": len(warm) / (end - start - 20),
                "p50": warm[math.ceil(0.50 * len(warm)) - 1],
                "p95": warm[math.ceil(0.95 * len(warm)) - 1],
                "warm": True,
            }
        )
    for n, times in sorted(slices.items()):
        times.sort()
        seconds = min(every, end - start - n * every)  # the last slice may be shorter
        if seconds < 1:
            continue
        rows.append(
            {
                "from": n * every,
                "to": round(n * every + seconds),
                "requests": len(times),
                "rps": len(times) / seconds,
                "p50": times[math.ceil(0.50 * len(times)) - 1],
                "p95": times[math.ceil(0.95 * len(times)) - 1],
            }
        )
    return rows


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:  # "N/A" where nothing was measured
        return 0.0


def read_failures(errors_file: Path) -> list[str]:
    """Each distinct failure, from the file the locustfile writes as locust quits (the _failures.csv lags too)."""
    if not errors_file.exists():
        return []
    errors = json.loads(errors_file.read_text())
    return [f"{e['method']} {e['name']}: {e['error']} (x{e['occurrences']})" for e in errors.values()]


ACCESS = re.compile(r'"(?P<request>[A-Z]+ [^"]*)" (?P<status>\d{3}) ')


def access_statuses(log: Path) -> tuple[Counter, list[str]]:
    statuses, server_errors = Counter(), []
    for line in log.read_text(errors="replace").splitlines():
        if match := ACCESS.search(line):
            statuses[match["status"]] += 1
            if match["status"].startswith("5"):
                server_errors.append(f"{match['status']} {match['request']}")
    return statuses, server_errors


def outcomes(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def check_submissions(done: list[dict], plan: dict) -> tuple[dict, list[str]]:
    """Every submission the site accepted (302 to the confirmation) is one submitted application with its own
    reference and one "submitted" event; nothing is submitted that nobody pressed "Submit" on."""
    from applications.models import STATUS_CHANGED, Application, Status
    from audit.selectors import trail_of

    problems = []
    pressed = {o["application"] for o in done if o["kind"] == "submitting"}
    answers = {o["application"]: o["status"] for o in done if o["kind"] == "submit"}
    accepted = [pk for pk, status in answers.items() if status == 302]
    ours = [p["application"] for p in plan["applicants"]]
    submitted = {a.pk: a for a in Application.objects.filter(pk__in=ours).exclude(status=Status.DRAFT)}
    for pk in accepted:
        app = submitted.get(pk)
        if app is None or app.status != Status.SUBMITTED or not app.reference:
            problems.append(
                f"application {pk}: submission accepted, but it is {app.status if app else 'a draft'}"
            )
    for pk, app in submitted.items():
        events = trail_of(app).filter(action=STATUS_CHANGED, after__status=Status.SUBMITTED).count()
        if events != 1:
            problems.append(f"application {pk}: {events} 'submitted' events in its trail, not 1")
    for pk in set(submitted) - pressed:
        problems.append(f"application {pk} is {submitted[pk].status}, but nobody pressed Submit on it")
    references = [a.reference for a in submitted.values()]
    if len(references) != len(set(references)):
        problems.append("two applications share a reference")
    # Submitted although the person saw no confirmation: still waiting when the run stopped, or the answer lost.
    unconfirmed = sorted(set(submitted) - set(accepted))
    return {
        "pressed": len(pressed),
        "accepted": len(accepted),
        "submitted": len(submitted),
        "in_flight": sum(1 for pk in unconfirmed if pk not in answers),
        "answered_otherwise": {pk: answers[pk] for pk in unconfirmed if pk in answers},
        "refused": sum(1 for pk, status in answers.items() if status != 302 and pk not in submitted),
    }, problems


def check_awards(done: list[dict], plan: dict) -> tuple[dict, list[str]]:
    """The line is never over-committed, and awards are approved exactly while it has room: every approval finance
    sent is approved up to the line's room, and none beyond it. An approval still waiting for its answer when locust
    stopped may have been approved or refused, so it is allowed for either way."""
    from applications.models import Award
    from funds import selectors
    from funds.models import BudgetLine

    pressed = [o["award"] for o in done if o["kind"] == "approving"]
    answered = [o["award"] for o in done if o["kind"] == "approve" and o["status"] == 302]
    line = selectors.with_line_totals(BudgetLine.objects.filter(pk=plan["line"])).get()
    approved = set(
        Award.objects.filter(pk__in=plan["award_ids"])
        .exclude(status=Award.Status.AWAITING_FINANCE)
        .values_list("pk", flat=True)
    )
    totals = selectors.budget_totals(line.budget_id)
    problems = []
    if line.committed > line.amount or totals.remaining < 0:
        problems.append(f"the line is over-committed: £{line.committed:,} of £{line.amount:,}")
    if approved - set(pressed):
        problems.append(f"awards {sorted(approved - set(pressed))} are approved, but nobody approved them")
    room = plan["headroom"]
    if not min(len(answered), room) <= len(approved) <= min(len(pressed), room):
        problems.append(
            f"{len(approved)} awards approved: finance sent {len(pressed)} approvals ({len(answered)} answered) and "
            f"the line had room for {room}"
        )
    return {
        "asked": len(pressed),
        "answered": len(answered),
        "approved": len(approved),
        "refused": len(set(answered) - approved),
        "line_amount": line.amount,
        "line_committed": line.committed,
    }, problems


def check_exports(done: list[dict]) -> tuple[dict, list[str]]:
    """Every export asked for is built: ready once the worker has drained its queue after the run, whether or not its
    officer was still polling when locust stopped."""
    from exports.models import ExportJob

    requested = [o["job"] for o in done if o["kind"] == "export requested"]
    seen_ready = [o for o in done if o["kind"] == "export"]
    statuses = dict(ExportJob.objects.filter(pk__in=requested).values_list("pk", "status"))
    problems = [
        f"export {pk} is {statuses.get(pk, 'missing')} after the run"
        for pk in requested
        if statuses.get(pk) != "ready"
    ]
    return {
        "asked": len(requested),
        "statuses": dict(Counter(statuses.values())),
        "seconds": [o["seconds"] for o in seen_ready],
    }, problems


# --- Report --------------------------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:,.0f} ms"


def met_errors(result: dict, total: dict) -> bool:
    return total["failures"] == 0 and not result["server_errors"]


def section(result: dict) -> str:
    scenario, m = result["scenario"], result["machine"]
    stats = result["stats"]
    total = next((r for r in stats if r["name"] == "Aggregated"), None)
    lines = [
        f"<!-- {scenario}:start -->",
        f"## {TITLES[scenario]}",
        "",
        f"Run {result['started']} UTC: {result['users']} locust users (spawn {result['spawn_rate']}/s) for "
        f"{result['time']} against gunicorn {' '.join(GUNICORN_ARGS[:6])} (docs/deployment.md's command, bound to a "
        f"free port) with DJANGO_TRUSTED_PROXY_COUNT=1"
        + (
            ", connections kept alive by the client"
            if result.get("keep_alive")
            else ", one connection per request as from the documented nginx"
        )
        + f", and one Celery worker (`{' '.join(CELERY_ARGS[2:])}`), on "
        f"{result['database']} (a fresh copy of {result['source']}, {result['db_size']}) and Redis.",
        "",
        (
            "**Busy machine:** other work shared the cores (a 1-minute load average above 1 before the run). "
            if m["load_before"][0] > 1
            else "Nothing else was running. "
        )
        + f"Load average before: {', '.join(f'{x:.2f}' for x in m['load_before'])}; after: "
        f"{', '.join(f'{x:.2f}' for x in m['load_after'])}. Locust itself ran on the same {m['cores']} cores, so "
        "the server had less than the whole machine.",
        "",
    ]
    if total:
        lines.append(
            f"- Throughput: **{total['rps']:.1f} requests/s**; {total['requests']:,} requests, p50 {_ms(total['p50'])}, "
            f"p95 {_ms(total['p95'])}, p99 {_ms(total['p99'])}; failures (locust): {total['failures']}"
        )
    statuses = result["statuses"]
    lines.append(
        "- gunicorn's access log: "
        + ", ".join(f"{k}: {v:,}" for k, v in sorted(statuses.items()))
        + f"; 5xx: {sum(v for k, v in statuses.items() if k.startswith('5'))}"
    )
    if scenario == "crowd" and total:
        met = (
            total["rps"] >= CROWD_TARGET["rps"]
            and total["p95"] < CROWD_TARGET["p95_ms"]
            and total["failures"] == 0
            and not result["server_errors"]
        )
        lines.append(
            f"- Target (at least {CROWD_TARGET['rps']} requests/s, p95 under {CROWD_TARGET['p95_ms']} ms, 0 errors) "
            f"over the whole run, cold start included: **{'met' if met else 'not met'}**"
        )
        warm = next((h for h in result.get("history", []) if h.get("warm")), None)
        if warm:
            warm_met = (
                warm["rps"] >= CROWD_TARGET["rps"]
                and warm["p95"] < CROWD_TARGET["p95_ms"]
                and met_errors(result, total)
            )
            lines.append(
                f"- From second 20 to the end (everyone started, caches filled): {warm['rps']:.0f} requests/s, "
                f"p50 {_ms(warm['p50'])}, p95 {_ms(warm['p95'])}: target **{'met' if warm_met else 'not met'}**"
            )
        lines.append(
            f"- Each user asks for up to {result['crowd_rate']:g} pages a second (offered load "
            f"{result['crowd_rate'] * result['users']:g} requests/s); {result['returning_share']:.0%} of users are "
            "returning visitors who revalidate what they kept (If-None-Match / If-Modified-Since; the "
            '"(revalidate)" rows, 304 expected), the rest fresh visitors.'
        )
    if "submissions" in result:
        s, a, e = result["submissions"], result["awards"], result["exports"]
        lines += [
            f"- Applications: Submit pressed {s['pressed']} times; {s['accepted']} accepted (redirected to the "
            f"confirmation), {s['refused']} not accepted and still drafts; {s['submitted']} applications submitted "
            f"in the database ({s['in_flight']} still waiting for their answer when locust stopped"
            + (
                f"; submitted although the answer was {s['answered_otherwise']}"
                if s["answered_otherwise"]
                else ""
            )
            + f"); each recorded once with its own reference: "
            f"{'yes' if not result['submission_problems'] else 'NO'}",
            f"- Awards: {a['asked']} approvals sent through the admin action ({a['answered']} answered before locust "
            f"stopped), {a['approved']} approved, "
            f"{a['refused']} refused by the line's limit; line £{a['line_amount']:,} with £{a['line_committed']:,} "
            f"committed; within budget: {'yes' if not result['award_problems'] else 'NO'}",
            f"- Exports: {e['asked']} asked for; after the run {e['statuses']}; asked-to-ready times seen by "
            "the officers polling: " + (", ".join(f"{x:g} s" for x in e["seconds"]) or "none"),
            f"- People prepared: {result['prepared']}; Celery tasks the worker ran: {result['tasks']}",
            f"- Each sign-in's password check took {result['password_seconds']:.2f} s here (one check, timed "
            "before the run; Django's PBKDF2 hasher, CPU-bound): with users starting at 10 a second, the first seconds are "
            "mostly password checks.",
        ]
    lines += ["", "| action | requests | req/s | p50 | p95 | failures |", "|---|---:|---:|---:|---:|---:|"]
    for r in sorted((r for r in stats if r["name"] != "Aggregated"), key=lambda r: -r["requests"]):
        label = r["name"] if r["type"] in ("GET", "POST") else f"{r['name']} ({r['type']})"
        lines.append(
            f"| {label} | {r['requests']:,} | {r['rps']:.1f} | {_ms(r['p50'])} | {_ms(r['p95'])} | {r['failures']} |"
        )
    if total:
        lines.append(
            f"| **all** | {total['requests']:,} | {total['rps']:.1f} | {_ms(total['p50'])} | {_ms(total['p95'])} "
            f"| {total['failures']} |"
        )
    if result.get("history"):
        lines += [
            "",
            "Over the run, 10 s at a time (requests by the time they finished; users start at 10 a second):",
            "",
            "| seconds | requests | req/s | p50 | p95 |",
            "|---|---:|---:|---:|---:|",
            *[
                f"| {h['from']}–{h['to']} | {h['requests']:,} | {h['rps']:.0f} | {_ms(h['p50'])} | {_ms(h['p95'])} |"
                for h in sorted(result["history"], key=lambda h: (h.get("warm", False), h["from"]))
            ],
        ]
    problems = (
        result["failures"]
        + result["server_errors"][:20]
        + result.get("submission_problems", [])
        + result.get("award_problems", [])
        + result.get("export_problems", [])
    )
    if problems:
        lines += ["", "Problems:", *[f"- {p}" for p in problems[:40]]]
    lines += ["", f"<!-- {scenario}:end -->", ""]
    return "\n".join(lines)


def write_result(result: dict, path: Path) -> None:
    m = result["machine"]
    head = (
        "# Load runs at 100,000 applications (issue 14)\n\n"
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, Python {m['python']}, "
        f"PostgreSQL {result['postgres']}, locust {result['locust']} on the same machine. Commit {result['commit']}"
        f"{' with uncommitted changes in the working tree' if result['dirty'] else ''}. "
        "How to run: `./scripts/benchmark --crowd`, `./scripts/benchmark --load-100k` (benchmarks/load_crowd.py).\n\n"
        "Sessions are real: applicants sign in with email and password, staff with a password and a code from their "
        "authenticator app (computed from the device secret prepared in the database). The site runs without "
        "DJANGO_ENV=production because the run is plain HTTP on 127.0.0.1 (secure cookies would never be sent "
        "back); DATABASE_CONN_MAX_AGE=60 as in production.\n\n"
    )
    text = path.read_text() if path.exists() else head
    if "<!-- " in text:  # the header describes the latest run; the other scenario's section is kept
        text = head + text[text.index("<!-- ") :]
    start, end = f"<!-- {result['scenario']}:start -->", f"<!-- {result['scenario']}:end -->"
    new = section(result)
    if start in text and end in text:
        text = text[: text.index(start)] + new.rstrip("\n") + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + new
    path.write_text(text)


# --- The run -------------------------------------------------------------------------------------------------------


def run(scenario: str, args) -> tuple[dict, bool]:
    base_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/pcc_grants"
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    target = args.database or copy_name(args.source, base_url)
    print(f"[{scenario}] copying {args.source} to {target}", file=sys.stderr)
    db_url = copy_database(args.source, target, base_url)
    tag = datetime.datetime.now().strftime("%H%M%S")
    private = tempfile.mkdtemp(prefix="pcc-load-private-")
    logs = Path(tempfile.mkdtemp(prefix=f"pcc-load-{scenario}-"))
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_TRUSTED_PROXY_COUNT": "1",
        "DATABASE_CONN_MAX_AGE": "60",
        "DJANGO_DEBUG": "false",
        "PRIVATE_STORAGE_ROOT": private,
        # A prefix of this run's own: nothing cached by an earlier run (or another copy) is served.
        "CACHE_KEY_PREFIX": f"pcc-load-{scenario}-{tag}",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ENV", None)  # plain HTTP on 127.0.0.1: production's secure cookies would never come back
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    setup_django(env)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database())), current_setting('server_version')"
        )
        db_size, pg_version = cursor.fetchone()
    plan = prepare_people(args, tag) if scenario == "load-100k" else {}
    password_seconds = password_check_seconds()
    connection.close()  # the copy is dropped at the end; an idle connection would only be in the way
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web, worker = start_servers(env, logs, port)
    info = machine()
    try:
        wait_until_up(base, logs)
        plan["public"] = public_plan(base)
        plan_file, outcomes_file = logs / "plan.json", logs / "outcomes.jsonl"
        plan_file.write_text(json.dumps(plan, default=str))
        prefix = logs / scenario
        info["load_before"] = os.getloadavg()
        started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")
        print(
            f"[{scenario}] locust -u {args.users} -r {args.spawn_rate} -t {args.time} against {base}",
            file=sys.stderr,
        )
        subprocess.run(
            [
                str(Path(sys.executable).parent / "locust"),
                "-f",
                str(ROOT / "benchmarks" / "locustfile.py"),
                "--host",
                base,
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(args.spawn_rate),
                "-t",
                args.time,
                "--csv",
                str(prefix),
                "--json-file",  # locust adds ".json"
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "LOAD_SCENARIO": scenario,
                "LOAD_PLAN": str(plan_file),
                "LOAD_OUTCOMES": str(outcomes_file),
                "CROWD_RATE": str(args.crowd_rate),
                "RETURNING_SHARE": str(args.returning_share),
                "KEEP_ALIVE": "1" if args.keep_alive else "0",
            },
            check=False,
        )
        info["load_after"] = os.getloadavg()
        drained = drain_worker(redis_url)
    finally:
        stop(web, worker)
    statuses, server_errors = access_statuses(logs / "access.log")
    result = {
        "scenario": scenario,
        "started": started,
        "machine": info,
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "time": args.time,
        "database": target,
        "source": args.source,
        "db_size": db_size,
        "postgres": pg_version,
        "password_seconds": password_seconds,
        "crowd_rate": args.crowd_rate,
        "returning_share": args.returning_share,
        "keep_alive": args.keep_alive,
        "stats": read_stats(Path(f"{prefix}.json")),
        "failures": read_failures(Path(f"{outcomes_file}.errors.json")),
        "history": read_timeline(Path(f"{outcomes_file}.timeline.json")),
        "statuses": statuses,
        "server_errors": server_errors,
        "tasks": (logs / "celery.log").read_text(errors="replace").count(" succeeded in "),
        "locust": subprocess.run(
            [str(Path(sys.executable).parent / "locust"), "--version"], capture_output=True, text=True
        ).stdout.split()[1],
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "dirty": bool(
            subprocess.run(
                ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip()
        ),
    }
    if not drained:
        result["failures"].append("the Celery queue had not emptied 3 minutes after the run")
    ok = not result["failures"] and not server_errors
    if scenario == "load-100k":
        done = outcomes(outcomes_file)
        connection.connect()
        result["submissions"], result["submission_problems"] = check_submissions(done, plan)
        result["awards"], result["award_problems"] = check_awards(done, plan)
        result["exports"], result["export_problems"] = check_exports(done)
        result["prepared"] = (
            f"{len(plan['applicants'])} applicants, {len(plan['grants_officers'])} grants officers, "
            f"{len(plan['finance_officers'])} finance officers, {len(plan['award_ids'])} awards waiting "
            f"(room for {plan['headroom']})"
        )
        connection.close()
        ok = ok and not (
            result["submission_problems"] or result["award_problems"] or result["export_problems"]
        )
    print(f"[{scenario}] logs and locust CSVs: {logs}", file=sys.stderr)
    if not args.keep_database:
        drop_database(target, base_url)
        shutil.rmtree(private, ignore_errors=True)  # uploads and exports of the copy
    return result, ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", choices=(*SCENARIOS, "both"), default="both")
    parser.add_argument(
        "--source", default="pcc_grants_bench_100k", help="The scale database to copy (only read)"
    )
    parser.add_argument(
        "--database", default="", help="Name of the copy (default: DATABASE_URL's name + size)"
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--time", default="60s")
    parser.add_argument(
        "--crowd-rate", type=float, default=4.0, help="(A) pages a second each user asks for at most"
    )
    parser.add_argument("--returning-share", type=float, default=0.3, help="(A) share of returning visitors")
    parser.add_argument(
        "--applicants", type=int, default=200, help="(B) applicants prepared, each signs in once"
    )
    parser.add_argument("--grants-officers", type=int, default=5)
    parser.add_argument("--finance-officers", type=int, default=3)
    parser.add_argument("--approvals", type=int, default=60, help="(B) awards waiting for finance")
    parser.add_argument("--headroom", type=int, default=20, help="(B) how many of them the line has room for")
    parser.add_argument(
        "--output", default="", help="Result file (default docs/benchmark-results/<date>-load-100k.md)"
    )
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="Reuse connections to gunicorn (default: one per request, as the documented nginx does)",
    )
    parser.add_argument("--keep-database", action="store_true", help="Keep the copy afterwards")
    args = parser.parse_args(argv)

    output = (
        Path(args.output)
        if args.output
        else RESULTS_DIR / f"{datetime.date.today().isoformat()}-load-100k.md"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    if args.scenario == "both":
        # One process per scenario: Django is set up once per process, on that scenario's copy.
        argv = list(sys.argv[1:] if argv is None else argv)
        codes = [
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.load_crowd",
                    *argv,
                    "--scenario",
                    scenario,
                    "--output",
                    str(output),
                ],
                cwd=ROOT,
            ).returncode
            for scenario in SCENARIOS
        ]
        return max(codes)
    result, ok = run(args.scenario, args)
    write_result(result, output)
    print(section(result))
    print(f"Wrote {output}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
