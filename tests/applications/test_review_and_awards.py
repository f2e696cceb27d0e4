from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail

from applications import services
from applications.models import STATUS_CHANGED, Application, Award, Status
from applications.selectors import status_changes
from applications.workflow import TRANSITIONS, TransitionNotAllowed
from audit.selectors import trail_of
from funds.models import BudgetLine
from funds.selectors import line_committed
from tests.applications.factories import (
    RoundFactory,
    approved_award,
    area_line,
    finance_officer,
    grants_officer,
    submitted_application,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return grants_officer(full_name="Grace Officer")


@pytest.fixture
def finance(db):
    return finance_officer(full_name="Fran Finance")


def _to_assessment(application, staff):
    return services.screen(
        application_id=application.pk, eligible=True, reason="Meets the criteria", by=staff
    )


def test_screening_fail_records_who_when_and_why_and_tells_the_applicant(
    staff, django_capture_on_commit_callbacks
):
    application = submitted_application()
    with django_capture_on_commit_callbacks(execute=True):
        services.screen(
            application_id=application.pk, eligible=False, reason="Project is outside the area", by=staff
        )
    event = status_changes(application)[-1]
    assert (event.from_status, event.to_status, event.by, event.reason) == (
        Status.SUBMITTED,
        Status.INELIGIBLE,
        staff,
        "Project is outside the area",
    )
    assert "Not eligible" in mail.outbox[-1].subject and "Project is outside the area" in mail.outbox[-1].body


def test_a_move_not_in_the_table_is_refused():
    application = submitted_application()
    assert (Status.SUBMITTED, Status.AWARDED) not in TRANSITIONS
    from django.db import transaction

    from applications.workflow import move

    with (
        pytest.raises(TransitionNotAllowed, match="“Checking eligibility” cannot become “Awarded”"),
        transaction.atomic(),
    ):
        move(application, Status.AWARDED, by=finance_officer())
    with pytest.raises(TransitionNotAllowed, match="permission to screen"), transaction.atomic():
        move(application, Status.IN_ASSESSMENT, by=application.created_by)  # right move, wrong person
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_approving_an_application_never_recommended_is_refused_even_where_a_decision_threshold_applies(staff):
    # A stale or crafted "approve" on an application still in assessment: it has no recommended amount to compare
    # with the round's decision threshold, and the lifecycle refuses the move (it once failed with a TypeError, a 500).
    application = submitted_application()
    Application.objects.filter(pk=application.pk).update(recommended_amount=None)
    application.round.decision_required_over = Decimal("1000")
    application.round.save(update_fields=["decision_required_over"])
    _to_assessment(application, staff)

    with pytest.raises(TransitionNotAllowed):
        services.decide(application_id=application.pk, approve=True, reason="Approved", by=staff)

    application.refresh_from_db()
    assert (
        application.status == Status.IN_ASSESSMENT
        and not Award.objects.filter(application=application).exists()
    )


def test_a_declared_conflict_takes_the_assessor_off_the_application(staff, client):
    application = submitted_application()
    _to_assessment(application, staff)
    assessment = services.declare_conflict(
        application_id=application.pk, assessor=staff, has_conflict=True, details="I chair its board"
    )
    with pytest.raises(services.ReviewError, match="conflict"):
        services.score_application(assessment_id=assessment.pk, scores={}, by=staff)
    client.force_login(staff)
    page = client.get(f"/staff/applications/{application.pk}/").content.decode()
    assert "answers and documents are hidden from you" in page
    assert "Street patrols." not in page
    document = application.documents.first()
    assert client.get(f"/applications/{application.pk}/documents/{document.pk}/").status_code == 404


def test_during_assessment_the_answers_open_only_after_the_declaration(staff, client):
    application = submitted_application()
    _to_assessment(application, staff)
    client.force_login(staff)
    page = client.get(f"/staff/applications/{application.pk}/").content.decode()
    assert "Declare any conflict of interest below" in page and "Street patrols." not in page
    services.declare_conflict(application_id=application.pk, assessor=staff, has_conflict=False)
    assert "Street patrols." in client.get(f"/staff/applications/{application.pk}/").content.decode()


def test_scores_then_a_recommendation_that_differs_from_the_request(staff):
    application = submitted_application(amount=Decimal("5000"))
    _to_assessment(application, staff)
    assessment = services.declare_conflict(application_id=application.pk, assessor=staff, has_conflict=False)
    criteria = list(application.round.criteria.all())
    services.score_application(
        assessment_id=assessment.pk, scores={c.pk: (4, "Good") for c in criteria}, by=staff
    )
    services.recommend(application_id=application.pk, amount=Decimal("4000"), reason="Trim the kit", by=staff)
    application.refresh_from_db()
    assert application.status == Status.RECOMMENDED and application.recommended_amount == Decimal("4000")


def test_a_recommendation_needs_a_finished_assessment(staff):
    application = submitted_application()
    _to_assessment(application, staff)
    with pytest.raises(services.ReviewError, match="At least one assessor"):
        services.recommend(application_id=application.pk, amount=Decimal("1000"), reason="x", by=staff)


def test_more_information_goes_back_to_where_it_was_once_answered(staff, django_capture_on_commit_callbacks):
    application = submitted_application()
    _to_assessment(application, staff)
    with django_capture_on_commit_callbacks(execute=True):
        info = services.request_information(
            application_id=application.pk, question="Send your latest accounts?", by=staff
        )
    assert "Send your latest accounts?" in mail.outbox[-1].body
    services.respond_to_request(request_id=info.pk, response="Attached", by=application.created_by)
    application.refresh_from_db()
    assert application.status == Status.IN_ASSESSMENT


def test_approving_an_award_commits_its_money_and_sends_the_letter(
    finance, django_capture_on_commit_callbacks
):
    award = approved_award(amount=Decimal("2500"))
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_award(award_id=award.pk, by=finance)
    award.refresh_from_db()
    assert award.status == Award.Status.COMMITTED and award.commitment.amount == Decimal("2500")
    assert award.commitment.content_type == ContentType.objects.get_for_model(Award)
    assert line_committed(award.line_id) == Decimal("2500")
    assert award.application.status == Status.AWARDED
    assert [p.amount for p in award.payments.all()] == [Decimal("2500")]
    assert "award letter" in mail.outbox[-1].subject and "£2,500" in mail.outbox[-1].body


def test_approval_is_refused_with_what_remains_when_the_line_is_full(finance):
    round_ = RoundFactory()
    line = area_line(round_, amount="1500")
    award = approved_award(round_=round_, amount=Decimal("2000"), line=line)
    with pytest.raises(
        services.AwardError, match="has £1,500 left to commit, which is £500 less than the £2,000"
    ):
        services.approve_award(award_id=award.pk, by=finance)
    award.refresh_from_db()
    assert award.status == Award.Status.AWAITING_FINANCE and line_committed(line.pk) == 0


def test_a_ring_fence_can_never_be_exceeded(finance):
    round_ = RoundFactory()
    fence_line = BudgetLine.objects.create(
        budget=round_.budget, kind=BudgetLine.Kind.RING_FENCE, name="Hate crime", amount=Decimal("3000")
    )
    first = approved_award(round_=round_, amount=Decimal("2000"), line=fence_line)
    second = approved_award(round_=round_, amount=Decimal("2000"), line=fence_line)
    services.approve_award(award_id=first.pk, by=finance)
    with pytest.raises(services.AwardError, match=r"Hate crime .* has £1,000 left"):
        services.approve_award(award_id=second.pk, by=finance)


def test_bulk_approval_is_all_or_nothing_and_names_the_refused_award(finance):
    round_ = RoundFactory()
    line = area_line(round_, amount="2500")
    awards = [approved_award(round_=round_, amount=Decimal("1000"), line=line) for _ in range(3)]
    with pytest.raises(services.AwardError) as refused:
        services.approve_awards(award_ids=[a.pk for a in awards], by=finance)
    message = str(refused.value)
    assert message.startswith("Nothing was approved.")
    assert awards[2].application.reference in message and "£500 left to commit" in message
    assert line_committed(line.pk) == 0
    assert not Award.objects.exclude(status=Award.Status.AWAITING_FINANCE).exists()
    assert Application.objects.filter(status=Status.AWARDED).count() == 0


def test_instalments_split_the_award_exactly_and_payments_are_recorded(finance):
    award = approved_award(amount=Decimal("1000"))
    award.schedule, award.instalments = Award.Schedule.INSTALMENTS, 3
    award.save()
    services.approve_award(award_id=award.pk, by=finance)
    payments = list(award.payments.all())
    assert [p.amount for p in payments] == [Decimal("333.33"), Decimal("333.33"), Decimal("333.34")]
    with pytest.raises(services.AwardError, match="has not been accepted"):
        services.mark_payment_made(award_payment_id=payments[0].pk, paid_on=payments[1].due_on, by=finance)
    services.accept_award(award_id=award.pk, by=award.application.created_by)
    award.refresh_from_db()
    for p in payments:  # paid early, all today: a payment is dated when the money left, never in the future
        services.mark_payment_made(award_payment_id=p.pk, paid_on=award.approved_at.date(), by=finance)
    award.refresh_from_db()
    assert award.status == Award.Status.PAID
    with pytest.raises(services.AwardError, match="already marked as made"):
        services.mark_payment_made(award_payment_id=payments[0].pk, paid_on=payments[1].due_on, by=finance)


def test_admin_bulk_approval_action_reports_the_refusal(client, staff):
    staff.is_superuser = True
    staff.save()
    round_ = RoundFactory()
    line = area_line(round_, amount="1500")
    awards = [approved_award(round_=round_, amount=Decimal("1000"), line=line) for _ in range(2)]
    client.force_login(staff)
    response = client.post(
        "/admin/applications/award/",
        {"action": "approve_selected", "_selected_action": [a.pk for a in awards]},
        follow=True,
    )
    page = response.content.decode()
    assert "Nothing was approved." in page and "£500 left to commit" in page
    assert line_committed(line.pk) == 0


def test_every_status_change_is_recorded_once(finance):
    award = approved_award(amount=Decimal("1000"))
    services.approve_award(award_id=award.pk, by=finance)
    # One audit event per move, and no second trail: nothing else about the application records a status.
    assert [e.action for e in trail_of(award.application) if "status" in (e.after or {})] == [
        STATUS_CHANGED
    ] * 5
    moves = [(m.from_status, m.to_status) for m in status_changes(award.application)]
    assert moves == [
        ("draft", "submitted"),
        ("submitted", "in_assessment"),
        ("in_assessment", "recommended"),
        ("recommended", "approved"),
        ("approved", "awarded"),
    ]
