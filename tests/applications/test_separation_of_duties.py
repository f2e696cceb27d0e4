"""Separation of duties (applications.duties): nobody approves their own work, a conflict takes a person off the
application, assessors score blind, and a large award needs two different finance approvers."""

from decimal import Decimal

import pytest
from django.db import transaction

from applications import services
from applications.models import Application, Award, Status
from applications.workflow import TransitionNotAllowed, move
from audit.selectors import trail_of
from funds.models import Commitment, Office
from funds.selectors import line_committed
from tests.applications.factories import (
    approved_award,
    area_line,
    assessor,
    finance_approver,
    finance_officer,
    grants_officer,
    move_as_staff,
    submitted_application,
)
from tests.concurrency import race, refused, succeeded

pytestmark = pytest.mark.django_db


def office(**settings) -> Office:
    return Office.objects.create(name="Office of the PCC", short_name="OPCC", **settings)


def scored(application, *people):
    """Screened, then each person declares no conflict and scores every criterion 4."""
    services.screen(application_id=application.pk, eligible=True, reason="Eligible", by=grants_officer())
    criteria = list(application.round.criteria.all())
    for person in people:
        assessment = services.declare_conflict(
            application_id=application.pk, assessor=person, has_conflict=False
        )
        services.score_application(
            assessment_id=assessment.pk, scores={c.pk: (4, "Good") for c in criteria}, by=person
        )
    return application


def with_area_line(amount=Decimal("1000")):
    application = submitted_application(amount=amount)
    area_line(application.round)
    return application


def recommended(by, amount=Decimal("1000")):
    application = scored(with_area_line(amount), assessor())
    services.recommend(application_id=application.pk, amount=amount, reason="Strong bid", by=by)
    return application


# (a) whoever recommended cannot approve the money


def test_whoever_recommended_an_application_cannot_approve_its_money():
    both = grants_officer(full_name="Rita Recommends")
    both.groups.add(*finance_officer().groups.all())  # a person holding both roles
    application = recommended(by=both)
    services.decide(application_id=application.pk, approve=True, reason="Agreed", by=grants_officer())
    award = Award.objects.get(application=application)

    with pytest.raises(
        services.AwardError, match="You recommended this application, so someone else must approve"
    ):
        services.approve_award(award_id=award.pk, by=both)
    award.refresh_from_db()
    assert award.status == Award.Status.AWAITING_FINANCE and award.commitment_id is None

    services.approve_award(award_id=award.pk, by=finance_officer())
    assert Award.objects.get(pk=award.pk).status == Award.Status.COMMITTED


# (b) whoever recommended cannot record the decision, unless the office allows it


def test_whoever_recommended_cannot_record_the_panels_decision():
    officer = grants_officer()
    application = recommended(by=officer)
    with pytest.raises(
        TransitionNotAllowed,
        match="You recommended this application, so someone else must record the decision",
    ):
        services.decide(application_id=application.pk, approve=True, reason="Agreed", by=officer)
    assert Application.objects.get(pk=application.pk).status == Status.RECOMMENDED


def test_an_office_may_let_whoever_recommended_record_the_decision():
    office(recommender_may_decide=True)
    officer = grants_officer()
    application = recommended(by=officer)
    services.decide(application_id=application.pk, approve=False, reason="No money left", by=officer)
    assert Application.objects.get(pk=application.pk).status == Status.DECLINED


# (c) a declared conflict takes the person off every later step


