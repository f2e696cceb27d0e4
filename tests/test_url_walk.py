"""Every URL that takes an id, walked as someone who must not see what it points at.

The walk reads the project's URL patterns, so a new pattern cannot escape it:
`test_every_url_with_a_parameter_is_walked` fails, naming the pattern, until it has a line in OWNED (who owns the
object, how to make one, who is refused and how) or in PUBLIC (with the reason it is public by design). Adding a
pattern means adding one line below.

What "refused" means here, as the project does it today:
- an applicant's or provider's own data: 404 to anyone else, never 403 (an id that is not yours simply is not found);
- OPCC staff pages (`accounts.permissions.permission_required`): 403 for a signed-in person without the page's
  permission (which role holds which is tests/test_role_matrix.py's subject);
- an export: staff see only the ones they asked for, so another member of staff gets 404.
Each line is also opened by its owner, who must not get 404: that proves the ids the line makes are real.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlparse

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

from applications.models import Application, GrantReport, InformationRequest, Status
from exports.models import ExportJob
from providers import ready_templates
from providers.models import Measure, ServiceDocument
from tests.applications.factories import (
    OrganisationFactory,
    RoundFactory,
    approved_award,
    complete_application,
    member_of,
)
from tests.factories import BudgetLineFactory, UserFactory
from tests.providers.conftest import make_side
from tests.providers.factories import PeriodFactory

pytestmark = pytest.mark.django_db

# --- How a refusal looks ---------------------------------------------------------------------------------------------


def not_found(response) -> bool:
    return response.status_code == 404


def _redirects_to(response, view_names: set[str]) -> bool:
    if response.status_code != 302:
        return False
    try:
        return resolve(urlparse(response.url).path).view_name in view_names
    except Resolver404:
        return False


def admin_sign_in(response) -> bool:
    """What `staff_member_required` does to a signed-in user who is not staff."""
    return _redirects_to(response, {"admin:login"}) and "next=" in response.url


def forbidden(response) -> bool:
    return response.status_code == 403


SIGN_IN_PAGES = {
    "admin:login",
    "login",
    "accounts:login",
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
}


def reached(response) -> bool:
    """The owner got through: not "not found", not "method not allowed" (the line asked the view the wrong way), and
    not sent away to sign in (which would mean the line is wrong)."""
    return (
        response.status_code not in (404, 405)
        and response.status_code < 500
        and not _redirects_to(response, SIGN_IN_PAGES)
    )


# --- The table -------------------------------------------------------------------------------------------------------


@dataclass
class Line:
    kwargs: object  # World -> dict of URL kwargs, or a list of them
    owner: str  # the World attribute of a user who may open it
    refused: list[tuple[str, object]] = field(default_factory=list)  # (World user attribute, expectation)
    # The methods the view answers. Each is tried as every refused user; a 405 to any of them is a failure (the
    # walk would otherwise learn nothing about that method). The owner opens it with GET, or POST if it takes
    # nothing else.
    methods: tuple[str, ...] = ("get", "post")


def post_only(line: Line) -> Line:
    """A view behind require_POST: a GET is refused before any lookup, so the walk POSTs it, owner included."""
    line.methods = ("post",)
    return line


def applicant(kwargs) -> Line:
    return Line(kwargs, owner="applicant_a", refused=[("applicant_b", not_found), ("provider_b", not_found)])


def provider(kwargs) -> Line:
    return Line(kwargs, owner="provider_a", refused=[("provider_b", not_found), ("applicant_b", not_found)])


def staff(kwargs) -> Line:
    return Line(kwargs, owner="staff", refused=[("applicant_b", forbidden), ("provider_b", forbidden)])


def own_export(kwargs) -> Line:
    return Line(kwargs, owner="staff", refused=[("applicant_b", forbidden), ("other_staff", not_found)])


TASKS = ("organisation", "project", "budget", "documents", "declarations")

OWNED: dict[str, Line] = {
    # Applicants: organisation A's application, documents, questions and organisation page.
    "applications:detail": applicant(lambda w: {"pk": w.application.pk}),
    "applications:check": applicant(lambda w: {"pk": w.application.pk}),
    "applications:confirmation": applicant(lambda w: {"pk": w.application.pk}),
    "applications:withdraw": applicant(lambda w: {"pk": w.application.pk}),
    "applications:accept_award": applicant(lambda w: {"pk": w.awarded.pk}),
    "applications:respond": applicant(lambda w: {"pk": w.application.pk, "request_pk": w.question.pk}),
    "applications:download": applicant(lambda w: {"pk": w.application.pk, "document_pk": w.document.pk}),
    "applications:task": applicant(lambda w: [{"pk": w.application.pk, "task": t} for t in TASKS]),
    "applications:organisation": applicant(lambda w: {"pk": w.application.organisation_id}),
    "applications:grant_report": applicant(lambda w: {"pk": w.awarded.pk, "report_pk": w.grant_report.pk}),
    # Providers: provider A's services, contract documents and returns.
    "providers:service": provider(lambda w: {"pk": w.side_a.service.pk}),
    "providers:service_document": provider(
        lambda w: {"pk": w.side_a.service.pk, "document_pk": w.contract.pk}
    ),
    "providers:return": provider(lambda w: {"pk": w.side_a.ret.pk}),
    "providers:return_edit": provider(lambda w: {"pk": w.side_a.ret.pk}),
    "providers:return_send_for_sign_off": post_only(provider(lambda w: {"pk": w.side_a.ret.pk})),
    "providers:return_sign_off": post_only(provider(lambda w: {"pk": w.side_a.ret.pk})),
    "providers:return_send_back": post_only(provider(lambda w: {"pk": w.side_a.ret.pk})),
    "providers:claim_new": provider(lambda w: {"pk": w.side_a.service.pk}),
    "providers:claim": provider(lambda w: {"pk": w.claim.pk}),
    # OPCC staff pages.
    "funds:budget": staff(lambda w: {"pk": w.application.round.budget_id}),
    "applications:staff_detail": staff(lambda w: {"pk": w.submitted.pk}),
    "applications:staff_action": staff(lambda w: {"pk": w.submitted.pk, "action": "screen"}),
    "needs:assessment": staff(lambda w: {"pk": w.needs.pk}),
    "needs:adopt": staff(lambda w: {"pk": w.needs.pk}),
    "needs:export": post_only(staff(lambda w: {"pk": w.needs.pk})),
    "funder_returns:detail": staff(lambda w: {"pk": w.funder_return.pk}),
    "funder_returns:move": post_only(staff(lambda w: {"pk": w.funder_return.pk})),
    "funder_returns:rebuild": post_only(staff(lambda w: {"pk": w.funder_return.pk})),
    "funder_returns:download": post_only(staff(lambda w: {"pk": w.funder_return.pk})),
    "applications:staff_grant_report": staff(lambda w: {"pk": w.grant_report.pk}),
    "applications:staff_grant_report_review": post_only(staff(lambda w: {"pk": w.grant_report.pk})),
    "providers:staff_return": staff(lambda w: {"pk": w.side_a.ret.pk}),
    "providers:staff_measure_chart": staff(lambda w: {"pk": w.measure.pk}),
    "providers:staff_claim": staff(lambda w: {"pk": w.claim.pk}),
    # Exports: only the member of staff who asked for one.
    "exports:job": own_export(lambda w: {"pk": w.export.pk}),
    "exports:download": own_export(lambda w: {"pk": w.export.pk}),
}

PUBLIC: dict[str, str] = {
    "applications:round": "a round's page is public once the round opens (applications.views.public)",
    "applications:eligibility": "the eligibility check is public, like the round it belongs to",
    "applications:start": "any signed-in organisation may start an application to an open round",
    "applications:accept_invitation": "the unguessable token is the capability; accepting checks the invited email",
    "accounts:verify": "a signed, single-use email verification link: the token is the capability",
    "password_reset_confirm": "Django's signed password reset link: the token is the capability",
    "accounts:password_reset_confirm": "the same link, served by accounts.views.ResetPasswordView",
    "transparency:decision": "published PCC decisions are public by design; confidential ones show the number only",
}


def walked_patterns() -> dict[str, str]:
    """Every pattern outside the admin that takes a parameter: name (namespace:name) -> route."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespaces: list[str], inherited: bool):
        for pattern in patterns:
            params = bool(getattr(pattern.pattern, "converters", None)) or bool(pattern.pattern.regex.groups)
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue  # staff only; see test_people_who_are_not_staff_get_nothing_from_the_admin
                walk(
                    pattern.url_patterns,
                    route,
                    namespaces + ([pattern.namespace] if pattern.namespace else []),
                    inherited or params,
                )
            elif params or inherited:
                found[":".join([*namespaces, pattern.name]) if pattern.name else route] = route

    walk(get_resolver().url_patterns, "", [], False)
    return found


