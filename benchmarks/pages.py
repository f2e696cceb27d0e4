"""Every page a person can open, as the benchmark measures it: who opens it (the role that page needs, not the
superuser), which rows it shows (the biggest organisation's dashboard, a list's last page) and what it answers.

`PAGES` lists the project's own URLs by name; Django admin's pages are generated from the admin site's registry
(each model's list, first and last page, one record, the add form and the history). `NOT_MEASURED` names each URL
that is not a page anyone opens with a GET, and why. `unlisted()` is every URL pattern in neither: the benchmark
refuses to run while it is not empty, and tests/test_benchmark_pages.py fails, so a new URL comes with its entry.

A `World` finds, on the database being measured, the rows each entry needs (the organisation with the most
applications, one of its submitted applications, a return of the provider with the most services...), once.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

PUBLIC = "public"
APPLICANT = "applicant"  # a member of the organisation with the most applications
PROVIDER = "provider"  # a member of the provider with the most services
FINANCE = "finance@demo.pcc-grants.example"
GRANTS = "grants@demo.pcc-grants.example"
COMMISSIONING = "commissioning@demo.pcc-grants.example"
AUDITOR = "auditor@demo.pcc-grants.example"
CFO = "cfo@demo.pcc-grants.example"
SUPERUSER = "admin@demo.pcc-grants.example"


@dataclass(frozen=True)
class Page:
    name: str
    url_name: str
    path: Callable[["World"], str | None]  # None: this database has no row to show (reported, not measured)
    who: "str | Callable[[World], str]" = PUBLIC  # a login, PUBLIC, APPLICANT or PROVIDER
    status: int | tuple = 200  # 0: 200 or 403 (an admin add form the role may not use)
    note: Callable[["World"], str] = field(default=lambda world: "")


# URLs that are not a page a person opens by GET, or whose cost cannot depend on the data's size. Each says why.
NOT_MEASURED = {
    "logout": "POST only: signing out",
    "admin:logout": "POST only: signing out",
    "accounts:verify": "a signed link from an email: one user looked up by primary key",
    "accounts:password_reset_confirm": "a signed link from an email: one user looked up by primary key",
    "password_reset_confirm": "a signed link from an email: one user looked up by primary key",
    "accounts:two_factor_verify": "needs a half-signed-in session; reads only that person's own device",
    "accounts:two_factor_recovery": "needs a half-signed-in session; reads only that person's own device",
    "accounts:two_factor_setup": "reads only the signed-in person's own device",
    "accounts:recovery_codes": "shown once after set-up; reads only the signed-in person's own codes",
    "accounts:new_recovery_codes": "POST only: replaces the person's own codes",
    "accounts:send_link_again": "POST only: sends the confirmation email again",
    "password_change": "reads only the signed-in person",
    "password_change_done": "a fixed message",
    "admin:password_change_done": "a fixed message",
    "applications:staff_export": "POST only: queues an export job (measured by the export benchmark)",
    "applications:start": "POST only: starts a draft (the load scenario saves and submits)",
    "applications:withdraw": "reads one application of the person's own; the form posts",
    "applications:accept_award": "reads one award of the person's own; the form posts",
    "applications:staff_grant_reports_schedule": "POST only: sets the report due dates of one round's awards",
    "applications:staff_grant_report_review": "POST only: accepts one report, asks for changes or marks a case study",
    "applications:accept_invitation": "a link from an email: one invitation looked up by its token",
    "needs:export": "POST only: queues an export job",
    "funder_returns:move": "POST only: moves one return to a funder",
    "funder_returns:rebuild": "POST only: builds one draft return to a funder again",
    "funder_returns:download": "POST only: queues an export job",
    "needs:adopt": "reads one needs assessment, as needs:assessment does (measured)",
    "providers:staff_export": "POST only: queues an export job",
    "providers:return_send_for_sign_off": "POST only: moves one return of the provider's own",
    "providers:return_sign_off": "POST only: moves one return of the provider's own",
    "providers:return_send_back": "POST only: moves one return of the provider's own",
    "reports:audit_trail_export": "POST only: queues an export job",
    "admin:autocomplete": "called by admin's select boxes with a model and field; not a page",
    "admin:view_on_site": "a redirect to the public page of one object",
    "admin:password_change": "reads only the signed-in person",
    "admin:jsi18n": "static JavaScript catalogue",
    "admin:funds_budget_transfer": "reads one budget and its lines, as the budget's change page does (measured)",
    "admin:funds_budgetline_import_job": "reads one import job of the person's own",
    "admin:providers_service_fund": "reads one service and the open lines, as the service's change page does",
    "admin:providers_service_release_funding": "reads one funding of one service",
    "admin:auth_user_password_change": "the administrator's form to set one user's password: reads one user",
    "admin:app_list": "the admin index for one app: the same as admin:index (measured)",
    "admin:<catch-all>": "admin's redirects: an old URL form or a missing page",
    "admin:<object redirect>": "admin's redirect from /<model>/<id>/ to /<model>/<id>/change/",
    "admin:*_delete": "a confirmation page before deleting one record (money is never deleted: refused)",
}


# Pages allowed over the targets (docs/benchmarks.md), each with why. Empty is the goal.
EXCEPTIONS: dict[str, str] = {
    "Fill in a monitoring return": (
        "not growth: the provider with the most services is a scale provider at 10k and the demo's victims' services "
        "provider at 100k, so the return is a 3-measure form at one size and a 9-measure form with breakdowns at the "
        "other (6.6 KB against 20.9 KB of HTML); its 9 queries read only that return"
    ),
    "Annual report pack": (
        "sums over one year's grants and payments, and a year at 100k holds ten times a year at 10k (4,399 grants "
        "against 440); under 30 ms"
    ),
    "Commissioning dashboard": (
        "its provider filter offers every provider (538 at 100k, 61 at 10k) and its summary counts the chosen "
        "period's returns, which grow with the services commissioned"
    ),
    "A measure's chart": (
        "totals one measure over every submitted return (ten times as many at 100k, 15 ms of SQL) and offers every "
        "service on the template as a choice"
    ),
    **dict.fromkeys(
        (
            "Staff list sorted by area",
            "Staff list sorted by area, last page",
            "Staff list sorted by -area",
            "Staff list sorted by -area, last page",
        ),
        "sorting by area name joins every listed application to its area, because applications with no area "
        "must be listed too and cannot walk an index of areas; 42 to 51 ms at 100k. A stored area order on the "
        "application would make it flat",
    ),
    "Admin: messages": "not growth: the 100k database holds 506 outbox messages and the 10k one 2 (100 rows against 2)",
    "Admin: messages, last page": "not growth: 100 rows at 100k against 2 at 10k (see Admin: messages)",
    "Admin: providers, last page": "not growth: 61 providers at 10k (one page of 61 rows) against a full page of 100",
}


class World:
    """The rows the entries need, found once on the database being measured."""

    def __init__(self):
        self._viewers: dict = {}

    @functools.cached_property
    def applicant_organisation(self):
        from django.db.models import Count

        from applications.models import Organisation

        return Organisation.objects.annotate(n=Count("applications")).order_by("-n", "pk").first()

    @functools.cached_property
    def applicant(self):
        from applications.models import Membership

        return Membership.objects.filter(organisation=self.applicant_organisation).order_by("pk").first().user

    def own_application(self, **filters):
        from applications.models import Application

        return (
            Application.objects.filter(organisation=self.applicant_organisation, **filters)
            .order_by("-pk")
            .first()
        )

    @functools.cached_property
    def draft(self):
        return self.own_application(status="draft")

    @functools.cached_property
    def submitted(self):
        return self.own_application(submitted_at__isnull=False)

    @functools.cached_property
    def open_round(self):
        from django.utils import timezone

        from applications.models import Round

        now = timezone.now()
        return Round.objects.filter(opens_at__lte=now, closes_at__gt=now).order_by("-pk").first()

    @functools.cached_property
    def busiest_application(self):
        """A submitted application with the most audit events, budget items and assessments: the heaviest staff page."""
        from django.db.models import Count

        from applications.models import Application

        return (
            Application.objects.filter(submitted_at__isnull=False)
            .annotate(n=Count("assessments"))
            .order_by("-n", "-pk")
            .first()
        )

    @functools.cached_property
    def provider(self):
        from django.db.models import Count

        from providers.models import Provider

        return Provider.objects.annotate(n=Count("services")).order_by("-n", "pk").first()

    @functools.cached_property
    def provider_member(self):
        from providers.models import ProviderMembership

        return ProviderMembership.objects.filter(provider=self.provider).order_by("pk").first().user

    @functools.cached_property
    def grant_report(self):
        """The latest grant report of an award whose organisation has someone to open it."""
        from applications.models import GrantReport

        return (
            GrantReport.objects.filter(award__application__organisation__memberships__isnull=False)
            .select_related("award__application")
            .order_by("-pk")
            .first()
        )

    def grantee(self) -> str:
        """The login of someone at the grant report's organisation (PUBLIC when there is no report to open)."""
        from applications.models import Membership

        if self.grant_report is None:
            return PUBLIC
        member = (
            Membership.objects.filter(organisation_id=self.grant_report.award.application.organisation_id)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        return member.user.email

    def provider_return(self, **filters):
        """The provider's return on its longest template: the same form at every size, so sizes compare."""
        from django.db.models import Count

        from providers.models import MonitoringReturn

        return (
            MonitoringReturn.objects.filter(service__provider=self.provider, **filters)
            .annotate(measures=Count("period__template__measures"))
            .order_by("-measures", "-pk")
            .first()
        )

    def provider_claim(self):
        """The provider's latest claim, if the database has any (the demo may have none: then not measured)."""
        from providers.models import Claim

        return Claim.objects.filter(service__provider=self.provider).order_by("-pk").first()

    @functools.cached_property
    def year(self):
        """The year with the most published grants, as people look at it."""
        from django.db.models import Count

        from applications.models import Award

        busiest = (
            Award.objects.filter(status__in=["committed", "paid"])
            .values("application__round__budget__year__start_year")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        return busiest["application__round__budget__year__start_year"] if busiest else 2024

    @functools.cached_property
    def year_label(self) -> str:
        from funds.models import FinancialYear

        return FinancialYear(start_year=self.year).label()

    @functools.cached_property
    def birmingham(self):
        from funds.models import Area

        return Area.objects.filter(name="Birmingham").first()

    def admin_viewer(self, model, action: str = "view") -> str:
        key = (model, action)
        if key not in self._viewers:
            self._viewers[key] = admin_viewer(model, action)
        return self._viewers[key]

    def first(self, model, **filters):
        return model.objects.filter(**filters).order_by("-pk").first()

    def published_pages(self, per_page: int) -> int:
        from applications.models import Award

        return last_full_page(Award.objects.filter(status__in=["committed", "paid"]).count(), per_page)

    def audit_pages(self) -> int:
        from audit.models import AuditEvent
        from reports.views import PER_PAGE

        return last_full_page(AuditEvent.objects.count(), PER_PAGE)

    def listed(self) -> int:
        from applications.models import Application

        return Application.objects.exclude(status="draft").count()

    @functools.cached_property
    def export_job(self):
        """A ready export of the staff applications list, requested by the grants officer (made once per database)."""
        from accounts.models import User
        from exports import runner
        from exports.models import ExportJob

        officer = User.objects.get(email=GRANTS)
        job = ExportJob.objects.filter(requested_by=officer, status=ExportJob.Status.READY).first()
        if job is None:
            job = ExportJob.objects.create(
                kind="applications.list",
                params={"status": "recommended"},
                title="Applications (benchmark)",
                requested_by=officer,
            )
            job = runner.build(job.pk)
        return job


def last_full_page(rows: int, per_page: int) -> int:
    """The last page that holds a whole page of rows. The very last page holds whatever is left over (9 rows at one
    size, 95 at another), which would make two sizes' "last page" show different amounts and compare nothing."""
    return max(1, rows // per_page)


def _pk(row) -> int | None:
    return row.pk if row is not None else None


def _at(url_name: str, row, *more) -> str | None:
    if row is None:
        return None
    return reverse(url_name, args=[row.pk, *more])


def _staff_list_pages() -> list[Page]:
    base = "applications:staff_list"
    pages = []
    from applications.tables import StaffApplicationTable

    sortable = [
        name for name, column in StaffApplicationTable.base_columns.items() if column.orderable is not False
    ]
    per_page = 25

    def last(world: World) -> str:
        return f"{reverse(base)}?page={last_full_page(world.listed(), per_page)}"

    def middle(world: World) -> str:
        return f"{reverse(base)}?page={max(1, last_full_page(world.listed(), per_page) // 2)}"

    pages += [
        Page(
            "Staff applications list", base, lambda w: reverse(base), GRANTS, note=lambda w: f"{w.listed():,}"
        ),
        Page("Staff list, middle page", base, middle, GRANTS),
        Page("Staff list, last page", base, last, GRANTS),
        Page(
            "Staff list, filtered (Birmingham, being assessed)",
            base,
            lambda w: f"{reverse(base)}?status=in_assessment&area={_pk(w.birmingham)}",
            GRANTS,
        ),
        Page("Staff list, one round", base, lambda w: f"{reverse(base)}?round={_pk(w.open_round)}", GRANTS),
        Page("Staff list, scored at least 3", base, lambda w: f"{reverse(base)}?min_score=3", GRANTS),
    ]
    for column in sortable:
        for sort in (column, f"-{column}"):
            pages.append(
                Page(
                    f"Staff list sorted by {sort}",
                    base,
                    lambda w, s=sort: f"{reverse(base)}?sort={s}",
                    GRANTS,
                )
            )
            pages.append(
                Page(
                    f"Staff list sorted by {sort}, last page",
                    base,
                    lambda w, s=sort: f"{last(w)}&sort={s}",
                    GRANTS,
                )
            )
    return pages


def _project_pages() -> list[Page]:
    from applications.models import GrantReport
    from funder_returns.models import FunderReturn
    from funds.models import Budget, Decision
    from needs.models import NeedsAssessment
    from providers.models import Claim, Measure

    return [
        # Public
        Page("Home", "home", lambda w: "/"),
        Page("Accessibility statement", "accessibility", lambda w: reverse("accessibility")),
        Page("Privacy notice", "privacy", lambda w: reverse("privacy")),
        Page("Health check", "healthz", lambda w: reverse("healthz"), status=(200, 503)),
        Page(
            "Health check details",
            "healthz_details",
            lambda w: reverse("healthz_details"),
            AUDITOR,
            status=(200, 503),  # 503 when no worker has beaten lately: the check doing its job
        ),
        Page("Open funding rounds", "applications:rounds", lambda w: reverse("applications:rounds")),
        Page(
            "A round",
            "applications:round",
            lambda w: w.open_round and reverse("applications:round", args=[w.open_round.slug]),
        ),
        Page(
            "A round's eligibility questions",
            "applications:eligibility",
            lambda w: w.open_round and reverse("applications:eligibility", args=[w.open_round.slug]),
        ),
        Page("Grants awarded", "transparency:grants", lambda w: reverse("transparency:grants")),
        Page(
            "Grants awarded, one year",
            "transparency:grants",
            lambda w: f"{reverse('transparency:grants')}?year={w.year_label}",
        ),
        Page(
            "Grants awarded, one area",
            "transparency:grants",
            lambda w: f"{reverse('transparency:grants')}?area={_pk(w.birmingham)}",
        ),
        Page(
            "Grants awarded, last page",
            "transparency:grants",
            lambda w: f"{reverse('transparency:grants')}?page={w.published_pages(25)}",
        ),
        Page(
            "Grants CSV, one year",
            "transparency:grants_csv",
            lambda w: f"{reverse('transparency:grants_csv')}?year={w.year_label}",
        ),
        Page(
            "Grants CSV, every year", "transparency:grants_csv", lambda w: reverse("transparency:grants_csv")
        ),
        Page(
            "Grants Excel, one year",
            "transparency:grants_xlsx",
            lambda w: f"{reverse('transparency:grants_xlsx')}?year={w.year_label}",
        ),
        Page("Decisions", "transparency:decisions", lambda w: reverse("transparency:decisions")),
        Page(
            "A decision",
            "transparency:decision",
            lambda w: (
                (d := w.first(Decision, status="made")) and reverse("transparency:decision", args=[d.number])
            ),
        ),
        Page(
            "Grants API, 200 a page",
            "transparency:api_grants",
            lambda w: f"{reverse('transparency:api_grants')}?page_size=200",
        ),
        Page(
            "Grants API, 200 a page, last page",
            "transparency:api_grants",
            lambda w: f"{reverse('transparency:api_grants')}?page_size=200&page={w.published_pages(200)}",
        ),
        Page(
            "Decisions API",
            "transparency:api_decisions",
            lambda w: f"{reverse('transparency:api_decisions')}?page_size=200",
        ),
        Page("Rounds API", "transparency:api_rounds", lambda w: reverse("transparency:api_rounds")),
        Page("API documentation", "transparency:api_docs", lambda w: reverse("transparency:api_docs")),
        Page(
            "OpenAPI description", "transparency:api_openapi", lambda w: reverse("transparency:api_openapi")
        ),
        Page("Sign in", "accounts:login", lambda w: reverse("accounts:login")),
        Page("Sign in (Django's name)", "login", lambda w: reverse("login")),
        Page("Admin sign in", "admin:login", lambda w: reverse("admin:login"), status=302),
        Page("Create an account", "accounts:sign_up", lambda w: reverse("accounts:sign_up")),
        Page("Check your email", "accounts:check_email", lambda w: reverse("accounts:check_email")),
        Page("Reset your password", "password_reset", lambda w: reverse("password_reset")),
        Page("Password reset sent", "password_reset_done", lambda w: reverse("password_reset_done")),
        Page(
            "Password reset complete", "password_reset_complete", lambda w: reverse("password_reset_complete")
        ),
        # Applicant
        Page("After sign-in (applicant)", "signed_in", lambda w: reverse("signed_in"), APPLICANT, status=302),
        Page(
            "Applicant dashboard (biggest organisation)",
            "applications:dashboard",
            lambda w: reverse("applications:dashboard"),
            APPLICANT,
        ),
        Page(
            "Application task list (draft)",
            "applications:detail",
            lambda w: _at("applications:detail", w.draft),
            APPLICANT,
        ),
        Page(
            "Application status (submitted)",
            "applications:detail",
            lambda w: _at("applications:detail", w.submitted),
            APPLICANT,
        ),
        *[
            Page(
                f"Application task: {task}",
                "applications:task",
                lambda w, t=task: _at("applications:task", w.draft, t),
                APPLICANT,
            )
            for task in ("organisation", "project", "budget", "documents", "declarations")
        ],
        Page(
            "Check your answers",
            "applications:check",
            lambda w: _at("applications:check", w.draft),
            APPLICANT,
        ),
        Page(
            "Application submitted",
            "applications:confirmation",
            lambda w: _at("applications:confirmation", w.submitted),
            APPLICANT,
        ),
        Page(
            "Answer a question from the office",
            "applications:respond",
            lambda w: _respond_path(w),
            APPLICANT,
        ),
        Page(
            "A document of the application", "applications:download", lambda w: _document_path(w), APPLICANT
        ),
        Page(
            "Organisation",
            "applications:organisation",
            lambda w: _at("applications:organisation", w.applicant_organisation),
            APPLICANT,
        ),
        Page(
            "Register an organisation",
            "applications:organisation_create",
            lambda w: reverse("applications:organisation_create"),
            APPLICANT,
        ),
        # Provider
        Page(
            "Provider portal (biggest provider)",
            "providers:portal",
            lambda w: reverse("providers:portal"),
            PROVIDER,
        ),
        Page(
            "A service",
            "providers:service",
            lambda w: (r := w.provider_return()) and _at("providers:service", r.service),
            PROVIDER,
        ),
        Page(
            "A monitoring return",
            "providers:return",
            lambda w: _at("providers:return", w.provider_return()),
            PROVIDER,
        ),
        Page(
            "Fill in a monitoring return",
            "providers:return_edit",
            lambda w: _at(
                "providers:return_edit", w.provider_return(status__in=["not_started", "in_progress"])
            ),
            PROVIDER,
        ),
        Page(
            "A service document", "providers:service_document", lambda w: _service_document_path(w), PROVIDER
        ),
        Page(
            "Claim a payment",
            "providers:claim_new",
            lambda w: (r := w.provider_return()) and _at("providers:claim_new", r.service),
            PROVIDER,
        ),
        Page("A claim", "providers:claim", lambda w: _at("providers:claim", w.provider_claim()), PROVIDER),
        # Staff
        *_staff_list_pages(),
        Page(
            "Staff: an application",
            "applications:staff_detail",
            lambda w: _at("applications:staff_detail", w.busiest_application),
            GRANTS,
        ),
        Page(
            "Staff: an application's action page",
            "applications:staff_action",
            lambda w: _at("applications:staff_action", w.busiest_application, "screen"),
            GRANTS,
        ),
        Page("Staff dashboard", "reports:dashboard", lambda w: reverse("reports:dashboard"), FINANCE),
        Page(
            "Budget tables workbook",
            "reports:budget_tables",
            lambda w: reverse("reports:budget_tables"),
            FINANCE,
        ),
        Page(
            "Annual report tables from monitoring returns",
            "reports:data_tables",
            lambda w: reverse("reports:data_tables"),
            FINANCE,
        ),
        Page(
            "Annual report pack",
            "reports:annual_report_pack",
            lambda w: reverse("reports:annual_report_pack"),
            FINANCE,
        ),
        Page("Outturn", "reports:outturn", lambda w: reverse("reports:outturn"), FINANCE),
        Page(
            "Finance reports",
            "reports:finance_reports",
            lambda w: reverse("reports:finance_reports"),
            FINANCE,
        ),
        Page("Payment run file", "reports:payment_run", lambda w: reverse("reports:payment_run"), FINANCE),
        Page("Audit trail", "reports:audit_trail", lambda w: reverse("reports:audit_trail"), AUDITOR),
        Page(
            "Audit trail, last page",
            "reports:audit_trail",
            lambda w: f"{reverse('reports:audit_trail')}?page={w.audit_pages()}",
            AUDITOR,
        ),
        Page("A budget", "funds:budget", lambda w: _at("funds:budget", w.first(Budget)), FINANCE),
        Page(
            "Commissioning dashboard",
            "providers:staff_dashboard",
            lambda w: reverse("providers:staff_dashboard"),
            COMMISSIONING,
        ),
        Page(
            "A grant report",
            "applications:grant_report",
            lambda w: (
                w.grant_report
                and reverse(
                    "applications:grant_report", args=[w.grant_report.award.application_id, w.grant_report.pk]
                )
            ),
            lambda w: w.grantee(),
        ),
        Page(
            "Staff: grant reports",
            "applications:staff_grant_reports",
            lambda w: reverse("applications:staff_grant_reports"),
            GRANTS,
        ),
        Page(
            "Staff: overdue grant reports",
            "applications:staff_grant_reports",
            lambda w: f"{reverse('applications:staff_grant_reports')}?status=overdue",
            GRANTS,
        ),
        Page(
            "Staff: a grant report",
            "applications:staff_grant_report",
            lambda w: _at("applications:staff_grant_report", w.first(GrantReport)),
            GRANTS,
        ),
        Page(
            "Staff: a monitoring return",
            "providers:staff_return",
            lambda w: _at("providers:staff_return", w.provider_return()),
            COMMISSIONING,
        ),
        Page(
            "A measure's chart",
            "providers:staff_measure_chart",
            lambda w: _at(
                "providers:staff_measure_chart",
                w.first(Measure, kind__in=["count", "number", "percentage", "money"]),
            ),
            COMMISSIONING,
        ),
        Page(
            "Claims from providers",
            "providers:staff_claims",
            lambda w: reverse("providers:staff_claims"),
            COMMISSIONING,
        ),
        Page(
            "Claims to check",
            "providers:staff_claims",
            lambda w: f"{reverse('providers:staff_claims')}?status=submitted",
            COMMISSIONING,
        ),
        Page(
            "Staff: a claim",
            "providers:staff_claim",
            lambda w: _at("providers:staff_claim", w.first(Claim)),
            FINANCE,
        ),
        Page("Needs assessments", "needs:list", lambda w: reverse("needs:list"), COMMISSIONING),
        Page(
            "A needs assessment",
            "needs:assessment",
            lambda w: _at("needs:assessment", w.first(NeedsAssessment)),
            COMMISSIONING,
        ),
        Page("Start a needs assessment", "needs:start", lambda w: reverse("needs:start"), COMMISSIONING),
        Page(
            "Returns to funders",
            "funder_returns:list",
            lambda w: reverse("funder_returns:list"),
            COMMISSIONING,
        ),
        Page(
            "Prepare a return to a funder",
            "funder_returns:prepare",
            lambda w: reverse("funder_returns:prepare"),
            COMMISSIONING,
        ),
        Page(
            "A return to a funder",
            "funder_returns:detail",
            lambda w: _at("funder_returns:detail", w.first(FunderReturn)),
            COMMISSIONING,
        ),
        Page(
            "360Giving file page",
            "transparency:giving360",
            lambda w: reverse("transparency:giving360"),
            GRANTS,
        ),
        Page("An export job", "exports:job", lambda w: _at("exports:job", w.export_job), GRANTS),
        Page(
            "An export's download",
            "exports:download",
            lambda w: _at("exports:download", w.export_job),
            GRANTS,
        ),
        Page("Admin home", "admin:index", lambda w: reverse("admin:index"), FINANCE),
        Page(
            "Budget import",
            "admin:funds_budgetline_import",
            lambda w: reverse("admin:funds_budgetline_import"),
            FINANCE,
        ),
    ]


def _respond_path(world: World) -> str | None:
    from applications.models import InformationRequest

    req = (
        InformationRequest.objects.filter(
            application__organisation=world.applicant_organisation, responded_at__isnull=True
        )
        .order_by("-pk")
        .first()
    )
    return req and reverse("applications:respond", args=[req.application_id, req.pk])


def _document_path(world: World) -> str | None:
    from applications.models import Document

    doc = (
        Document.objects.filter(application__organisation=world.applicant_organisation)
        .order_by("-pk")
        .first()
    )
    return doc and reverse("applications:download", args=[doc.application_id, doc.pk])


def _service_document_path(world: World) -> str | None:
    from providers.models import ServiceDocument

    doc = ServiceDocument.objects.filter(service__provider=world.provider).order_by("-pk").first()
    return doc and reverse("providers:service_document", args=[doc.service_id, doc.pk])


# --- Django admin: generated from the registry
# ---------------------------------------------


def admin_viewer(model, action: str = "view") -> str:
    """The demo login whose role may view (or add) this model in admin; the superuser only where no role may."""
    from accounts.models import User

    perm = f"{model._meta.app_label}.{action}_{model._meta.model_name}"
    for email in (FINANCE, GRANTS, COMMISSIONING, CFO, AUDITOR):
        user = User.objects.filter(email=email).first()
        if user is not None and user.has_perm(perm):
            return email
    return SUPERUSER


def _admin_pages() -> list[Page]:
    pages = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        label = opts.verbose_name_plural

        def who(w, m=model):
            return w.admin_viewer(m)

        def last_page(w, m=model, ma=model_admin, p=prefix):
            return f"{reverse(p + '_changelist')}?p={last_full_page(m._default_manager.count(), ma.list_per_page)}"

        def one(w, m=model, p=prefix):
            row = m._default_manager.order_by("-pk").first()
            return row and reverse(p + "_change", args=[row.pk])

        pages += [
            Page(
                f"Admin: {label}", f"{prefix}_changelist", lambda w, p=prefix: reverse(p + "_changelist"), who
            ),
            Page(f"Admin: {label}, last page", f"{prefix}_changelist", last_page, who),
            Page(f"Admin: one of {label}", f"{prefix}_change", one, who),
            Page(
                f"Admin: history of one of {label}",
                f"{prefix}_history",
                lambda w, o=one: _history(o(w)),
                who,
                status=(
                    200,
                    302,
                ),  # money's history is the audit trail: admin's own history page sends you there
            ),
            Page(
                f"Admin: add {opts.verbose_name}",
                f"{prefix}_add",
                lambda w, p=prefix: reverse(p + "_add"),
                who,
                status=0,
            ),
        ]
    return pages


def _history(change_path: str | None) -> str | None:
    return change_path and change_path.replace("/change/", "/history/")


@functools.cache
def pages() -> list[Page]:
    return _project_pages() + _admin_pages()


def who_opens(page: Page, world: World) -> str:
    return page.who(world) if callable(page.who) else page.who


# --- What is listed, and what is not
# -----------------------------------


def url_patterns() -> list[str]:
    """Every URL pattern's name ("namespace:name"), or for an unnamed admin redirect what kind it is."""
    found = []

    def walk(resolver, namespace):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace and (
                    f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                )
                walk(pattern, ns or namespace)
            elif isinstance(pattern, URLPattern):
                if pattern.name:
                    found.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)
                elif namespace == "admin":
                    route = str(pattern.pattern)
                    found.append("admin:<object redirect>" if "object_id" in route else "admin:<catch-all>")
                else:
                    found.append(f"<unnamed {pattern.pattern}>")

    walk(get_resolver(), "")
    return sorted(set(found))


def unlisted() -> list[str]:
    measured = {page.url_name for page in pages()}
    missing = []
    for name in url_patterns():
        if name in measured or name in NOT_MEASURED:
            continue
        if name.startswith("admin:") and name.endswith("_delete"):
            continue  # NOT_MEASURED["admin:*_delete"]
        missing.append(name)
    return missing
