"""What an applicant is told to do next follows their award once it is awarded: nobody who has accepted, or been
paid, is told to accept the award again."""

import datetime

import pytest
from django.utils import timezone

from applications.models import Award, Status
from applications.next_steps import AWARD_NEXT_STEPS, NEXT_STEPS, next_steps_for


class _Application:
    def __init__(self, status, award=None):
        self.status = status
        if award is not None:
            self.award = award


@pytest.mark.parametrize(
    ("award_status", "accepted", "expected"),
    [
        (Award.Status.COMMITTED, False, NEXT_STEPS[Status.AWARDED]),
        (Award.Status.COMMITTED, True, AWARD_NEXT_STEPS["accepted"]),
        (Award.Status.PAID, True, AWARD_NEXT_STEPS["paid"]),
        (Award.Status.CLOSED, True, AWARD_NEXT_STEPS["closed"]),
    ],
)
def test_an_awarded_application_reads_what_its_award_needs_next(award_status, accepted, expected):
    accepted_at = timezone.make_aware(datetime.datetime(2024, 6, 1)) if accepted else None
    award = Award(status=award_status, accepted_at=accepted_at)
    assert next_steps_for(_Application(Status.AWARDED, award)) == expected


def test_other_statuses_read_their_own_words():
    assert next_steps_for(_Application(Status.SUBMITTED)) == NEXT_STEPS[Status.SUBMITTED]
    assert next_steps_for(_Application(Status.AWARDED)) == NEXT_STEPS[Status.AWARDED]
