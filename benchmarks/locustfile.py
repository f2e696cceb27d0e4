"""Locust scenarios for issue 14, run by benchmarks/load_crowd.py (`./scripts/benchmark --crowd`, `--load-100k`).

    LOAD_SCENARIO=crowd LOAD_PLAN=plan.json locust -f benchmarks/locustfile.py --host http://127.0.0.1:8000 \\
        --headless -u 50 -r 10 -t 60s --csv results/crowd

LOAD_SCENARIO picks the user classes (the others are made abstract, so locust ignores them):
- crowd:     CrowdVisitor only: the public grants pages, their filters, a year's CSV/XLSX, the API at 200 a page, the
             decision register, each simulated person asking for up to CROWD_RATE (default 4) pages a second.
- load-100k: Applicant, GrantsOfficer, FinanceOfficer and PublicReader together, everyone signing in for real.

LOAD_PLAN is the JSON file the runner writes after preparing the database: the people (emails, the password, each
member of staff's authenticator secret), their applications and awards, and what the public filters choose from.
LOAD_OUTCOMES, if set, is a file each submission, approval and export is appended to (one JSON line each), which the
runner checks against the database afterwards.

Every request is named by its action (benchmarks/load_routes.ACTIONS), which is what the result tables list. Each
simulated person sends an X-Forwarded-For address of its own, as a proxy in front of gunicorn would
(DJANGO_TRUSTED_PROXY_COUNT=1), so sign-in throttling and rate limits see 50 people, not one address.
"""

import itertools
import json
import os
import random
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, HttpUser, User, between, constant_throughput, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.load_routes import (
    STAFF_SORTS,
    forwarded_for,
    path,
    totp,
)

