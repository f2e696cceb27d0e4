"""The demo data as `./scripts/demo` loads it, the people who use it, and the few rows the demo does not make.

Every URL the harness visits is filled from here: the applicant's own application and another organisation's, the
demo provider's returns and another provider's, and so on. Nothing here is invented data for its own sake: the few
rows added (a document, an invitation, an export, a payment...) exist only because some page needs an id and the
demo has none of that kind.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

# The kinds of people, in the order they are reported. None is the anonymous visitor.
ROLES = (
    "anonymous",
    "applicant",
    "other_applicant",
    "preparer",
    "signatory",
    "finance",
    "grants",
    "commissioning",
    "superuser",
)
STAFF_ROLES = ("finance", "grants", "commissioning", "superuser")


@dataclass
class World:
    users: dict  # role -> User (None for anonymous)
    objects: dict = field(default_factory=dict)  # name -> model instance, for filling URLs
    # role -> ids of things that person does not own, for id-valued form fields ("another organisation's id")
    foreign_ids: dict = field(default_factory=dict)


def load_demo_and_people() -> World:
    """The people and objects of the walk, on a database that already holds the whole demo as `load_demo_data` leaves
    it (the session's demo database, tests/demo_database.py)."""

    from accounts.models import TwoFactorDevice, User
    from applications.models import (
        Application,
        Document,
        InformationRequest,
        Invitation,
        Membership,
        Organisation,
    )
    from exports.models import ExportJob
    from funds.models import Budget, Commitment, Decision, TransferRequest
    from funds.services import record_payment
    from providers.models import MonitoringReturn, Provider, ProviderMembership, Service, ServiceDocument

    users = dict.fromkeys(ROLES)
    users["applicant"] = User.objects.get(email="applicant@demo.pcc-grants.example")
    users["preparer"] = User.objects.get(email="provider@demo.pcc-grants.example")
    users["signatory"] = User.objects.get(email="signoff@demo.pcc-grants.example")
    users["finance"] = User.objects.get(email="finance@demo.pcc-grants.example")
    users["grants"] = User.objects.get(email="grants@demo.pcc-grants.example")
    users["commissioning"] = User.objects.get(email="commissioning@demo.pcc-grants.example")
    users["superuser"] = User.objects.create_user(
        email="robustness-superuser@opcc.example",
        password="x" * 20,
        is_staff=True,
        is_superuser=True,
        full_name="Harness Superuser",
    )

    # The organisation the demo applicant owns (they are also a member of one funded group, to write its report).
    own_org = Organisation.objects.get(memberships__user=users["applicant"], memberships__role="owner")
    # The second applicant joins an organisation the demo already has, with its own awarded application.
    other_app = (
        Application.objects.exclude(organisation=own_org)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    other_org = other_app.organisation
    users["other_applicant"] = User.objects.create_user(
        email="second-applicant@robustness.example", password="x" * 20, full_name="Second Applicant"
    )
    Membership.objects.create(
        organisation=other_org, user=users["other_applicant"], role=Membership.Role.OWNER
    )

    own_apps = list(Application.objects.filter(organisation=own_org).order_by("pk"))
    draft = next(a for a in own_apps if a.status == "draft")
    submitted = next((a for a in own_apps if a.status != "draft"), draft)

    def document(application, user, name):
        return Document.objects.create(
            application=application,
            kind=Document.Kind.GOVERNING_DOCUMENT,
            original_name=name,
            content_type="application/pdf",
            size=8,
            uploaded_by=user,
            file=ContentFile(b"%PDF-1.4", name=name),
        )

    own_doc = document(draft, users["applicant"], "constitution.pdf")
    other_doc = document(other_app, users["other_applicant"], "other-constitution.pdf")
    question = InformationRequest.objects.create(
        application=submitted, question="How many people?", asked_by=users["grants"]
    )
    other_question = InformationRequest.objects.create(
        application=other_app, question="Which venue?", asked_by=users["grants"]
    )
    invitation = Invitation.objects.create(
        organisation=own_org, email="new-member@robustness.example", invited_by=users["applicant"]
    )

    demo_provider = Provider.objects.get(memberships__user=users["preparer"])
    other_provider = (
        Provider.objects.exclude(pk=demo_provider.pk).filter(services__isnull=False).order_by("pk").first()
    )
    own_service = Service.objects.filter(provider=demo_provider).order_by("pk").first()
    other_service = Service.objects.filter(provider=other_provider).order_by("pk").first()
    own_returns = list(MonitoringReturn.objects.filter(service__provider=demo_provider).order_by("pk"))
    other_return = MonitoringReturn.objects.filter(service__provider=other_provider).order_by("pk").first()
    own_service_doc = ServiceDocument.objects.filter(
        service__provider=demo_provider
    ).first() or ServiceDocument.objects.create(
        service=own_service, title="Contract", file=ContentFile(b"%PDF-1.4", name="contract.pdf")
    )
    other_service_doc = ServiceDocument.objects.create(
        service=other_service, title="Other contract", file=ContentFile(b"%PDF-1.4", name="other.pdf")
    )

    # A claim from each provider, waiting to be checked: the claim pages and the claims admin have a row, and the
    # demo provider's people have another provider's claim id to try.
    from providers.models import Claim, ServiceFunding

    claims = {}
    for key, service in (("own_claim", own_service), ("other_claim", other_service)):
        funding = ServiceFunding.objects.filter(service=service).order_by("pk").first()
        claims[key] = Claim.objects.create(
            service=service,
            funding=funding,
            amount=Decimal("100.00"),
            reported_spend=Decimal("90.00"),
            submitted_by=users["preparer"],
        )

    export = ExportJob.objects.create(
        kind="applications.list",
        title="Applications",
        requested_by=users["finance"],
        status=ExportJob.Status.READY,
        filename="applications.xlsx",
    )
    export.file.save("applications.xlsx", ContentFile(b"PK\x03\x04"), save=True)
    commitment = Commitment.objects.filter(released_at__isnull=True).order_by("pk").first()
    record_payment(
        commitment_id=commitment.pk,
        amount=Decimal("1.00"),
        paid_on=datetime.date(2024, 6, 1),
        reference="Harness payment",
        by=users["finance"],
    )
    # A large transfer waiting for its second signature, so the transfer requests' admin pages have a row.
    from_budget, to_budget = Budget.objects.order_by("pk")[:2]
    TransferRequest.objects.create(
        from_budget=from_budget,
        to_budget=to_budget,
        amount=Decimal("12000.00"),
        note="Harness transfer",
        requested_by=users["finance"],
    )
    # A budget import the finance login uploaded, waiting for a worker, and a message waiting in the outbox.
    from funds.models import BudgetImportJob, FinancialYear
    from outbox.models import Message

    job = BudgetImportJob(
        year=FinancialYear.objects.get(start_year=2024),
        filename="lines.csv",
        reason="Harness import",
        requested_by=users["finance"],
    )
    job.file.save("lines.csv", ContentFile(b"stream,amount\n"), save=False)
    job.save()
    Message.objects.create(task_name="applications.tasks.send_invitation", args=[0])
    Group.objects.create(name="Harness group")
    TwoFactorDevice.objects.create(user=users["superuser"], secret="JBSWY3DPEHPK3PXP")
    _axes_rows()

    # Signed up, link not yet followed (accounts.models.User.awaiting_verification): the verify link's owner.
    unverified = User.objects.create_user(
        email="unverified@robustness.example", password="x" * 20, is_active=False
    )

    # The second applicant's organisation's end-of-grant report, still to fill in, and a report staff have accepted.
    from applications.models import GrantReport

    other_report = GrantReport.objects.filter(award__application=other_app).order_by("pk").first()
    accepted_report = GrantReport.objects.filter(status=GrantReport.Status.ACCEPTED).order_by("pk").first()

    objects = {
        "other_report": other_report,
        "accepted_report": accepted_report,
        "own_org": own_org,
        "other_org": other_org,
        "draft": draft,
        "submitted": submitted,
        "other_app": other_app,
        "own_doc": own_doc,
        "other_doc": other_doc,
        "question": question,
        "other_question": other_question,
        "invitation": invitation,
        "demo_provider": demo_provider,
        "other_provider": other_provider,
        "own_service": own_service,
        "other_service": other_service,
        "own_returns": own_returns,
        "other_return": other_return,
        "own_service_doc": own_service_doc,
        "other_service_doc": other_service_doc,
        "export": export,
        "unverified": unverified,
        "decision": Decision.objects.order_by("pk").first(),
        **claims,
    }
    provider_members = ProviderMembership.objects.filter(provider=demo_provider).values_list(
        "user_id", flat=True
    )
    assert {users["preparer"].pk, users["signatory"].pk} <= set(provider_members)
    foreign = {
        # What an applicant of organisation A might paste into a form: B's ids, and the other way round.
        "applicant": [other_app.pk, other_org.pk, other_doc.pk, other_question.pk, other_report.pk],
        "other_applicant": [draft.pk, own_org.pk, own_doc.pk, question.pk],
        "preparer": [
            other_return.pk,
            other_service.pk,
            other_service_doc.pk,
            other_provider.pk,
            claims["other_claim"].pk,
        ],
        "signatory": [
            other_return.pk,
            other_service.pk,
            other_service_doc.pk,
            other_provider.pk,
            claims["other_claim"].pk,
        ],
    }
    return World(users=users, objects=objects, foreign_ids=foreign)


def _axes_rows() -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    common = {
        "user_agent": "harness",
        "ip_address": "203.0.113.9",
        "username": "someone@example.org",
        "http_accept": "*/*",
        "path_info": "/accounts/login/",
    }
    AccessAttempt.objects.create(**common, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**common)
    AccessFailureLog.objects.create(**common)


def password_reset_kwargs(user) -> dict:
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }


def verification_kwargs(user) -> dict:
    from accounts.tokens import email_verification_token

    return {
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": email_verification_token.make_token(user),
    }
