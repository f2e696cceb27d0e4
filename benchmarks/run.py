"""Benchmarks at several sizes: list pages, dashboards, the applications Excel export, the budget tables workbook
and a reminder run, each on its own PostgreSQL database of scale data.

    ./scripts/benchmark                               # 1,000, 10,000 and 100,000 applications
    .venv/bin/python -m benchmarks.run --sizes 1000   # one size
    .venv/bin/python -m benchmarks.run --sizes 1000,10000 --update-docs

For each size N it uses the database pcc_grants_bench_<N as 1k/10k/100k> on the server in DATABASE_URL (never the
database DATABASE_URL names itself), creates and migrates it if needed, and generates scale data once
(N applications, N/10 organisations, N/2 monitoring returns); later runs reuse it (--rebuild starts again).
Every measurement runs in a fresh child process, so one does not warm or bloat the next; the export's memory is the
child's peak resident set (ru_maxrss) at the end minus the same reading just before the export started.
Results go to docs/benchmark-results/<date>.md and, with --update-docs, into the marked section of
docs/benchmarks.md.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "docs" / "benchmark-results"
DOCS = ROOT / "docs" / "benchmarks.md"
START_MARK, END_MARK = "<!-- benchmark-results:start -->", "<!-- benchmark-results:end -->"
STAFF_EMAIL = "finance@demo.pcc-grants.example"  # the demo's finance superuser
TARGET_QUERIES, TARGET_P50_MS = 15, 100
# A page's p50 at 100k within this much of its p50 at 10k. Below the floor a ratio is noise (2 ms to 4 ms is "2x").
GROWTH_TARGET, GROWTH_FLOOR_MS = 1.5, 20


# --- The parent: databases, child processes, the report
# ---------------------------------------------------------


def label(size: int) -> str:
    return f"{size // 1000}k" if size >= 1000 and size % 1000 == 0 else str(size)


def database_url_for(size: int, base: str | None = None) -> str:
    base = base or os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(base)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit(
            "Benchmarks run on PostgreSQL: set DATABASE_URL to a postgres:// URL (its server is used)"
        )
    return urlunsplit(parts._replace(path=f"/pcc_grants_bench_{label(size)}"))


def _admin_connect(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def ensure_database(url: str, rebuild: bool) -> None:
    name = urlsplit(url).path.lstrip("/")
    assert name.startswith("pcc_grants_bench_"), name  # never touch anyone else's database
    with _admin_connect(url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and rebuild:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def child(mode: str, url: str, *args: str, env: dict | None = None, timeout: int = 3600) -> dict:
    """Run one measurement in a fresh interpreter; it prints one JSON line last."""
    full_env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "pcc_grants.settings",
        **(env or {}),
    }
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--child", mode, *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"benchmark step {mode} failed on {url}")
    for line in reversed(result.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise SystemExit(f"benchmark step {mode} printed no result")


def manage(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if "migrate" in args else None,
    )


def prepare(size: int, url: str, rebuild: bool, log) -> dict:
    ensure_database(url, rebuild)
    manage(url, "migrate", "-v0")
    state = child("state", url)
    if state["scale_batches"]:
        log(f"  reusing {state['applications']:,} applications in {urlsplit(url).path[1:]}")
        return {"generated": False, **state}
    started = time.perf_counter()
    manage(
        url,
        "generate_scale_data",
        "--applications",
        str(size),
        "--organisations",
        str(max(1, size // 10)),
        "--returns",
        str(size // 2),
        "--seed",
        "1",
    )
    took = time.perf_counter() - started
    return {"generated": True, "generate_seconds": took, **child("state", url)}


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kib = int(
        next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kib / 1024 / 1024),
        "python": platform.python_version(),
        "load_before": os.getloadavg(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="Applications per database, comma separated"
    )
    parser.add_argument(
        "--requests", type=int, default=20, help="Timed requests per page, after 3 to warm up"
    )
    parser.add_argument("--only", default="", help="Measure only the pages whose name contains this")
    parser.add_argument("--rebuild", action="store_true", help="Drop and regenerate each size's database")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--skip-reminders", action="store_true")
    parser.add_argument(
        "--reminder-returns",
        type=int,
        default=10_000,
        help="Open returns in play for the reminder run (topped up with temporary ones)",
    )
    parser.add_argument(
        "--reminder-modes",
        default="sequential,worker-2,worker-4",
        help="Reminder runs: sequential (in-process) and worker-N (a prefork Celery worker, concurrency N, on Redis)",
    )
    parser.add_argument("--output", help="Results file (default docs/benchmark-results/<date>.md)")
    parser.add_argument("--json", help="Also write the raw results here")
    parser.add_argument(
        "--update-docs", action="store_true", help="Put the results in docs/benchmarks.md too"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("child_args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_child(args.child, args.child_args), default=str))
        return 0

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    results = {
        "machine": machine(),
        "started": datetime.datetime.now().isoformat(timespec="minutes"),
        "sizes": {},
    }
    for size in sizes:
        url = database_url_for(size)
        log(f"{size:,} applications: {urlsplit(url).path[1:]}")
        entry = {"data": prepare(size, url, args.rebuild, log)}
        log("  pages")
        entry["pages"] = child("pages", url, str(args.requests), args.only)
        if not args.skip_export:
            log("  export (real path, then bare openpyxl loop)")
            with tempfile.TemporaryDirectory() as private:
                storage = {"PRIVATE_STORAGE_ROOT": private}
                entry["export"] = {
                    mode: child(f"export-{mode}", url, env=storage) for mode in ("real", "bare")
                }
        if not args.skip_reminders and size == max(sizes):
            # One run over the same number of open returns whatever the size: measured once, on the largest
            # data.
            log(f"  reminders ({args.reminder_modes})")
            entry["reminders"] = child(
                "reminders",
                url,
                str(args.reminder_returns),
                args.reminder_modes,
                env={"REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"},
            )
        results["sizes"][size] = entry
    results["machine"]["load_after"] = os.getloadavg()
    results["machine"].update(child("versions", database_url_for(sizes[0])))
    markdown = report(results, args.requests)
    print(markdown)
    output = Path(args.output) if args.output else RESULTS_DIR / f"{datetime.date.today().isoformat()}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(markdown)
    log(f"written to {output}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    if args.update_docs:
        update_docs(markdown)
    return 0


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def report(results: dict, requests: int) -> str:
    m = results["machine"]
    lines = [
        f"## Results of {results['started']}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; {m.get('postgresql', '?')}; "
        f"Redis {m.get('redis', 'not used')}; Python {m['python']}; Django {m.get('django', '?')}.",
        f"Load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in m['load_before'])}; after: "
        f"{', '.join(f'{x:.2f}' for x in m['load_after'])}. Anything above about 0.5 means other work shared the "
        "cores, and timings are noisier than on a quiet machine.",
        "",
        f"### Pages (server time in-process through Django's test client, {requests} requests after 3 to warm up)",
        "",
        f"Every page of benchmarks/pages.py, as the person who opens it. Targets: p50 under {TARGET_P50_MS} ms at "
        f"every size, and at most {GROWTH_TARGET}x its p50 at the size before (10k to 100k). A page over either "
        "is marked, with the reason where benchmarks/pages.py names it as an exception.",
    ]
    lines += pages_report(results["sizes"])
    lines += [
        "",
        "### Data",
        "",
        "| applications | organisations | awards | returns | biggest organisation | generated in |",
        "|---|---|---|---|---|---|",
    ]
    for entry in results["sizes"].values():
        d = entry["data"]
        made = f"{d['generate_seconds']:.0f} s" if d.get("generated") else "reused"
        lines.append(
            f"| {d['applications']:,} | {d['organisations']:,} | {d['awards']:,} | {d['returns']:,} | "
            f"{d['biggest_organisation']} applications | {made} |"
        )
    lines += [
        "",
        "### Budget tables workbook (annual report, Tables 4 and 6 of the busiest year)",
        "",
        "| applications | year | lines | commitments | build (median of 5) | queries |",
        "|---|---|---|---|---|---|",
    ]
    for size, entry in results["sizes"].items():
        b = entry["pages"]["budget_tables"]
        lines.append(
            f"| {int(size):,} | {b['year']} | {b['lines']:,} | {b['commitments']:,} | {_ms(b['median'])} | "
            f"{b['queries']} |"
        )
    exports = {s: e["export"] for s, e in results["sizes"].items() if "export" in e}
    if exports:
        lines += [
            "",
            "### Applications Excel export (the staff list's Export button: the Celery task's build, "
            "saved to private storage) against a bare openpyxl write-only loop over the same query",
            "",
            "Memory is the peak resident set of a fresh process during the build, minus the same reading "
            "just before it (ru_maxrss, which also counts lxml's and the zip writer's C allocations that "
            "tracemalloc cannot see).",
            "",
            "| applications | rows | file | real path | bare loop | ratio (target 1.5 or less) | "
            "real peak memory | bare peak memory |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for size, e in exports.items():
            real, bare = e["real"], e["bare"]
            lines.append(
                f"| {int(size):,} | {real['rows']:,} | {real['bytes'] / 1e6:.1f} MB | {real['seconds']:.2f} s | "
                f"{bare['seconds']:.2f} s | {real['seconds'] / bare['seconds']:.2f} | "
                f"+{real['peak_mib']:.0f} MiB | +{bare['peak_mib']:.0f} MiB |"
            )
    rem = {s: e["reminders"] for s, e in results["sizes"].items() if "reminders" in e}
    if rem:
        lines += reminder_report(rem)
    return "\n".join(lines) + "\n"


def pages_report(sizes: dict) -> list[str]:
    from benchmarks.pages import EXCEPTIONS

    lines, before, previous_size = [], {}, None
    for size, entry in sizes.items():
        previous = before
        before = {p["name"]: p for p in entry["pages"]["pages"] if "p50" in p}
        growth_heading = f" | growth from {label(int(previous_size))}" if previous else ""
        lines += [
            "",
            f"#### {int(size):,} applications",
            "",
            f"| page | opened by | p50 | p95 | queries{growth_heading} | |",
            "|---|---|---|---|---|" + ("---|" if previous else "") + "---|",
        ]
        for page in entry["pages"]["pages"]:
            who = page["who"].split("@")[0]
            if "skipped" in page:
                lines.append(
                    f"| {page['name']} | {who} | - | - | -{' | -' if previous else ''} | {page['skipped']} |"
                )
                continue
            growth, flags = "", []
            if page["p50"] * 1000 > TARGET_P50_MS:
                flags.append(f"over {TARGET_P50_MS} ms")
            if previous:
                was = previous.get(page["name"])
                if was:
                    ratio = page["p50"] / was["p50"]
                    growth = f" | {ratio:.2f}x"
                    # The target is from 10k up: from 1k a page shows its fixed costs, and any data at all is "growth".
                    flag = int(previous_size) >= 10_000 and page["p50"] * 1000 > GROWTH_FLOOR_MS
                    if ratio > GROWTH_TARGET and flag:
                        flags.append(f"grew {ratio:.1f}x")
                else:
                    growth = " | -"
            why = EXCEPTIONS.get(page["name"], "")
            mark = ("exception: " + why if why else "**" + ", ".join(flags) + "**") if flags else ""
            lines.append(
                f"| {page['name']} | {who} | {_ms(page['p50'])} | {_ms(page['p95'])} | {page['queries']}{growth} "
                f"| {mark} |"
            )
        previous_size = size
    return lines


def reminder_mode_name(mode: str) -> str:
    if mode == "sequential":
        return "in-process, one chunk after another"
    return f"Celery worker, prefork, {mode.split('-', 1)[1]} processes"


def reminder_report(rem: dict) -> list[str]:
    lines = [
        "",
        "### Monitoring reminders (the hourly beat task: scan and claim, then send every claim, each in its own "
        "transaction; locmem mail)",
        "",
        "Target: within 60 s for 10,000 returns. Each size's own open returns are topped up to the "
        "requested number with a temporary provider's returns due yesterday, deleted after the run. "
        "worker-N is the production path: the beat task queues one Celery task per chunk of claims on Redis and a "
        "prefork worker with N processes drains them; timed from the beat task's start until no claim is pending.",
        "",
        "| applications | open returns in play (added for the run) | mode | claimed | emails | scan | queue | "
        "sends | total | within 60 s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, r in rem.items():
        for mode, run in r["runs"].items():
            queue = f"{run['queue']:.1f} s" if "queue" in run else "-"
            lines.append(
                f"| {int(size):,} | {r['open_in_play']:,} ({r['topped_up']:,}) | "
                f"{reminder_mode_name(mode)} | "
                f"{run['claimed']:,} | {run['emails']:,} | {run['scan']:.1f} s | {queue} | {run['sends']:.1f} s | "
                f"{run['total']:.1f} s | {'yes' if run['total'] <= 60 else 'no'} |"
            )
    for r in rem.values():
        c = r["commit"]
        emails = max((run["emails"] for run in r["runs"].values()), default=0)
        lines += [
            "",
            f"Chunks of {r['chunk_size']} claims per task. One PostgreSQL transaction from Django here "
            f"(synchronous_commit {c['synchronous_commit']}): {c['read'] * 1000:.2f} ms read-only, "
            f"{c['write'] * 1000:.2f} ms writing one row (the commit waits for the WAL flush). "
            f"{emails:,} emails, one transaction each, cost at least {emails * c['write']:.1f} s of commits "
            "one after another; parallel workers overlap them.",
        ]
    return lines


def update_docs(markdown: str, marks: tuple[str, str] = (START_MARK, END_MARK)) -> None:
    """Replace the block between `marks` in docs/benchmarks.md (or append it), leaving the prose around it alone."""
    start, end = marks
    text = DOCS.read_text()
    block = f"{start}\n{markdown}{end}"
    if start in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOCS.write_text(text)


# --- The children: one measurement each, in a fresh process
# ------------------------------------------------------


def run_child(mode: str, args: list[str]) -> dict:
    import resource

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcc_grants.settings")
    django.setup()
    if mode == "state":
        return child_state()
    if mode == "versions":
        return child_versions()
    if mode == "pages":
        return child_pages(int(args[0]) if args else 20, args[1] if len(args) > 1 else "")
    if mode in ("export-real", "export-bare"):
        return child_export(mode.split("-")[1], resource)
    if mode == "reminders":
        return child_reminders(
            int(args[0]) if args else 10_000, tuple(args[1].split(",")) if len(args) > 1 else REMINDER_MODES
        )
    raise SystemExit(f"unknown child mode {mode}")


def child_state() -> dict:
    from django.db.models import Count, Max

    from applications.models import Application, Award, Organisation
    from benchmarks.scale_data import existing_batches
    from providers.models import MonitoringReturn

    return {
        "scale_batches": existing_batches(),
        "applications": Application.objects.count(),
        "organisations": Organisation.objects.count(),
        "awards": Award.objects.count(),
        "returns": MonitoringReturn.objects.count(),
        "biggest_organisation": Organisation.objects.annotate(n=Count("applications")).aggregate(m=Max("n"))[
            "m"
        ],
    }


def child_versions() -> dict:
    import django
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    redis_version = None
    if getattr(settings, "REDIS_URL", ""):
        try:
            import redis

            redis_version = redis.Redis.from_url(settings.REDIS_URL).info("server")["redis_version"]
        except Exception:
            redis_version = None
    return {"postgresql": pg, "redis": redis_version, "django": django.get_version()}


def _two_factor_key() -> str:
    try:
        from accounts.two_factor import VERIFIED_SESSION_KEY
    except ImportError:
        return "two_factor_verified"
    return VERIFIED_SESSION_KEY


def signed_in_client(user, *, staff: bool):
    """A test client with a session for `user`; staff sessions are marked as having passed two-factor checks."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    if staff:
        session = client.session
        session[_two_factor_key()] = True
        session["two_factor_verified"] = True
        session.save()
    return client


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure(client, url: str, requests: int, status: int | tuple = 200) -> dict:
    """`status` 0 takes 200 or 403 (an admin add form the role may not use answers 403, which is what it shows)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    expected = status if isinstance(status, tuple) else (200, 403) if status == 0 else (status,)
    # Three warm-up requests before timed ones; a single timed request (the suite's smoke run, which times nothing)
    # needs only the one that checks the page answers.
    for _ in range(3 if requests > 1 else 1):
        response = client.get(url)
        if response.status_code not in expected:
            return {"error": f"answered {response.status_code}, not {' or '.join(map(str, expected))}"}
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    captured = list(queries.captured_queries)  # read now: the context reads the connection's log lazily
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        samples.append(time.perf_counter() - started)
    return {
        "status": response.status_code,
        "p50": _percentile(samples, 0.5),
        "p95": _percentile(samples, 0.95),
        "queries": len(captured),
        "sql": [q["sql"][:300] for q in captured],
    }


def _client_for(who: str, world, clients: dict):
    from accounts.models import User
    from benchmarks import pages as registry

    if who not in clients:
        if who == registry.PUBLIC:
            from django.test import Client

            clients[who] = Client()
        elif who == registry.APPLICANT:
            clients[who] = signed_in_client(world.applicant, staff=False)
        elif who == registry.PROVIDER:
            clients[who] = signed_in_client(world.provider_member, staff=False)
        else:
            clients[who] = signed_in_client(User.objects.get(email=who), staff=True)
    return clients[who]


def measure_every_page(requests: int, only: str = "") -> list[dict]:
    """Each page of benchmarks/pages.py, as the person who opens it: p50, p95 and the queries of one request."""
    from benchmarks import pages as registry

    missing = registry.unlisted()
    if missing:
        raise SystemExit(
            "These URLs have no benchmark entry (add them to benchmarks/pages.py, or to NOT_MEASURED with the "
            "reason): " + ", ".join(missing)
        )
    world, clients, results = registry.World(), {}, []
    for page in registry.pages():
        if only and only.lower() not in page.name.lower():
            continue
        who = registry.who_opens(page, world)
        path = page.path(world)
        entry = {
            "name": page.name,
            "url_name": page.url_name,
            "who": who,
            "url": path,
            "note": page.note(world),
        }
        if path is None:
            results.append({**entry, "skipped": "no such row in this database"})
            continue
        results.append({**entry, **measure(_client_for(who, world, clients), path, requests, page.status)})
    failed = [f"{r['name']} ({r['url']}): {r['error']}" for r in results if "error" in r]
    if failed:
        raise SystemExit("Pages that did not answer as expected:\n  " + "\n  ".join(failed))
    return results


def child_pages(requests: int, only: str = "") -> dict:
    import io
    import statistics

    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from funds.models import BudgetLine, Commitment, FinancialYear
    from reports.exports.budget_tables import write_budget_tables

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    results = measure_every_page(requests, only)
    if only:
        return {"pages": results}

    busiest = (
        Commitment.objects.filter(
            line__budget__year__start_year__in=[2019, 2020, 2021, 2022, 2023, 2025, 2026]
        )
        .values("line__budget__year")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    year = (
        FinancialYear.objects.get(pk=busiest["line__budget__year"])
        if busiest
        else FinancialYear.objects.first()
    )
    with CaptureQueriesContext(connection) as queries:
        write_budget_tables(year, io.BytesIO())
    query_count = len(queries)
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        write_budget_tables(year, io.BytesIO())
        samples.append(time.perf_counter() - started)
    budget_tables = {
        "year": str(year),
        "median": statistics.median(samples),
        "queries": query_count,
        "lines": BudgetLine.objects.filter(budget__year=year).count(),
        "commitments": Commitment.objects.filter(line__budget__year=year).count(),
    }
    return {"pages": results, "budget_tables": budget_tables}


def export_rows_query():
    """The query the real export runs (no filters), for the bare loop to read the same rows."""
    from applications.selectors import staff_applications

    return (
        staff_applications()
        .order_by("reference")
        .values_list(
            "reference",
            "organisation__name",
            "round__name",
            "area__name",
            "status",
            "amount_requested",
            "recommended_amount",
            "score",
            "submitted_at",
        )
    )


def child_export(mode: str, resource) -> dict:
    import io

    from openpyxl import Workbook

    import applications.exports  # noqa: F401 - registers the builder, as the worker does at start-up
    from accounts.models import User
    from applications.exports import HEADINGS
    from exports import runner as export_runner
    from exports.models import ExportJob

    staff = User.objects.get(email=STAFF_EMAIL)
    User.objects.count()  # the connection is open before the baseline, in both modes
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if mode == "real":
        job = ExportJob.objects.create(
            kind="applications.list", params={}, title="Applications (benchmark)", requested_by=staff
        )
        job = export_runner.build(job.pk)
        if job.status != ExportJob.Status.READY:
            raise SystemExit(f"export failed: {job.error}")
        size = job.file.size
        rows = None
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Applications")
        sheet.append(HEADINGS)
        rows = 0
        for row in export_rows_query().iterator():
            submitted = row[8]
            sheet.append([*row[:8], submitted.replace(tzinfo=None) if submitted else None])
            rows += 1
        buffer = io.BytesIO()
        workbook.save(buffer)
        size = len(buffer.getvalue())
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if rows is None:
        rows = export_rows_query().count()
        job.file.delete(save=False)
        job.delete()
    return {"seconds": seconds, "peak_mib": (peak - baseline) / 1024, "rows": rows, "bytes": size}


REMINDER_MODES = ("sequential", "worker-2", "worker-4")


def child_reminders(target: int = 10_000, modes: tuple[str, ...] = REMINDER_MODES) -> dict:
    """The hourly reminder run over `target` open returns, once per mode, each from no reminders claimed:

    - sequential: in-process, the beat task's scan, then every chunk one after another through
      providers.reminders.send_batch, as a single worker process would (locmem mail);
    - worker-N: the production path. A real Celery worker subprocess (prefork, --concurrency N, locmem mail) on
      Redis; the beat task's body runs here (claim, then queue one task per chunk of claims) and the clock runs from
      its start until the database shows no pending claim.

    The scale data's own open returns are topped up to `target` open returns in play with a temporary provider whose
    returns were due yesterday, so every size measures a run over the same number of returns; everything the run
    made is deleted afterwards, so the next run has the same work to do. Also measured: what one PostgreSQL
    transaction costs here, read-only and with one row written (the commit waits for the WAL flush), since every
    reminder is its own transaction.
    """
    import datetime as dt

    from django.utils import timezone

    from accounts.models import User
    from funds.models import FinancialYear
    from providers.models import (
        MonitoringReturn,
        MonitoringTemplate,
        Provider,
        ProviderMembership,
        Reminder,
        ReportingPeriod,
        Service,
    )

    today = timezone.localdate()
    in_play = MonitoringReturn.objects.filter(
        period__starts_on__lte=today,
        period__due_on__gte=today - dt.timedelta(days=400),
        status__in=MonitoringReturn.OPEN,
    )
    before = Reminder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    returns_before = MonitoringReturn.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    top_up = max(0, target - in_play.count())
    tag = f"bench-{os.getpid()}"
    template = MonitoringTemplate.objects.create(name=f"Reminder benchmark {tag}", slug=tag)
    year = FinancialYear.objects.get(start_year=FinancialYear.containing(today))
    period = ReportingPeriod.objects.create(
        template=template,
        year=year,
        label=f"Benchmark {tag}",
        starts_on=today - dt.timedelta(days=100),
        ends_on=today - dt.timedelta(days=10),
        window_opens_on=today - dt.timedelta(days=9),
        due_on=today - dt.timedelta(days=1),
    )
    provider = Provider.objects.create(
        name=f"Reminder benchmark provider {tag}", contact_email=f"{tag}@bench.example"
    )
    person = User.objects.create_user(f"{tag}@bench.example")
    ProviderMembership.objects.create(provider=provider, user=person)
    services = Service.objects.bulk_create(
        [
            Service(
                provider=provider,
                name=f"Benchmark service {n}",
                theme="Benchmark",
                start_year=year,
                end_year=year,
                template=template,
            )
            for n in range(top_up)
        ],
        batch_size=5000,
    )
    MonitoringReturn.objects.bulk_create(
        [MonitoringReturn(service=s, period=period) for s in services], batch_size=5000
    )
    scanned_returns = in_play.count()
    runs = {}
    try:
        for mode in modes:
            if mode == "sequential":
                runs[mode] = _reminders_in_process(today)
            elif mode.startswith("worker-"):
                runs[mode] = _reminders_through_a_worker(int(mode.split("-", 1)[1]), before)
            else:
                raise SystemExit(f"unknown reminder mode {mode}")
            made = Reminder.objects.filter(pk__gt=before)
            runs[mode]["pending_left"] = made.filter(status=Reminder.Status.PENDING).count()
            runs[mode]["sent_rows"] = made.filter(status=Reminder.Status.SENT).count()
            made.delete()  # the next mode starts from nothing claimed, as this one did
        commit = _transaction_cost()
    finally:
        Reminder.objects.filter(pk__gt=before).delete()
        MonitoringReturn.objects.filter(pk__gt=returns_before).delete()
        Service.objects.filter(provider=provider).delete()
        provider.delete()
        person.delete()
        period.delete()
        template.delete()
    from providers.reminders import CHUNK_SIZE

    return {
        "returns": MonitoringReturn.objects.count(),
        "open_in_play": scanned_returns,
        "topped_up": top_up,
        "chunk_size": CHUNK_SIZE,
        "runs": runs,
        "commit": commit,
    }


def _reminders_in_process(today) -> dict:
    from django.core import mail
    from django.test.utils import override_settings

    from providers import reminders

    with override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}):
        mail.outbox = []
        started = time.perf_counter()
        claimed = reminders.claim_due_reminders(today)
        scanned = time.perf_counter()
        sent = sum(reminders.send_batch(chunk) for chunk in reminders.chunks(reminders.pending_ids()))
        finished = time.perf_counter()
        emails = len(mail.outbox)
        mail.outbox = []
    return {
        "claimed": claimed,
        "sent": sent,
        "emails": emails,
        "scan": scanned - started,
        "sends": finished - scanned,
        "total": finished - started,
    }


def _reminders_through_a_worker(concurrency: int, before: int) -> dict:
    """The beat task's body here, a real prefork worker draining its queue; timed until no claim is pending."""
    import redis

    from pcc_grants.celery import app
    from providers import reminders, tasks
    from providers.models import Reminder

    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    if app.conf.task_always_eager:
        raise SystemExit("the worker runs need REDIS_URL in the benchmark's environment")
    # A queue of our own: no other worker on this Redis takes the run's tasks, and the run takes nobody else's.
    queue = f"bench-reminders-{os.getpid()}-{concurrency}"
    app.conf.task_default_queue = queue
    name = f"{queue}@{__import__('socket').gethostname()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.worker_settings",
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "WARNING",
    }
    # Closed, read back and removed in the finally below, once the worker has stopped.
    log = tempfile.NamedTemporaryFile("w+", prefix=f"{queue}-", suffix=".log", delete=False)  # noqa: SIM115
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pcc_grants",
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "-Q",
            queue,
            "-n",
            name,
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    scan = []
    claim = reminders.claim_due_reminders

    def timed_claim(*args, **kwargs):
        started = time.perf_counter()
        try:
            return claim(*args, **kwargs)
        finally:
            scan.append(time.perf_counter() - started)

    try:
        deadline = time.monotonic() + 120
        while not any(name in reply for reply in app.control.ping(destination=[name], timeout=0.5)):
            if worker.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise SystemExit(f"the Celery worker did not start:\n{log.read()[-3000:]}")
        pending = Reminder.objects.filter(pk__gt=before, status=Reminder.Status.PENDING)
        reminders.claim_due_reminders = timed_claim
        started = time.perf_counter()
        queued = tasks.send_monitoring_reminders()  # what beat runs: claim, then queue chunks on Redis
        beat_done = time.perf_counter()
        deadline = time.monotonic() + 900
        while pending.exists():
            if worker.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise SystemExit(f"the worker stopped or took too long:\n{log.read()[-3000:]}")
            time.sleep(0.05)
        finished = time.perf_counter()
    finally:
        reminders.claim_due_reminders = claim
        worker.terminate()  # warm shutdown: the queue is empty by now
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        connection = redis.Redis.from_url(redis_url)
        connection.delete(queue, f"_kombu.binding.{queue}")
        connection.close()
        log.close()
        errors = Path(log.name).read_text()
        Path(log.name).unlink()
    sent = Reminder.objects.filter(pk__gt=before, status=Reminder.Status.SENT).count()
    return {
        "claimed": queued,
        "sent": sent,
        "emails": sent,  # the worker's outbox is in its own processes; each sent row is one email handed over
        "scan": scan[0],
        "queue": beat_done - started - scan[0],
        "sends": finished - beat_done,
        "total": finished - started,
        "worker_errors": errors.count("Traceback"),
    }


def _transaction_cost(rounds: int = 2000) -> dict:
    """Seconds per transaction from Django: BEGIN, one statement, COMMIT; read-only, then writing one row."""
    from django.db import connection, transaction

    probe = f"bench_commit_probe_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {probe} (id int PRIMARY KEY, n int NOT NULL)")
        cursor.execute(f"INSERT INTO {probe} VALUES (1, 0)")
        cursor.execute("SHOW synchronous_commit")
        synchronous_commit = cursor.fetchone()[0]
    result = {"synchronous_commit": synchronous_commit}
    try:
        for name, sql in (("read", "SELECT 1"), ("write", f"UPDATE {probe} SET n = n + 1 WHERE id = 1")):
            started = time.perf_counter()
            for _ in range(rounds):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql)
            result[name] = (time.perf_counter() - started) / rounds
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {probe}")
    return result


if __name__ == "__main__":
    sys.exit(main())