SCENARIO = os.environ.get("LOAD_SCENARIO", "crowd")
PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text()) if os.environ.get("LOAD_PLAN") else {}
OUTCOMES = os.environ.get("LOAD_OUTCOMES", "")
CROWD_RATE = float(os.environ.get("CROWD_RATE", "4"))
# Share of public visitors who came before and revalidate what they kept (If-None-Match, If-Modified-Since); the
# rest are fresh visitors with an empty cache.
RETURNING_SHARE = float(os.environ.get("RETURNING_SHARE", "0.3"))
REVALIDATE = " (revalidate)"
# docs/deployment.md puts nginx in front of gunicorn, and nginx opens a new connection to its upstream for every
# request (no upstream keepalive is configured there). KEEP_ALIVE=1 keeps client connections open instead, which
# against gunicorn's 2 s keep-alive races with its closing idle connections (a request sent as the server hangs up).
KEEP_ALIVE = os.environ.get("KEEP_ALIVE", "0") == "1"
CONNECTION = {} if KEEP_ALIVE else {"Connection": "close"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
EXPORT_POLL_SECONDS = 2  # as static/js/export-status.js does
EXPORT_GIVE_UP_SECONDS = 300

_people = itertools.count(1)  # each simulated person's own forwarded address


def record(**outcome) -> None:
    if OUTCOMES:
        with open(OUTCOMES, "a") as f:
            f.write(json.dumps({"at": time.time(), **outcome}) + "\n")


def csrf_token(response) -> str:
    match = CSRF.search(response.text or "")
    return match.group(1) if match else ""


class Visitor(User):
    """What every simulated person shares: requests named by action, expected statuses checked, own address. The
    client comes from HttpUser or FastHttpUser, mixed in by each concrete class."""

    abstract = True

    def on_start(self):
        self.address = forwarded_for(next(_people))

    def call(
        self, method, action, *, fmt=None, query=None, url=None, expect=(200,), headers=None, name=None, **kw
    ):
        url = url or path(action, **(fmt or {}))
        if query:
            url += "?" + urlencode(query)
        with self.client.request(
            method,
            url,
            name=name or action,
            headers={"X-Forwarded-For": self.address, **CONNECTION, **(headers or {})},
            allow_redirects=False,
            catch_response=True,
            **kw,
        ) as response:
            if response.status_code == 0:  # no answer: say why (the connection's error), not only "0"
                response.failure(f"no response: {response.error!r}")
            elif response.status_code not in expect:
                response.failure(f"{response.status_code}, expected {'/'.join(map(str, expect))}")
            else:
                response.success()
        return response

    def follow(self, response, action, *, expect=(200,)):
        """Open where a redirect points, checking it points at `action`'s page."""
        location = response.headers.get("Location", "")
        if urlsplit(location).path != path(action):
            # Counted as a failure of the step that should have got there, then opened anyway.
            events.request.fire(
                request_type="GET",
                name=action,
                response_time=0,
                response_length=0,
                exception=AssertionError(f"redirected to {location!r}, expected {path(action)}"),
                context={},
            )
            if not location:
                return response
        return self.call("GET", action, url=location, expect=expect)


# --- The public ----------------------------------------------------------------------------------------------------


class PublicPages(Visitor):
    """The public grants pages, filters, downloads, API and decisions. A returning visitor revalidates what it has
    kept (its copy's max-age having run out); a fresh one asks for everything whole."""

    abstract = True

    def on_start(self):
        super().on_start()
        public = PLAN["public"]
        self.years, self.areas, self.streams = public["years"], public["areas"], public["streams"]
        self.grant_pages, self.api_pages = public["grant_pages"], public["api_pages"]
        self.returning = random.random() < RETURNING_SHARE
        self.kept = {}  # url -> (ETag, Last-Modified) of the last 200
        self.api_page = random.randint(1, self.api_pages)  # a harvester walks the pages in order

    def public(self, action, query=None):
        url = path(action) + ("?" + urlencode(query) if query else "")
        headers, name = {}, action
        if self.returning and url in self.kept:
            etag, modified = self.kept[url]
            headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", modified)) if v}
            name = action + REVALIDATE
        response = self.call("GET", action, url=url, headers=headers, name=name, expect=(200, 304))
        if response.status_code == 200 and self.returning:
            self.kept[url] = (response.headers.get("ETag"), response.headers.get("Last-Modified"))
        return response

    def a_page(self, pages):
        # Most people look at the first few pages; some go deep.
        return (
            random.randint(2, min(5, pages))
            if random.random() < 0.7 or pages < 6
            else random.randint(6, pages)
        )

    @task(20)
    def grants(self):
        self.public("grants")

    @task(10)
    def grants_by_year(self):
        self.public("grants ?year", {"year": random.choice(self.years)})

    @task(8)
    def grants_by_area(self):
        self.public("grants ?area", {"area": random.choice(self.areas)})

    @task(6)
    def grants_by_stream(self):
        self.public("grants ?stream", {"stream": random.choice(self.streams)})

    @task(4)
    def grants_by_year_and_area(self):
        self.public(
            "grants ?year&area", {"year": random.choice(self.years), "area": random.choice(self.areas)}
        )

    @task(12)
    def grants_page(self):
        self.public("grants ?page=N", {"page": self.a_page(self.grant_pages)})

    @task(2)
    def csv_of_a_year(self):
        self.public("grants CSV of a year", {"year": random.choice(self.years)})

    @task(1)
    def xlsx_of_a_year(self):
        self.public("grants XLSX of a year", {"year": random.choice(self.years)})

    @task(15)
    def api_grants(self):
        self.public("API grants page_size=200", {"page_size": 200, "page": self.api_page})
        self.api_page = self.api_page % self.api_pages + 1

    @task(10)
    def decisions(self):
        self.public("decisions")


class CrowdVisitor(PublicPages, FastHttpUser):
    """Scenario A: a crowd on the public pages, each asking for up to CROWD_RATE pages a second."""

    wait_time = constant_throughput(CROWD_RATE)


class PublicReader(PublicPages, FastHttpUser):
    """Scenario B's public: reading at a person's pace while applicants and staff work."""

    weight = 1
    wait_time = between(1, 4)


# --- People who sign in --------------------------------------------------------------------------------------------


class SignedIn(Visitor):
    abstract = True
    password = PLAN.get("password", "")

    def sign_in(self, email: str, secret: str | None = None) -> bool:
        """The sign-in page, then (staff) the code from their app, as a person does it. True once signed in."""
        form = self.call("GET", "sign in: form")
        posted = self.call(
            "POST",
            "sign in: password",
            data={"csrfmiddlewaretoken": csrf_token(form), "username": email, "password": self.password},
            expect=(302,),
        )
        if posted.status_code != 302:
            return False
        if secret is not None:
            code_page = self.follow(posted, "sign in: two-factor form")
            posted = self.call(
                "POST",
                "sign in: two-factor code",
                url=posted.headers["Location"],
                data={"csrfmiddlewaretoken": csrf_token(code_page), "code": totp(secret)},
                expect=(302,),
            )
            if posted.status_code != 302:
                return False
        home = self.follow(posted, "sign in: home redirect", expect=(302,))
        return home.status_code == 302 and bool(home.headers.get("Location"))

    def sign_out(self, page) -> None:
        self.call("POST", "sign out", data={"csrfmiddlewaretoken": csrf_token(page)}, expect=(302,))
        self.client.cookies.clear()


class Applicant(SignedIn, HttpUser):
    """Signs in, opens the dashboard, fills in every task of a draft application and submits it, signs out; then the
    next applicant at this keyboard does the same (each prepared applicant signs in once per run)."""

    weight = 3
    wait_time = between(0.5, 2)
    pool = iter(PLAN.get("applicants", []))

    def on_start(self):
        super().on_start()
        self.person = None

    @task
    def apply(self):
        if self.person is None:
            self.person = next(Applicant.pool, None)
            if self.person is None:  # everyone prepared has applied: read the public pages instead
                self.call("GET", "grants")
                return
            if not self.sign_in(self.person["email"]):
                self.person = None
                return
            self.call("GET", "applicant dashboard")
            self.wait()
        page = self.journey(self.person)
        self.sign_out(page)
        self.person = None

    def journey(self, person):
        n, pk = person["n"], person["application"]
        amount = person["minimum"] + 50 * n
        self.call("GET", "task list", fmt={"pk": pk})
        self.wait()

        def save(task, data, files=None, action="continue", name=None):
            form = self.call("GET", f"open {task}", fmt={"pk": pk, "task": task})
            self.wait()
            self.call(
                "POST",
                name or f"save {task}",
                fmt={"pk": pk, "task": task},
                data={"csrfmiddlewaretoken": csrf_token(form), "action": action, **data},
                files=files,
                expect=(302,),
            )

        save(
            "organisation",
            {
                "contact_name": f"Load Contact {n}",
                "contact_phone": f"0121 496 {n % 10000:04d}",
                "has_governing_document": "on",
                "has_safeguarding_policy": "on",
                "has_bank_account": "on",
            },
        )
        save(
            "project",
            {
                "project_title": f"Draft title {n}",
                "project_summary": "Draft",
                "area": person["area"],
                "amount_requested": str(amount),
            },
            action="later",
            name="save project (for later)",
        )
        save(
            "project",
            {
                "project_title": f"Load project {n}",
                "project_summary": f"What load applicant {n} will do.",
                "area": person["area"],
                "amount_requested": f"{amount:,}",
                **{f"q_{q}": f"Answer {q} from {n}" for q in person["questions"]},
            },
        )
        save(
            "budget",
            {
                "rows": "3",
                "item_1_description": f"Item one for {n}",
                "item_1_amount": str(amount - 100),
                "item_2_description": f"Item two for {n}",
                "item_2_amount": "100",
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
                "declared_by_name": f"Load Declarer {n}",
            },
        )
        check = self.call("GET", "check answers", fmt={"pk": pk})
        self.wait()
        record(kind="submitting", application=pk)
        submitted = self.call(
            "POST", "submit", fmt={"pk": pk}, data={"csrfmiddlewaretoken": csrf_token(check)}, expect=(302,)
        )
        record(kind="submit", application=pk, status=submitted.status_code)
        self.call("GET", "confirmation", fmt={"pk": pk})
        return self.call("GET", "applicant dashboard")


class Staff(SignedIn):
    abstract = True
    pool = iter(())  # each role's own prepared people

    def on_start(self):
        super().on_start()
        pool = type(self).pool
        self.me = next(pool, None)
        self.signed_in = self.me is not None and self.sign_in(self.me["email"], self.me["secret"])
        if self.signed_in:
            self.call("GET", "staff dashboard")


class GrantsOfficer(Staff, HttpUser):
    """A grants officer (the role, not a superuser): the applications list in different orders and pages, an
    application, and one export of a round's applications, polled as the job page's script does until it is ready."""

    fixed_count = int(PLAN.get("counts", {}).get("grants_officers", 5))
    wait_time = between(1, 3)
    pool = iter(PLAN.get("grants_officers", []))

    def on_start(self):
        super().on_start()
        self.pages = PLAN.get("staff_pages", 1)
        self.ids = PLAN.get("staff_application_ids", [])
        if self.signed_in:  # first thing after signing in: the list of their round, exported
            self.export(self.call("GET", "staff list"))

    @task(3)
    def staff_list(self):
        if self.signed_in:
            self.call("GET", "staff list")

    @task(3)
    def sorted_list(self):
        if self.signed_in:
            self.call("GET", "staff list sorted", query={"sort": random.choice(STAFF_SORTS)})

    @task(2)
    def list_page(self):
        if self.signed_in:
            self.call("GET", "staff list page N", query={"page": random.randint(2, self.pages)})

    @task(2)
    def sorted_list_page(self):
        if self.signed_in:
            self.call(
                "GET",
                "staff list sorted page N",
                query={"sort": random.choice(STAFF_SORTS), "page": random.randint(2, self.pages)},
            )

    @task(2)
    def application(self):
        if self.signed_in and self.ids:
            self.call("GET", "staff application", fmt={"pk": random.choice(self.ids)})

    def export(self, page):
        asked = time.perf_counter()
        posted = self.call(
            "POST",
            "export: request",
            data={"csrfmiddlewaretoken": csrf_token(page), **self.me["export_filter"]},
            expect=(302,),
        )
        job = re.search(r"/staff/exports/(\d+)/", posted.headers.get("Location", ""))
        if job is None:
            return
        pk = int(job.group(1))
        record(kind="export requested", job=pk)
        status = "pending"
        while status == "pending" and time.perf_counter() - asked < EXPORT_GIVE_UP_SECONDS:
            time.sleep(EXPORT_POLL_SECONDS)
            polled = self.call("GET", "export: poll", fmt={"pk": pk}, headers={"Accept": "application/json"})
            try:
                status = polled.json()["status"]
            except (ValueError, KeyError, TypeError):
                status = "unreadable"
        took = time.perf_counter() - asked
        events.request.fire(
            request_type="JOB",
            name="export: ready (asked to file)",
            response_time=took * 1000,
            response_length=0,
            exception=None
            if status == "ready"
            else RuntimeError(f"export {pk} is {status} after {took:.0f} s"),
            context={},
        )
        record(kind="export", job=pk, status=status, seconds=round(took, 1))
        if status == "ready":
            self.call("GET", "export: job page", fmt={"pk": pk})
            self.call("GET", "export: download", fmt={"pk": pk})


class FinanceOfficer(Staff, HttpUser):
    """A finance officer (the role): the awards waiting for finance in admin, and the admin action that approves
    them, one award per action as the load scenario always did (the action is all or nothing)."""

    fixed_count = int(PLAN.get("counts", {}).get("finance_officers", 3))
    wait_time = between(1, 3)
    pool = iter(PLAN.get("finance_officers", []))
    WAITING = {"status__exact": "awaiting_finance"}

    def on_start(self):
        super().on_start()
        self.awards = list(self.me["awards"]) if self.me else []

    @task
    def approve(self):
        if not self.signed_in:
            return
        listing = self.call("GET", "awards awaiting finance (admin)", query=self.WAITING)
        if not self.awards:
            return
        award = self.awards.pop(0)
        self.wait()
        record(kind="approving", award=award)
        approved = self.call(
            "POST",
            "approve award (admin action)",
            query=self.WAITING,
            data={
                "csrfmiddlewaretoken": csrf_token(listing),
                "action": "approve_selected",
                "_selected_action": str(award),
                "index": "0",
            },
            expect=(302,),
        )
        record(kind="approve", award=award, status=approved.status_code)


_environment = []
_timeline = []  # (finished at, response time ms) of every request, for the runner's second-by-second view


@events.request.add_listener
def _on_request(response_time, **kwargs):
    _timeline.append((round(time.time(), 3), round(response_time or 0, 1)))


@events.init.add_listener
def _remember_environment(environment, **kwargs):
    _environment.append(environment)


@events.quit.add_listener
def _keep_failures(**kwargs):
    # For the runner's report: every distinct failure with its count, as locust holds them at the end.
    runner = _environment[0].runner if _environment else None
    if OUTCOMES and runner is not None:
        Path(f"{OUTCOMES}.errors.json").write_text(json.dumps(runner.stats.serialize_errors()))
    if OUTCOMES:
        Path(f"{OUTCOMES}.timeline.json").write_text(json.dumps(_timeline))


_SCENARIOS = {
    "crowd": {CrowdVisitor},
    "load-100k": {Applicant, GrantsOfficer, FinanceOfficer, PublicReader},
}
if SCENARIO not in _SCENARIOS:
    raise SystemExit(f"LOAD_SCENARIO must be one of {', '.join(_SCENARIOS)}, not {SCENARIO!r}")
for _user in (CrowdVisitor, PublicReader, Applicant, GrantsOfficer, FinanceOfficer):
    _user.abstract = _user not in _SCENARIOS[SCENARIO]
del _user  # locust takes every User class among the module's names: this one would be counted twice