# --- The objects: organisation A's and provider A's, and people from B ---------------------------------------------


class World:
    def __init__(self):
        self.staff = UserFactory(is_staff=True, is_superuser=True, email="owner-of-exports@opcc.example")
        self.other_staff = UserFactory(is_staff=True, is_superuser=True, email="colleague@opcc.example")
        round_ = RoundFactory()
        organisation_a = OrganisationFactory(name="Organisation A", area=round_.areas.first())
        self.applicant_a = member_of(organisation_a)
        self.application = complete_application(
            round_=round_, organisation=organisation_a, user=self.applicant_a
        )
        self.document = self.application.documents.first()
        self.question = InformationRequest.objects.create(
            application=self.application, question="Why?", asked_by=self.staff
        )
        self.awarded = approved_award(
            round_=round_, organisation=organisation_a, user=self.applicant_a
        ).application
        Application.objects.filter(pk=self.awarded.pk).update(status=Status.AWARDED)
        self.submitted = self.awarded  # any application staff can open
        self.grant_report = GrantReport.objects.create(
            award=self.awarded.award,
            period_start=datetime.date(2024, 4, 1),
            period_end=datetime.date(2025, 3, 31),
            due_on=datetime.date(2025, 4, 30),
        )
        self.applicant_b = member_of(OrganisationFactory(name="Organisation B"))

        templates = ready_templates.install()
        period = PeriodFactory(template=templates[ready_templates.VICTIMS_SERVICES])
        self.side_a = make_side("Provider A", period)
        self.provider_a = self.side_a.preparer
        self.provider_b = make_side("Provider B", period).preparer
        self.contract = ServiceDocument.objects.create(
            service=self.side_a.service,
            title="Contract",
            file=SimpleUploadedFile("contract.pdf", b"%PDF-1.4", content_type="application/pdf"),
        )
        self.measure = (
            Measure.objects.filter(template=period.template).exclude(kind=Measure.Kind.TEXT).first()
        )
        from providers import claims as provider_claims
        from providers import services as provider_services

        line = BudgetLineFactory(budget__year=period.year)
        funding = provider_services.fund_service(
            service=self.side_a.service, line_id=line.pk, amount=line.amount
        )
        self.claim = provider_claims.submit_claim(
            service_id=self.side_a.service.pk,
            funding_id=funding.pk,
            amount=line.amount,
            reported_spend=None,
            note="",
            by=self.provider_a,
        )

        from needs import services as needs_services

        self.needs = needs_services.create_assessment(
            name="IDVA", pot_line=BudgetLineFactory(), by=self.staff
        )
        self.funder_return = _funder_return(period, self.staff)
        self.export = ExportJob.objects.create(
            kind="applications.list",
            title="Applications",
            requested_by=self.staff,
            status=ExportJob.Status.READY,
            filename="applications.xlsx",
        )
        self.export.file.save("applications.xlsx", ContentFile(b"PK\x03\x04"), save=True)


