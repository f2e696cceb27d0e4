"""Every page and every form, as each kind of user, on the demo data as `./scripts/demo` loads it (issue 10).
The test_walk_as_* files run it, one file per group of roles so that the test runner's workers share the walk.

Signed in as each role, the harness visits every URL pattern of the project (admin included) with real ids, with
ids that do not exist and ids of another organisation, and with hostile query strings; then it reads every form
those pages show and submits it with hostile values. It asserts: no 5xx, no traceback in a page, `<script>` never
rendered raw, and a refused submission changes no row. A failure lists every finding, not just the first.
"""

from django.urls import Resolver404, resolve

from .forms import ADMIN_ROUNDS, ALL_ROUNDS, FEW_ROUNDS, forms_on, hostile_queries, hostile_submissions
from .patterns import HOSTILE_QUERIES, all_patterns, missing_urls, real_urls
from .probe import Probe
from .world import STAFF_ROLES


def _is_admin(url: str) -> bool:
    return url.startswith("/admin/")


def _urls_for(role: str, world, patterns) -> tuple[list[str], list[str], list[str]]:
    """(real, missing, hostile-query) URLs this role visits. Non-staff are only checked to be turned away from the
    admin (one visit per admin page, with its real id), which is all the admin can show them."""
    staff = role in STAFF_ROLES
    real, missing, hostile = [], [], []
    for pattern in patterns.values():
        urls = real_urls(pattern, world)
        in_admin = pattern.route.startswith("admin/")
        if in_admin and role == "superuser":
            continue  # the demo's finance login is a superuser: it walks the admin
        real.extend(urls)
        if in_admin and not staff:
            continue
        missing.extend(missing_urls(pattern, world))
        # Hostile query strings on every page of the site; in the admin, on changelists, once (by finance: the
        # admin's query handling is the same for every member of staff).
        if urls and (not in_admin or (pattern.key.endswith("_changelist") and role == "finance")):
            hostile.extend(f"{urls[0]}?{query}" for query in HOSTILE_QUERIES)
    return real, missing, hostile


def _fail_with(probe: Probe, record_harness, what: str):
    record_harness(probe)
    probe.close()
    findings = probe.findings
    assert not findings, (
        f"{len(findings)} findings {what} as {probe.role} "
        f"({probe.requests} requests, {probe.server_errors} server errors):\n"
        + "\n".join(f.line() for f in findings[:200])
    )


# Forms that save what was typed even when they refuse it, by design, and the tables they save it in.
SAVES_WHEN_REFUSED = {
    # "Save and come back later": a draft's task page keeps every valid answer and the raw text of the rest, and
    # shows the errors (applications.views.drafting.task, services.save_task). The draft is the applicant's own.
    "applications:task": frozenset({"applications_application", "applications_budgetitem"}),
    # A return's figures are saved whenever every one could be read, complete or not, so nothing typed is lost
    # (providers.views.portal.return_edit, _only_completeness_errors); the first save starts the return.
    "providers:return_edit": frozenset(
        {
            "providers_monitoringreturn",
            "providers_returnvalue",
            "providers_returnbreakdownvalue",
            "audit_auditevent",  # the move that starts the return
        }
    ),
    # "Save and come back later" on a grant report, the same: valid answers and the raw text of the rest are kept,
    # and the first save starts the report on the round's report form (applications.services.grant_reports).
    "applications:grant_report": frozenset(
        {"applications_grantreport", "applications_formversion", "applications_document", "audit_auditevent"}
    ),
    # The set-up page makes the unconfirmed authenticator key it shows, on whichever request comes first.
    "accounts:two_factor_setup": frozenset({"accounts_twofactordevice"}),
}


def _may_write(action: str) -> frozenset:
    try:
        return SAVES_WHEN_REFUSED.get(resolve(action.split("?")[0]).view_name, frozenset())
    except Resolver404:
        return frozenset()


# Who sends each form's whole table of hostile values. The others send a quarter of it: they see the same forms
# (sign-in, sign-up, the eligibility check, the staff pages) and differ in what they may do, not in how a form
# reads its values. The superuser sends none: the demo's finance login is a superuser too.
FULL_TABLE = {"anonymous", "applicant", "preparer", "finance"}


def _submissions(role: str, form, world) -> list:
    foreign = world.foreign_ids.get(role, [])
    if _is_admin(form.action):
        if role != "finance":
            # Finance sends the admin's forms in full; grants and commissioning send each as the page filled it
            # and empty, which is what their narrower permissions change.
            return hostile_submissions(form, foreign, rounds=())[:2]
        return hostile_submissions(form, foreign, rounds=ADMIN_ROUNDS)
    return hostile_submissions(form, foreign, rounds=ALL_ROUNDS if role in FULL_TABLE else FEW_ROUNDS)


def walk(role, world, client_for, record_harness) -> None:
    """One role's walk: every page, then every form on it with hostile values, then missing ids and hostile queries."""
    probe = Probe(role, client_for(role))
    real, missing, hostile = _urls_for(role, world, all_patterns())
    seen, posts = set(), 0
    for url in real:
        response, body = probe.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        if role == "superuser":
            continue  # finance, a superuser too, sends every form
        for form in forms_on(url, body):
            if form.signature() in seen:
                continue
            seen.add(form.signature())
            if form.method == "post":
                may_write = _may_write(form.action)
                for _what, data in _submissions(role, form, world):
                    probe.post(form.action, data, may_write)
                    posts += 1
            else:
                separator = "&" if "?" in form.action else "?"
                for query in hostile_queries(form):
                    probe.get(f"{form.action}{separator}{query}")
    for url in missing + hostile:
        probe.get(url)
    _fail_with(probe, record_harness, f"in {len(real)} pages, {len(seen)} forms and {posts} POSTs")
