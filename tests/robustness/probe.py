"""Sends one request, checks the answer, and counts: no 5xx, no traceback, no hostile text unescaped, and a refused
POST that changed no row.

Every POST runs inside a savepoint that is rolled back afterwards, so one submission never changes what the next one
sees. Which tables a POST wrote is read from PostgreSQL's per-transaction counters (`pg_stat_xact_user_tables`,
which count attempted inserts, updates and deletes, rolled back or not): cheap enough for every request. Only when a
refused POST touched a table are the touched tables compared for real, by an md5 of their rows before and after.

Two environment variables help while fixing what it finds: ROBUSTNESS_FINDINGS=path appends each finding to a file
as it is found, and ROBUSTNESS_PROFILE=path writes one line per request (CPU seconds so far, role, method, URL).
"""

import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.signals import got_request_exception
from django.db import connection, transaction

SCRIPT = "<script>alert(1)</script>"
TRACEBACK_MARKERS = (b"Traceback (most recent call last)", b'File "/', b"django/core/handlers")
ERROR_MARKERS = (b"govuk-error-summary", b"errornote", b"errorlist", b"govuk-error-message")
# Tables a refused POST may write without changing anything that matters: sessions, sign-in throttling, and the
# audit of reads. Everything else of the project's apps is compared.
IGNORED_TABLES = {
    "django_session",
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
    "axes_accessattemptexpiration",
}

# Bugs other engineers are fixing right now: a finding whose text holds one of these is reported with its owner, and
# still fails, so the test passes exactly when the fix lands.
KNOWN = {
    "applications_application_reference": "a1: application reference IntegrityError on submit",
    "deleted_objects": "a2: Budget admin save ('BudgetLineFormSet' has no deleted_objects)",
    "InvalidOperation": "a3: 20-digit monitoring figures",
    "year 10000 is out of range": "a5: year=9999-00 on /decisions/ and the API",
}


class Rollback(Exception):
    pass


@dataclass
class Finding:
    kind: str  # "5xx", "traceback", "unescaped", "partial write", "exception"
    role: str
    method: str
    url: str
    status: int
    detail: str
    data: dict | None = None

    def line(self) -> str:
        data = "" if self.data is None else f" data={_short(self.data)}"
        known = next((f" [known: {owner}]" for marker, owner in KNOWN.items() if marker in self.detail), "")
        return f"{self.kind}: {self.method} {self.url} as {self.role} -> {self.status}: {self.detail}{known}{data}"


def _short(data: dict) -> str:
    parts = []
    for key, values in data.items():
        shown = [v if len(v) <= 40 else f"{v[:20]}...({len(v)} chars)" for v in map(str, values)]
        parts.append(f"{key}={shown if len(shown) > 1 else shown[0] if shown else ''!r}")
    return "{" + ", ".join(parts)[:600] + "}"