def test_a_declared_conflict_takes_the_person_off_every_later_step_of_that_application():
    conflicted = grants_officer()
    conflicted.groups.add(*finance_approver().groups.all())
    application = scored(with_area_line(), assessor())
    services.declare_conflict(
        application_id=application.pk, assessor=conflicted, has_conflict=True, details="I chair its board"
    )
    with pytest.raises(
        TransitionNotAllowed, match="conflict of interest with this application, so you cannot screen"
    ):
        services.request_information(application_id=application.pk, question="Accounts?", by=conflicted)
    with pytest.raises(TransitionNotAllowed, match="so you cannot recommend it"):
        services.recommend(application_id=application.pk, amount=Decimal("1000"), reason="x", by=conflicted)

    services.recommend(application_id=application.pk, amount=Decimal("1000"), reason="x", by=grants_officer())
    with pytest.raises(TransitionNotAllowed, match="so you cannot record the panel's decision on it"):
        services.decide(application_id=application.pk, approve=True, reason="x", by=conflicted)

    services.decide(application_id=application.pk, approve=True, reason="x", by=grants_officer())
    award = Award.objects.get(application=application)
    with pytest.raises(services.AwardError, match="so you cannot approve the award for it"):
        services.approve_award(award_id=award.pk, by=conflicted)
    assert Application.objects.get(pk=application.pk).status == Status.APPROVED


# (d) assessors score blind


def _page(client, user, application) -> str:
    client.force_login(user)
    return client.get(f"/staff/applications/{application.pk}/").content.decode()


def test_an_assessor_sees_other_assessors_scores_only_after_completing_their_own(client):
    first, second = assessor(full_name="First Assessor"), assessor(full_name="Second Assessor")
    application = submitted_application()
    services.screen(application_id=application.pk, eligible=True, reason="Eligible", by=grants_officer())
    criteria = list(application.round.criteria.all())
    theirs = services.declare_conflict(application_id=application.pk, assessor=first, has_conflict=False)
    services.score_application(
        assessment_id=theirs.pk, scores={c.pk: (2, "Thin evidence of need") for c in criteria}, by=first
    )

    page = _page(client, second, application)  # before declaring
    assert "Thin evidence of need" not in page
    mine = services.declare_conflict(application_id=application.pk, assessor=second, has_conflict=False)
    page = _page(client, second, application)  # declared, not yet scored
    assert "Thin evidence of need" not in page and "once you have saved your own" in page
    services.score_application(assessment_id=mine.pk, scores={c.pk: (4, "Good") for c in criteria}, by=second)
    assert "Thin evidence of need" in _page(client, second, application)


def test_a_grants_officer_who_did_not_assess_sees_every_score_unless_conflicted(client):
    application = submitted_application()
    services.screen(application_id=application.pk, eligible=True, reason="Eligible", by=grants_officer())
    criteria = list(application.round.criteria.all())
    person = assessor()
    theirs = services.declare_conflict(application_id=application.pk, assessor=person, has_conflict=False)
    services.score_application(
        assessment_id=theirs.pk, scores={c.pk: (2, "Thin evidence of need") for c in criteria}, by=person
    )
    assert "Thin evidence of need" in _page(client, grants_officer(), application)

    conflicted = grants_officer()
    services.declare_conflict(
        application_id=application.pk, assessor=conflicted, has_conflict=True, details="Trustee"
    )
    assert "Thin evidence of need" not in _page(client, conflicted, application)


# The staff page hides what a person may not do and says why


def test_the_staff_page_tells_the_recommender_someone_else_must_decide(client):
    officer = grants_officer()
    application = recommended(by=officer)
    page = _page(client, officer, application)
    assert "You recommended this application, so someone else must record the decision." in page
    assert "Record decision" not in page
    assert "Record decision" in _page(client, grants_officer(), application)


def test_the_staff_page_offers_no_action_a_role_never_takes(client):
    application = submitted_application()
    page = _page(client, assessor(), application)
    assert "Record screening" not in page and "Send question" not in page
    assert "Record screening" in _page(client, grants_officer(), application)


def test_a_posted_action_without_the_permission_is_refused_by_the_service(client):
    application = submitted_application()
    client.force_login(assessor())
    response = client.post(
        f"/staff/applications/{application.pk}/screen/", {"screen-eligible": "yes", "screen-reason": "Fine"}
    )
    assert "You do not have permission to screen applications" in response.content.decode()
    assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED


# (e) four eyes on large awards


