"""Every applications form that offers a choice of objects refuses an id from outside what it offers, changing nothing.

A browser only sends the ids on the page, but anyone can post any id. Each test posts another organisation's (or
round's, or budget's) object and checks it is refused and nothing changed, then posts the same data with the right
object and checks it is taken, so the refusal is known to come from the choice and nothing else.
"""

from decimal import Decimal

import pytest

from applications.models import Application, Award, Organisation, RoundRingFence, Status
from funds.models import Area, BudgetLine
from tests.applications.factories import (
    OrganisationFactory,
    RoundFactory,
    area_line,
    member_of,
    move_as_staff,
    submitted_application,
)
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_():
    return RoundFactory()


@pytest.fixture
def applicant(client, round_):
    user = member_of(OrganisationFactory(area=round_.areas.first()))
    client.force_login(user)
    return user


def test_starting_an_application_for_another_organisation_is_refused(client, round_, applicant):
    theirs = OrganisationFactory(name="Someone Else's Trust")
    member_of(theirs)
    refused = client.post(f"/rounds/{round_.slug}/apply/", {"organisation": theirs.pk})
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    assert not Application.objects.exists()

    own = applicant.memberships.get().organisation
    assert client.post(f"/rounds/{round_.slug}/apply/", {"organisation": own.pk}).status_code == 302
    assert list(Application.objects.values_list("organisation", flat=True)) == [own.pk]


def _project(round_, area, **extra):
    return {
        "project_title": "Safer parks",
        "project_summary": "Evening patrols in the park.",
        "area": area.pk,
        "amount_requested": "5000",
        **{f"q_{q.pk}": "Young people" for q in round_.questions.all()},
        "action": "continue",
        **extra,
    }


def _draft(applicant, round_):
    return Application.objects.create(
        round=round_, organisation=applicant.memberships.get().organisation, created_by=applicant
    )


def test_a_project_area_outside_the_round_is_refused(client, round_, applicant):
    application = _draft(applicant, round_)
    elsewhere = RoundFactory().areas.first()
    url = f"/applications/{application.pk}/project/"
    refused = client.post(url, _project(round_, elsewhere))
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    application.refresh_from_db()
    assert application.area_id is None  # the valid answers are kept, as on any page saved with an error

    assert client.post(url, _project(round_, round_.areas.first())).status_code == 302
    application.refresh_from_db()
    assert application.area == round_.areas.first()


def _ring_fence(round_, theme):
    line = BudgetLine.objects.create(
        budget=round_.budget, kind=BudgetLine.Kind.RING_FENCE, name=f"{theme} line", amount=Decimal("5000")
    )
    return RoundRingFence.objects.create(round=round_, theme=theme, line=line)


def test_a_ring_fence_of_another_round_is_refused(client, round_, applicant):
    ours = _ring_fence(round_, "Knife crime")
    other_round = RoundFactory()
    theirs = _ring_fence(other_round, "Rural crime")
    application = _draft(applicant, round_)
    url = f"/applications/{application.pk}/project/"
    refused = client.post(url, _project(round_, round_.areas.first(), ring_fence=theirs.pk))
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    application.refresh_from_db()
    assert application.ring_fence_id is None

    assert client.post(url, _project(round_, round_.areas.first(), ring_fence=ours.pk)).status_code == 302
    application.refresh_from_db()
    assert application.ring_fence_id == ours.pk


def test_an_eligibility_area_outside_the_round_is_refused(client, round_):
    elsewhere = RoundFactory().areas.first()
    answers = {"organisation_type": "constituted_group", **{f"has_{r}": "yes" for r in round_.requirements}}
    refused = client.post(f"/rounds/{round_.slug}/eligibility/", {**answers, "area": elsewhere.pk})
    assert "Select a valid choice" in refused.content.decode()
    allowed = client.post(f"/rounds/{round_.slug}/eligibility/", {**answers, "area": round_.areas.first().pk})
    assert "Select a valid choice" not in allowed.content.decode()


def test_an_organisation_cannot_be_based_in_an_area_that_is_not_a_policing_area(client):
    client.force_login(UserFactory())
    data = {"name": "Park Friends", "type": "constituted_group", "address": "1 High Street"}
    not_policing = AreaFactory(kind=Area.Kind.LOCAL_AUTHORITY)
    refused = client.post("/organisations/new/", {**data, "area": not_policing.pk})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert not Organisation.objects.exists()

    policing = AreaFactory(kind=Area.Kind.LOCAL_POLICING_AREA)
    assert client.post("/organisations/new/", {**data, "area": policing.pk}).status_code == 302
    assert list(Organisation.objects.values_list("area", flat=True)) == [policing.pk]


def test_approving_against_a_line_of_another_rounds_budget_is_refused(client, round_):
    application = submitted_application(round_=round_, amount=Decimal("1000"))
    application.recommended_amount = Decimal("1000")
    move_as_staff(application, Status.IN_ASSESSMENT, Status.RECOMMENDED)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    theirs = area_line(RoundFactory())
    decide = {"decide-outcome": "approve", "decide-reason": "Strong bid"}
    url = f"/staff/applications/{application.pk}/decide/"
    refused = client.post(url, {**decide, "decide-line": theirs.pk})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    application.refresh_from_db()
    assert application.status == Status.RECOMMENDED and not Award.objects.exists()

    ours = area_line(round_)
    assert client.post(url, {**decide, "decide-line": ours.pk}).status_code == 302
    assert list(Award.objects.values_list("line", flat=True)) == [ours.pk]
