"""The whole application lifecycle, pinned: every allowed move works for a person holding the permission it needs
(or, for an applicant's move, a member of the applying organisation), and for nobody else; every other pair of
statuses is refused for everyone, leaving the status as it was.

The expected table is written out here on purpose rather than read from applications.workflow: a move added to (or
dropped from) the workflow's table must fail this test until someone decides, here too, that it is right.
"""

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction

from applications.models import Application, Status
from applications.workflow import APPLICANT, TRANSITIONS, TransitionNotAllowed, move
from tests.applications.factories import grants_officer, submitted_application
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

S = Status
SCREEN = "applications.screen_application"
RECOMMEND = "applications.recommend_application"
DECIDE = "applications.decide_application"
APPROVE_AWARD = "applications.approve_award"
CANCEL_AWARD = "applications.cancel_award"
EXPECTED: dict[tuple[str, str], str] = {
    (S.DRAFT, S.SUBMITTED): APPLICANT,
    (S.SUBMITTED, S.IN_ASSESSMENT): SCREEN,
    (S.SUBMITTED, S.INELIGIBLE): SCREEN,
    (S.SUBMITTED, S.MORE_INFORMATION): SCREEN,
    (S.IN_ASSESSMENT, S.MORE_INFORMATION): SCREEN,
    (S.MORE_INFORMATION, S.SUBMITTED): APPLICANT,
    (S.MORE_INFORMATION, S.IN_ASSESSMENT): APPLICANT,
    (S.IN_ASSESSMENT, S.RECOMMENDED): RECOMMEND,
    (S.RECOMMENDED, S.APPROVED): DECIDE,
    (S.RECOMMENDED, S.DECLINED): DECIDE,
    (S.APPROVED, S.AWARDED): APPROVE_AWARD,
    (S.APPROVED, S.AWARD_CANCELLED): CANCEL_AWARD,
    (S.AWARDED, S.AWARD_CANCELLED): CANCEL_AWARD,
    (S.DRAFT, S.WITHDRAWN): APPLICANT,
    (S.SUBMITTED, S.WITHDRAWN): APPLICANT,
    (S.MORE_INFORMATION, S.WITHDRAWN): APPLICANT,
    (S.IN_ASSESSMENT, S.WITHDRAWN): APPLICANT,
    (S.RECOMMENDED, S.WITHDRAWN): APPLICANT,
}
EVERY_PAIR = [(frm, to) for frm in S.values for to in S.values]


def holding(permission: str):
    """A member of staff holding exactly this one permission."""
    app_label, codename = permission.split(".")
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


@pytest.fixture
def people():
    """Who might try a move: the applicant, a member of staff holding each permission alone, staff holding none, and
    nobody at all (the system)."""
    application = submitted_application()
    actors = {APPLICANT: application.created_by, "staff without permissions": UserFactory(is_staff=True)}
    actors |= {p: holding(p) for p in {SCREEN, RECOMMEND, DECIDE, APPROVE_AWARD, CANCEL_AWARD}}
    actors["nobody"] = None
    return application, actors


def _attempt(application: Application, frm: str, to: str, by) -> str:
    """Put the application in `frm`, try the move as `by`; return the status stored afterwards, or 'refused'."""
    Application.objects.filter(pk=application.pk).update(status=frm)
    application.refresh_from_db()
    try:
        with transaction.atomic():
            move(application, to, by=by, reason="table test")
    except TransitionNotAllowed:
        application.refresh_from_db()
        assert application.status == frm, f"a refused {frm} -> {to} by {by} still changed the status"
        return "refused"
    application.refresh_from_db()
    return application.status


def test_the_table_is_exactly_the_agreed_lifecycle():
    assert dict(TRANSITIONS) == EXPECTED


def test_every_allowed_move_works_for_whoever_holds_its_permission_and_nobody_else(people):
    application, actors = people
    wrong = []
    for (frm, to), needed in EXPECTED.items():
        if (outcome := _attempt(application, frm, to, actors[needed])) != to:
            wrong.append(f"{frm} -> {to} by {needed}: {outcome}")
        for name, other in actors.items():
            if name != needed and (outcome := _attempt(application, frm, to, other)) != "refused":
                wrong.append(f"{frm} -> {to} by {name} (needs {needed}): {outcome}")
    assert wrong == []


def test_every_other_pair_of_statuses_is_refused_for_everyone(people):
    application, actors = people
    wrong = []
    for frm, to in EVERY_PAIR:
        if (frm, to) in EXPECTED:
            continue
        for name, by in actors.items():
            if (outcome := _attempt(application, frm, to, by)) != "refused":
                wrong.append(f"{frm} -> {to} by {name}: {outcome}")
    assert wrong == []


def test_a_refusal_names_the_permission_that_is_missing():
    application = submitted_application()
    Application.objects.filter(pk=application.pk).update(status=S.RECOMMENDED)
    application.refresh_from_db()
    with (
        pytest.raises(
            TransitionNotAllowed, match=r"You do not have permission to record the panel's decision\."
        ),
        transaction.atomic(),
    ):
        move(application, S.APPROVED, by=holding(RECOMMEND), reason="x")


def test_a_move_given_no_reason_records_none_in_its_audit_event():
    application = submitted_application()
    with transaction.atomic():
        event = move(application, S.IN_ASSESSMENT, by=grants_officer())
    event.refresh_from_db()
    assert (event.before, event.after, event.note) == (
        {"status": S.SUBMITTED},
        {"status": S.IN_ASSESSMENT},
        "",
    )