def test_a_large_award_needs_two_different_approvers_and_records_both_names():
    office(second_signature_over=Decimal("500"))
    award = approved_award(amount=Decimal("1000"))
    first, second = finance_officer(full_name="Fran First"), finance_approver(full_name="Sam Second")

    services.approve_award(award_id=award.pk, by=first)
    award.refresh_from_db()
    assert (award.status, award.first_approved_by, award.commitment_id) == (
        Award.Status.AWAITING_FINANCE,
        first,
        None,
    )
    assert line_committed(award.line_id) == 0

    with pytest.raises(services.AwardError, match="You gave this award its first signature"):
        services.approve_award(award_id=award.pk, by=first)
    with pytest.raises(services.AwardError, match="second signature must come from a finance approver"):
        services.approve_award(award_id=award.pk, by=finance_officer())

    services.approve_award(award_id=award.pk, by=second)
    award.refresh_from_db()
    assert (award.status, award.first_approved_by, award.approved_by) == (
        Award.Status.COMMITTED,
        first,
        second,
    )
    assert line_committed(award.line_id) == Decimal("1000")
    [approved] = [e for e in trail_of(award) if e.action == "award.approved"]
    assert (
        approved.after["first_signature"] == "Fran First"
        and approved.after["second_signature"] == "Sam Second"
    )
    assert [e.actor for e in trail_of(award) if e.action == "award.first_signature"] == [first]


def test_an_award_at_or_under_the_threshold_needs_one_signature():
    office(second_signature_over=Decimal("1000"))
    award = approved_award(amount=Decimal("1000"))
    services.approve_award(award_id=award.pk, by=finance_officer())
    award.refresh_from_db()
    assert award.status == Award.Status.COMMITTED and award.first_approved_by is None


def test_the_same_person_can_never_sign_twice_even_past_the_service():
    office(second_signature_over=Decimal("500"))
    award = approved_award(amount=Decimal("1000"))
    person = finance_approver()
    services.approve_award(award_id=award.pk, by=person)
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.filter(pk=award.pk).update(approved_by=person)


@pytest.mark.django_db(transaction=True)
def test_two_approvers_signing_one_large_award_at_once_commit_it_once_with_both_names():
    office(second_signature_over=Decimal("500"))
    award = approved_award(amount=Decimal("1000"))
    approvers = [finance_approver(), finance_approver()]

    outcomes = race([lambda p=p: services.approve_award(award_id=award.pk, by=p) for p in approvers])

    assert not refused(outcomes) and len(succeeded(outcomes)) == 2
    award.refresh_from_db()
    assert award.status == Award.Status.COMMITTED
    assert {award.first_approved_by, award.approved_by} == set(approvers)
    assert Commitment.objects.filter(object_id=award.pk).count() == 1
    assert line_committed(award.line_id) == Decimal("1000")


@pytest.mark.django_db(transaction=True)
def test_one_approver_clicking_twice_at_once_gives_only_the_first_signature():
    office(second_signature_over=Decimal("500"))
    award = approved_award(amount=Decimal("1000"))
    person = finance_approver()

    outcomes = race([lambda: services.approve_award(award_id=award.pk, by=person)] * 3)

    assert len(succeeded(outcomes)) == 1
    assert all("first signature" in str(exc) for exc in refused(outcomes)) and len(refused(outcomes)) == 2
    award.refresh_from_db()
    assert (award.status, award.first_approved_by, award.approved_by) == (
        Award.Status.AWAITING_FINANCE,
        person,
        None,
    )
    assert not Commitment.objects.exists()


def test_the_same_person_screening_recommending_and_deciding_is_refused_at_the_decision():
    # The finding: one person screened, scored, recommended and decided the same application.
    officer = grants_officer()
    application = submitted_application()
    application.recommended_amount = Decimal("1000")
    move_as_staff(application, Status.IN_ASSESSMENT, Status.RECOMMENDED, officer=officer)
    with (
        pytest.raises(TransitionNotAllowed, match="someone else must record the decision"),
        transaction.atomic(),
    ):
        move(application, Status.APPROVED, by=officer, reason="x")
