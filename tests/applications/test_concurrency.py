"""Real transactions racing on PostgreSQL: each thread has its own connection."""

from decimal import Decimal

import pytest
from django.core import mail

from applications import services
from applications.models import Application, Award, Status
from applications.selectors import status_changes
from funds.selectors import line_committed
from tests.applications.factories import (
    RoundFactory,
    approved_award,
    area_line,
    assessor,
    complete_application,
    finance_officer,
    grants_officer,
)
from tests.concurrency import race, refused, succeeded

pytestmark = pytest.mark.django_db(transaction=True)


def test_racing_approvals_never_over_commit_a_line():
    finance = finance_officer()
    round_ = RoundFactory()
    line = area_line(round_, amount="5000")  # room for exactly 5 awards of £1,000
    awards = [approved_award(round_=round_, amount=Decimal("1000"), line=line) for _ in range(12)]

    outcomes = race([lambda a=a: services.approve_award(award_id=a.pk, by=finance) for a in awards])

    assert len(succeeded(outcomes)) == 5
    assert len(refused(outcomes)) == 7 and all(
        isinstance(exc, services.AwardError) for exc in refused(outcomes)
    )
    assert line_committed(line.pk) == Decimal("5000") <= line.amount
    assert Award.objects.filter(status=Award.Status.COMMITTED).count() == 5
    assert Application.objects.filter(status=Status.AWARDED).count() == 5


def test_two_concurrent_submits_make_one_submission_and_one_email():
    application = complete_application()
    user = application.created_by
    outcomes = race([lambda: services.submit_application(application_id=application.pk, by=user)] * 4)

    assert len(succeeded(outcomes)) == 1
    assert all(isinstance(exc, services.AlreadySubmitted) for exc in refused(outcomes))
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and len(status_changes(application)) == 1
    assert len(mail.outbox) == 1


def test_concurrent_submissions_to_one_round_get_distinct_references():
    round_ = RoundFactory()
    applications = [complete_application(round_=round_) for _ in range(5)]
    race(
        [lambda a=a: services.submit_application(application_id=a.pk, by=a.created_by) for a in applications]
    )
    references = set(Application.objects.values_list("reference", flat=True))
    assert len(references) == 5 and None not in references


def test_assessors_finishing_at_the_same_moment_are_all_counted_in_the_score():
    application = complete_application()
    application = services.submit_application(application_id=application.pk, by=application.created_by)
    services.screen(application_id=application.pk, eligible=True, reason="Eligible", by=grants_officer())
    criteria = list(application.round.criteria.all())  # Need (weight 2), Value for money (weight 1), out of 5
    assessors = [assessor() for _ in range(4)]
    assessments = [
        services.declare_conflict(application_id=application.pk, assessor=a, has_conflict=False)
        for a in assessors
    ]

    outcomes = race(
        [
            lambda a=a, s=s, m=m: services.score_application(
                assessment_id=s.pk, by=a, scores={criteria[0].pk: (m, "x"), criteria[1].pk: (m, "x")}
            )
            for a, s, m in zip(assessors, assessments, [5, 4, 3, 2], strict=True)
        ]
    )

    assert not refused(outcomes)
    application.refresh_from_db()
    assert application.score == Decimal("70.00")  # (15 + 12 + 9 + 6) / (4 x 3 x 5)
