"""Published grants and decisions for the public page and API tests, made straight from the models: what these tests
are about is what is shown, not how an award got approved (tests/applications covers that)."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from applications.models import Application, Award, Status
from funds.models import BudgetLine, Commitment, Decision
from tests.applications.factories import OrganisationFactory, RoundFactory
from tests.factories import UserFactory

_numbers = itertools.count(1)


def published_grant(
    round_,
    *,
    amount="1500.00",
    title="Safer walks home",
    organisation=None,
    area=None,
    status=Award.Status.COMMITTED,
    approved_on=datetime.date(2024, 7, 15),
    user=None,
    **application,
):
    """A grant finance has approved, with private details (contact, amount asked for) that must never be shown."""
    area = area or round_.areas.first()
    organisation = organisation or OrganisationFactory(area=area)
    n = next(_numbers)
    app = Application.objects.create(
        round=round_,
        organisation=organisation,
        created_by=user or UserFactory(),
        status=Status.AWARDED,
        reference=f"{round_.reference_prefix}-2425-{n:05d}",
        submitted_at=timezone.now(),
        project_title=title,
        project_summary="Private summary",
        area=area,
        amount_requested=Decimal("99999.99"),
        contact_name="PRIVATE-CONTACT-NAME",
        contact_phone="07700 900 123",
        **application,
    )
    line, _ = BudgetLine.objects.get_or_create(
        budget=round_.budget,
        kind=BudgetLine.Kind.AREA,
        area=area,
        defaults={"name": area.name, "amount": Decimal("1000000")},
    )
    if status == Award.Status.AWAITING_FINANCE:
        return Award.objects.create(application=app, amount=Decimal(amount), line=line)
    commitment = Commitment.objects.create(line=line, amount=Decimal(amount), reference=app.reference)
    approved_at = timezone.make_aware(datetime.datetime.combine(approved_on, datetime.time(10, 0)))
    return Award.objects.create(
        application=app,
        amount=Decimal(amount),
        line=line,
        status=status,
        commitment=commitment,
        approved_at=approved_at,
    )


def decision(
    number,
    *,
    confidentiality=Decision.Confidentiality.PUBLIC,
    decided_on=datetime.date(2024, 9, 12),
    title=None,
    summary="",
    description="",
    status=Decision.Status.MADE,
    budgets=(),
):
    made = Decision.objects.create(
        number=number,
        decided_on=decided_on,
        title=title or f"Decision {number}",
        confidentiality=confidentiality,
        public_summary=summary,
        public_description=description,
        status=status,
    )
    made.budgets.set(budgets)
    return made


def many_grants(count: int, round_=None):
    round_ = round_ or RoundFactory()
    user = UserFactory()
    organisation = OrganisationFactory(area=round_.areas.first())
    return [
        published_grant(round_, organisation=organisation, user=user, title=f"Project {i}")
        for i in range(count)
    ]
