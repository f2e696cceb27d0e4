"""What the locust scenarios (benchmarks/locustfile.py) ask for, as plain data: every request's action name, the URL
it opens, and the task pages, sorts and codes a person uses. Kept apart from the locustfile because importing locust
monkey-patches the whole process with gevent; this module imports nothing, so tests/test_load_scenario.py can check
every path here against Django's reverse() and a renamed URL breaks a test, not the next load run.
"""

import base64
import hashlib
import hmac
import struct
import time

# URL name -> the path it reverses to, with {placeholders} for its arguments.
URLS: dict[str, str] = {
    "transparency:grants": "/grants/",
    "transparency:grants_csv": "/grants/download.csv",
    "transparency:grants_xlsx": "/grants/download.xlsx",
    "transparency:decisions": "/decisions/",
    "transparency:api_grants": "/api/v1/grants/",
    "accounts:login": "/accounts/login/",
    "accounts:two_factor_verify": "/accounts/two-factor/",
    "logout": "/accounts/logout/",
    "signed_in": "/signed-in/",
    "applications:dashboard": "/applications/",
    "applications:detail": "/applications/{pk}/",
    "applications:task": "/applications/{pk}/{task}/",
    "applications:check": "/applications/{pk}/check/",
    "applications:confirmation": "/applications/{pk}/submitted/",
    "applications:staff_list": "/staff/applications/",
    "applications:staff_detail": "/staff/applications/{pk}/",
    "applications:staff_export": "/staff/applications/export/",
    "exports:job": "/staff/exports/{pk}/",
    "exports:download": "/staff/exports/{pk}/download/",
    "reports:dashboard": "/staff/",
    "admin:applications_award_changelist": "/admin/applications/award/",
}

# The application task pages an applicant fills in, in order (applications.views.drafting.TASK_PAGES).
APPLICATION_TASKS = ("organisation", "project", "budget", "documents", "declarations")

# Locust request name (the "action" in the result tables) -> the URL name it opens.
ACTIONS: dict[str, str] = {
    # The public: grants, their filters and downloads, the API at its largest page, decisions.
    "grants": "transparency:grants",
    "grants ?year": "transparency:grants",
    "grants ?area": "transparency:grants",
    "grants ?stream": "transparency:grants",
    "grants ?year&area": "transparency:grants",
    "grants ?page=N": "transparency:grants",
    "grants CSV of a year": "transparency:grants_csv",
    "grants XLSX of a year": "transparency:grants_xlsx",
    "API grants page_size=200": "transparency:api_grants",
    "decisions": "transparency:decisions",
    # Signing in: everyone; staff then give the code from their authenticator app.
    "sign in: form": "accounts:login",
    "sign in: password": "accounts:login",
    "sign in: two-factor form": "accounts:two_factor_verify",
    "sign in: two-factor code": "accounts:two_factor_verify",
    "sign in: home redirect": "signed_in",
    "sign out": "logout",
    # Applicants.
    "applicant dashboard": "applications:dashboard",
    "task list": "applications:detail",
    "check answers": "applications:check",
    "submit": "applications:check",
    "confirmation": "applications:confirmation",
    # Grants officers.
    "staff dashboard": "reports:dashboard",
    "staff list": "applications:staff_list",
    "staff list sorted": "applications:staff_list",
    "staff list page N": "applications:staff_list",
    "staff list sorted page N": "applications:staff_list",
    "staff application": "applications:staff_detail",
    "export: request": "applications:staff_export",
    "export: poll": "exports:job",
    "export: job page": "exports:job",
    "export: download": "exports:download",
    # Finance officers: the awards waiting for them in admin, and the admin action that approves one.
    "awards awaiting finance (admin)": "admin:applications_award_changelist",
    "approve award (admin action)": "admin:applications_award_changelist",
}

# Each task page opened, then saved ("save project (for later)" is a first draft saved with "Save and come back later").
ACTIONS.update({f"open {task}": "applications:task" for task in APPLICATION_TASKS})
ACTIONS.update({f"save {task}": "applications:task" for task in APPLICATION_TASKS})
ACTIONS["save project (for later)"] = "applications:task"
# The round's own questions: one section (the scale data's rounds have one), named by its key, "s<id>".
ACTIONS["open section"] = ACTIONS["save section"] = "applications:task"

# Columns of the staff list a grants officer sorts by (django-tables2's ?sort=, "-" for highest first).
STAFF_SORTS = (
    "reference",
    "-reference",
    "organisation",
    "-amount_requested",
    "amount_requested",
    "-score",
    "status",
    "round",
    "area",
)

STAFF_PAGE_SIZE = 25
GRANTS_PAGE_SIZE = 25
API_PAGE_SIZE = 200


def path(action: str, **kwargs) -> str:
    return URLS[ACTIONS[action]].format(**kwargs)


# --- An authenticator app: RFC 6238 TOTP, as a phone computes it (the app's own is accounts.two_factor) -----------


def totp(secret: str, *, when: float | None = None, step_seconds: int = 30, digits: int = 6) -> str:
    cleaned = secret.replace(" ", "").upper()
    key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    counter = int((time.time() if when is None else when) // step_seconds)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def forwarded_for(n: int) -> str:
    """The address the proxy would report for simulated person n: one of their own, so sign-in throttling and rate
    limits count each person separately, as they would behind a real proxy."""
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
