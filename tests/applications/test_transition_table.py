"""The whole application lifecycle, pinned: every allowed move works for the one role that may make it, and every
other pair of statuses is refused for everyone, leaving the status as it was.

The expected table is written out here on purpose rather than read from applications.workflow: a move added to (or
dropped from) the workflow's table must fail this test until someone decides, here too, that it is right.
"""

import pytest
from django.db import transaction

from applications.models import Application, Status
from applications.workflow import TRANSITIONS, Role, TransitionNotAllowed, move
from tests.applications.factories import submitted_application

pytestmark = pytest.mark.django_db

S = Status
EXPECTED: dict[tuple[str, str], str] = {
    (S.DRAFT, S.SUBMITTED): Role.APPLICANT,
    (S.SUBMITTED, S.IN_ASSESSMENT): Role.STAFF,
    (S.SUBMITTED, S.INELIGIBLE): Role.STAFF,
    (S.SUBMITTED, S.MORE_INFORMATION): Role.STAFF,
    (S.IN_ASSESSMENT, S.MORE_INFORMATION): Role.STAFF,
    (S.MORE_INFORMATION, S.SUBMITTED): Role.APPLICANT,
    (S.MORE_INFORMATION, S.IN_ASSESSMENT): Role.APPLICANT,
    (S.IN_ASSESSMENT, S.RECOMMENDED): Role.STAFF,
    (S.RECOMMENDED, S.APPROVED): Role.STAFF,
    (S.RECOMMENDED, S.DECLINED): Role.STAFF,
    (S.APPROVED, S.AWARDED): Role.FINANCE,
    (S.DRAFT, S.WITHDRAWN): Role.APPLICANT,
    (S.SUBMITTED, S.WITHDRAWN): Role.APPLICANT,
    (S.MORE_INFORMATION, S.WITHDRAWN): Role.APPLICANT,
    (S.IN_ASSESSMENT, S.WITHDRAWN): Role.APPLICANT,
    (S.RECOMMENDED, S.WITHDRAWN): Role.APPLICANT,
}
EVERY_PAIR = [(frm, to) for frm in S.values for to in S.values]


def _attempt(application: Application, frm: str, to: str, role: str) -> str:
    """Put the application in `frm`, try the move as `role`; return the status stored afterwards, or 'refused'."""
    Application.objects.filter(pk=application.pk).update(status=frm)
    application.refresh_from_db()
    try:
        with transaction.atomic():
            move(application, to, by=None, role=role, reason="table test")
    except TransitionNotAllowed:
        application.refresh_from_db()
        assert application.status == frm, f"a refused {frm} -> {to} as {role} still changed the status"
        return "refused"
    application.refresh_from_db()
    return application.status


def test_the_table_is_exactly_the_agreed_lifecycle():
    assert {pair: str(role) for pair, role in TRANSITIONS.items()} == {
        pair: str(role) for pair, role in EXPECTED.items()
    }


def test_every_allowed_move_works_for_its_role_and_only_its_role():
    application = submitted_application()
    wrong = []
    for (frm, to), role in EXPECTED.items():
        if (outcome := _attempt(application, frm, to, role)) != to:
            wrong.append(f"{frm} -> {to} as {role}: {outcome}")
        for other in set(Role.values) - {role}:
            if (outcome := _attempt(application, frm, to, other)) != "refused":
                wrong.append(f"{frm} -> {to} as {other} (needs {role}): {outcome}")
    assert wrong == []


def test_every_other_pair_of_statuses_is_refused_for_every_role():
    application = submitted_application()
    wrong = []
    for frm, to in EVERY_PAIR:
        if (frm, to) in EXPECTED:
            continue
        for role in Role.values:
            if (outcome := _attempt(application, frm, to, role)) != "refused":
                wrong.append(f"{frm} -> {to} as {role}: {outcome}")
    assert wrong == []


def test_a_move_given_no_reason_records_none_in_its_audit_event():
    application = submitted_application()
    with transaction.atomic():
        event = move(application, S.IN_ASSESSMENT, by=None, role=Role.STAFF)
    event.refresh_from_db()
    assert (event.before, event.after, event.note) == (
        {"status": S.SUBMITTED},
        {"status": S.IN_ASSESSMENT},
        "",
    )