@dataclass
class Probe:
    role: str
    client: object
    requests: int = 0
    server_errors: int = 0
    findings: list = field(default_factory=list)
    _exception: str | None = None

    def __post_init__(self):
        got_request_exception.connect(
            self._record_exception, weak=False, dispatch_uid=f"robustness-{id(self)}"
        )

    def close(self):
        got_request_exception.disconnect(dispatch_uid=f"robustness-{id(self)}")

    def _record_exception(self, sender, request=None, **kwargs):
        exc_type, exc, tb = sys.exc_info()
        frames = traceback.extract_tb(tb)
        project = [f for f in frames if "/site-packages/" not in f.filename] or frames
        where = f"{os.path.relpath(project[-1].filename)}:{project[-1].lineno}" if project else "?"
        self._exception = f"{exc_type.__name__}: {str(exc)[:300]} ({where})"

    # --- GET ----------------------------------------------------------------------------------------------------------

    def get(self, url: str):
        """GET `url` in a savepoint that is rolled back, as the POSTs are: a page that writes (a verification link
        that signs its owner in, say) changes nothing for the pages after it."""
        self._exception = None
        session = self._session_cookie()
        result = {}
        try:
            with transaction.atomic():
                response = self.client.get(url)
                result.update(response=response, body=self._body(response))
                raise Rollback
        except Rollback:
            pass
        finally:
            self._restore_session(session)
        self._check("GET", url, result["response"], result["body"], None)
        return result["response"], result["body"]

    def _session_cookie(self):
        from django.conf import settings

        return settings.SESSION_COOKIE_NAME, self.client.cookies.get(settings.SESSION_COOKIE_NAME)

    def _restore_session(self, saved):
        # Only the session: the CSRF cookie a page set must stay, or the form read from that page could not be sent.
        name, morsel = saved
        if morsel is None:
            self.client.cookies.pop(name, None)
        else:
            self.client.cookies[name] = morsel

    # --- POST ---------------------------------------------------------------------------------------------------------

    def post(self, url: str, data: dict, may_write: frozenset = frozenset()):
        """POST `data` (field -> list of values) inside a savepoint that is rolled back; returns (status, refused).

        `may_write`: tables this form writes by design even when it refuses (a draft saves what was typed)."""
        self._exception = None
        session = self._session_cookie()
        before = _write_counts()
        result = {}
        try:
            with transaction.atomic():
                response = self.client.post(
                    url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded"
                )
                body = self._body(response)
                self._check("POST", url, response, body, data)
                refused = _refused(response, body)
                result.update(status=response.status_code, refused=refused)
                changed = []
                if refused:
                    changed = [
                        t
                        for t, n in _write_counts().items()
                        if n != before.get(t, 0) and t not in IGNORED_TABLES | may_write
                    ]
                if changed:
                    # Touched is not changed: a view may write and roll back. Compare the rows themselves.
                    after = _digests(changed)
                    result["after"] = after
                raise Rollback
        except Rollback:
            pass
        finally:
            self._restore_session(session)  # a sign-out or sign-in in the rolled-back POST must not stick
        if "after" in result:
            before_rows = _digests(list(result["after"]))
            differ = sorted(t for t, digest in result["after"].items() if before_rows[t] != digest)
            if differ:
                self._finding(
                    "partial write",
                    "POST",
                    url,
                    result["status"],
                    f"refused, yet changed {', '.join(differ)}",
                    data,
                )
        return result.get("status"), result.get("refused")

    # --- Checks -------------------------------------------------------------------------------------------------------

    def _body(self, response) -> bytes:
        try:
            if getattr(response, "streaming", False):
                return b"".join(response.streaming_content)
            return response.content
        except Exception as exc:
            self._exception = self._exception or f"{type(exc).__name__} while streaming: {exc}"
            return b""

    def _check(self, method, url, response, body: bytes, data):
        self.requests += 1
        profile = os.environ.get("ROBUSTNESS_PROFILE")
        if profile:
            with open(profile, "a") as f:
                f.write(
                    f"{time.process_time():.3f} {self.role} {method} {response.status_code} {url[:150]}\n"
                )
        status = response.status_code
        html = "html" in response.get("Content-Type", "")
        # A health check answering "down" (503) is the page doing its job: the harness's world has no worker beating.
        health_says_down = status == 503 and url.split("?")[0].rstrip("/") in ("/healthz", "/healthz/details")
        if status >= 500 and not health_says_down:
            self.server_errors += 1
            self._finding("5xx", method, url, status, self._exception or "(no exception recorded)", data)
        elif self._exception:
            self._finding("exception", method, url, status, self._exception, data)
        if html and any(marker in body for marker in TRACEBACK_MARKERS):
            self._finding("traceback", method, url, status, "traceback text in the page", data)
        if html and SCRIPT.encode() in body:
            self._finding("unescaped", method, url, status, f"{SCRIPT} rendered raw", data)

    def _finding(self, kind, method, url, status, detail, data):
        finding = Finding(kind, self.role, method, url, status, detail, data)
        self.findings.append(finding)
        report = os.environ.get("ROBUSTNESS_FINDINGS")
        if report:
            with open(report, "a") as f:
                f.write(f"- {finding.line()}\n")


def _refused(response, body: bytes) -> bool:
    if 400 <= response.status_code < 500:
        return True
    return response.status_code == 200 and any(marker in body for marker in ERROR_MARKERS)


def _write_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        return dict(cursor.fetchall())


def _digests(tables: list[str]) -> dict[str, str]:
    if not tables:
        return {}
    from psycopg import sql

    query = sql.SQL(" UNION ALL ").join(
        sql.SQL(
            "SELECT {name}, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {table} t"
        ).format(name=sql.Literal(table), table=sql.Identifier(table))
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(connection.connection))
        return dict(cursor.fetchall())