def _funder_return(period, by):
    """A funder return for the half year holding the period, built by `by`."""
    from funder_returns import services as funder_returns
    from funder_returns.models import ReturnTemplate

    template = ReturnTemplate.objects.create(
        name="Victims grant return", funder="Ministry", monitoring_template=period.template
    )
    return funder_returns.prepare_return(
        template_id=template.pk, year_id=period.year_id, period_code="H1", by=by
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    if user.is_staff:
        # Staff pages sit behind the second factor; these tests are about who owns what, not about 2FA.
        from accounts.two_factor import VERIFIED_SESSION_KEY

        session = client.session
        session[VERIFIED_SESSION_KEY] = True
        session.save()
    return client


POST_DATA = {"action": "continue", "reason": "x", "response": "x", "comment": "x", "rows": "3"}


def _describe(method: str, url: str, who: str, response) -> str:
    where = f" -> {response.url}" if response.status_code in (301, 302) else ""
    return f"{method} {url} as {who}: {response.status_code}{where}"


# --- The tests -------------------------------------------------------------------------------------------------------


def test_every_url_with_a_parameter_is_walked():
    patterns = walked_patterns()
    missing = sorted(set(patterns) - set(OWNED) - set(PUBLIC))
    assert not missing, (
        "These URL patterns take a parameter but are in neither OWNED nor PUBLIC in tests/test_url_walk.py; add a line "
        "for each:\n" + "\n".join(f"  {name}  ({patterns[name]})" for name in missing)
    )
    stale = sorted((set(OWNED) | set(PUBLIC)) - set(patterns))
    assert not stale, f"Lines for patterns that no longer exist: {stale}"
    assert not set(OWNED) & set(PUBLIC)


def test_nobody_reaches_another_organisations_or_providers_objects_by_id():
    world = World()
    clients = {
        who: signed_in(getattr(world, who))
        for who in ("applicant_a", "applicant_b", "provider_a", "provider_b", "staff", "other_staff")
    }
    failures, walked = [], 0
    for name, line in sorted(OWNED.items()):
        kwargs_list = line.kwargs(world)
        for kwargs in kwargs_list if isinstance(kwargs_list, list) else [kwargs_list]:
            url = reverse(name, kwargs=kwargs)
            walked += 1
            for who, expected in line.refused:
                for method in line.methods:
                    response = getattr(clients[who], method)(url, POST_DATA if method == "post" else None)
                    if response.status_code == 405:
                        failures.append(
                            f"{_describe(method.upper(), url, who, response)} (the line says the view takes "
                            f"{method.upper()}: fix its methods, so the walk tests what the view does)"
                        )
                    elif not expected(response):
                        failures.append(
                            f"{_describe(method.upper(), url, who, response)} (expected {expected.__name__})"
                        )
            method = "get" if "get" in line.methods else "post"
            response = getattr(clients[line.owner], method)(url, POST_DATA if method == "post" else None)
            if not reached(response):
                failures.append(
                    f"{_describe(method.upper(), url, line.owner, response)} (the owner must reach it)"
                )
    assert not failures, f"{len(failures)} of the walked URLs misbehaved:\n" + "\n".join(failures)
    assert walked >= len(OWNED)


def test_people_who_are_not_staff_get_nothing_from_the_admin():
    world = World()
    failures = []
    urls = [reverse("admin:index")]
    urls += [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry
    ]
    urls.append(reverse("admin:applications_application_change", args=[world.application.pk]))
    for who in ("applicant_a", "provider_a"):
        client = signed_in(getattr(world, who))
        for url in urls:
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                if not admin_sign_in(response):
                    failures.append(_describe(method.upper(), url, who, response))
    assert not failures, "Non-staff users reached the admin:\n" + "\n".join(failures)
    assert len(urls) > 10
