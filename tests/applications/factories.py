import datetime
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts import roles
from applications.models import (
    Application,
    Award,
    Criterion,
    Membership,
    Organisation,
    Question,
    Round,
    Section,
    Status,
)
from funds.models import BudgetLine
from tests.factories import AreaFactory, BudgetFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + b"\x00" * 32


def pdf(name="document.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Round
        skip_postgeneration_save = True

    budget = factory.SubFactory(BudgetFactory, pot=Decimal("400000"))
    name = factory.Sequence(lambda n: f"Community Fund round {n}")
    slug = factory.Sequence(lambda n: f"community-fund-{n}")
    reference_prefix = "HCF"
    summary = "Grants for community safety projects run by local groups."
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=7))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=21))
    minimum_grant = Decimal("500")
    maximum_grant = Decimal("10000")
    organisation_types = ["registered_charity", "cio", "constituted_group", "cic"]
    requirements = ["governing_document", "safeguarding_policy", "bank_account"]
    contact_email = "grants@opcc.example"

    @factory.post_generation
    def areas(self, create, extracted, **kwargs):
        for area in extracted or [AreaFactory()]:
            self.areas.add(area)

    @factory.post_generation
    def criteria(self, create, extracted, **kwargs):
        if extracted is None:
            Criterion.objects.create(round=self, order=1, name="Need", weight=2)
            Criterion.objects.create(round=self, order=2, name="Value for money", weight=1)

    @factory.post_generation
    def questions(self, create, extracted, **kwargs):
        if extracted is None:
            section = Section.objects.create(round=self, order=1, title="About the people you help")
            Question.objects.create(
                round=self,
                section=section,
                order=1,
                text="Who will benefit from your project?",
                max_words=100,
            )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Friends of Park {n}")
    type = "constituted_group"
    address = "1 High Street\nCoventry\nCV1 1AA"
    area = factory.SubFactory(AreaFactory)


def member_of(organisation, user=None, role=Membership.Role.OWNER):
    user = user or UserFactory()
    Membership.objects.create(organisation=organisation, user=user, role=role)
    return user


def area_line(round_, area=None, amount="10000"):
    area = area or round_.areas.first()
    return BudgetLine.objects.create(
        budget=round_.budget,
        kind=BudgetLine.Kind.AREA,
        area=area,
        name=f"{area.name} {BudgetLine.objects.count()}",
        amount=Decimal(amount),
    )


def complete_application(round_=None, organisation=None, amount=Decimal("5000"), user=None, **fields):
    """A draft with every task done, ready to submit."""
    round_ = round_ or RoundFactory()
    organisation = organisation or OrganisationFactory(area=round_.areas.first())
    user = user or member_of(organisation)
    from applications.services import current_form_version

    version = current_form_version(round_id=round_.pk)
    application = Application.objects.create(
        form_version=version,
        round=round_,
        organisation=organisation,
        created_by=user,
        contact_name="Sam Jones",
        contact_phone="07700 900 982",
        meets_requirements=list(round_.requirements),
        project_title="Safer streets",
        project_summary="Street patrols.",
        area=round_.areas.first(),
        amount_requested=amount,
        answers={str(q.pk): "Young people" for q in round_.questions.all()},
        declared_by_name="Sam Jones",
        declared_at=timezone.now(),
        completed_tasks=["organisation", "project"]
        + [s["key"] for s in version.definition["sections"]]
        + ["budget", "documents", "declarations"],
        **fields,
    )
    application.budget_items.create(order=1, description="Hi-vis jackets", amount=amount)
    from applications.services import save_document

    for kind in ("governing_document", "safeguarding_policy", "accounts"):
        save_document(application=application, kind=kind, upload=pdf(f"{kind}.pdf"), by=user)
    return application


def submitted_application(**kwargs):
    from applications.services import submit_application

    application = complete_application(**kwargs)
    return submit_application(application_id=application.pk, by=application.created_by)


def staff_in(role_name: str, **fields):
    """A member of staff holding one of the office's roles (accounts.roles), as an administrator would set them up."""
    from django.contrib.auth.models import Group

    from accounts.roles import sync_roles

    sync_roles()  # the groups exist after migrate; a transactional test's flush may have emptied them
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=role_name))
    return user


def grants_officer(**fields):
    return staff_in(roles.GRANTS_OFFICER, **fields)


def assessor(**fields):
    return staff_in(roles.ASSESSOR, **fields)


def finance_officer(**fields):
    return staff_in(roles.FINANCE_OFFICER, **fields)


def finance_approver(**fields):
    return staff_in(roles.FINANCE_APPROVER, **fields)


def move_as_staff(application, *statuses, officer=None, panel=None):
    """Walk `application` through `statuses` as the office would: `officer` screens and recommends, a different
    grants officer (`panel`) records the decision."""
    from django.db import transaction

    from applications.workflow import move

    officer = officer or grants_officer()
    panel = panel or grants_officer()
    for to in statuses:
        with transaction.atomic():
            by = panel if to in (Status.APPROVED, Status.DECLINED) else officer
            move(application, to, by=by, reason="test")
    return application


def approved_award(round_=None, amount=Decimal("1000"), line=None, **kwargs):
    """An application approved by the panel whose award awaits finance."""
    round_ = round_ or RoundFactory()
    application = submitted_application(round_=round_, amount=amount, **kwargs)
    application.recommended_amount = amount
    move_as_staff(application, Status.IN_ASSESSMENT, Status.RECOMMENDED, Status.APPROVED)
    return Award.objects.create(application=application, amount=amount, line=line or area_line(round_))
