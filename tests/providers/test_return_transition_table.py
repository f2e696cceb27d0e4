"""The whole monitoring-return lifecycle, pinned: every allowed move works for exactly the people who may make it, and
every other pair of statuses is refused for everyone, leaving the status as it was.

The expected table is written out here on purpose rather than read from providers.workflow: a move added to (or
dropped from) the workflow's table must fail this test until someone decides, here too, that it is right. The moves
are made through services._move, the one place every return service changes status, because the public services
each add conditions of their own (complete figures, an open window) that would hide which rule refused.
"""

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction

from providers import services
from providers.models import MonitoringReturn
from providers.workflow import TRANSITIONS, Actor
from tests.factories import UserFactory

S = MonitoringReturn.Status
EXPECTED: dict[tuple[str, str], tuple[str, str]] = {
    (S.NOT_STARTED, S.DRAFT): ("started", Actor.PROVIDER),
    (S.CHANGES_REQUESTED, S.DRAFT): ("revised", Actor.PROVIDER),
    (S.DRAFT, S.AWAITING_SIGN_OFF): ("sent for sign-off", Actor.PROVIDER),
    (S.AWAITING_SIGN_OFF, S.DRAFT): ("sent back to preparer", Actor.PROVIDER),
    (S.AWAITING_SIGN_OFF, S.SUBMITTED): ("signed off and submitted", Actor.SIGNATORY),
    (S.SUBMITTED, S.ACCEPTED): ("accepted", Actor.REVIEWER),
    (S.SUBMITTED, S.CHANGES_REQUESTED): ("changes requested", Actor.REVIEWER),
    (S.ACCEPTED, S.CHANGES_REQUESTED): ("reopened", Actor.REVIEWER),
}
# Who counts as each actor, by name of the person below.
MAY_ACT = {
    Actor.PROVIDER: {"preparer", "signatory"},
    Actor.SIGNATORY: {"signatory"},
    Actor.REVIEWER: {"reviewer"},
}


@pytest.fixture
def people(side_a, side_b):
    reviewer = UserFactory(email="returns.reviewer@opcc.example", is_staff=True)
    reviewer.user_permissions.add(Permission.objects.get(codename="review_returns"))
    return {
        "preparer": side_a.preparer,
        "signatory": side_a.signatory,
        "reviewer": reviewer,
        "staff without the permission": UserFactory(email="other.staff@opcc.example", is_staff=True),
        "signatory at another provider": side_b.signatory,
    }


def _attempt(ret_id: int, frm: str, to: str, by, preparer) -> str:
    """Put the return in `frm` (prepared by `preparer`), try the move as `by`; the status after, or 'refused'."""
    MonitoringReturn.objects.filter(pk=ret_id).update(status=frm, prepared_by=preparer)
    ret = MonitoringReturn.objects.select_related("service", "period").get(pk=ret_id)
    try:
        with transaction.atomic():
            services._move(ret, to, by=by)
            ret.save()
    except services.ReturnRuleError:
        assert MonitoringReturn.objects.get(pk=ret_id).status == frm, (
            f"a refused {frm} -> {to} changed the status"
        )
        return "refused"
    return MonitoringReturn.objects.get(pk=ret_id).status


def test_the_table_is_exactly_the_agreed_lifecycle():
    assert {pair: (action, str(actor)) for pair, (action, actor) in TRANSITIONS.items()} == {
        pair: (action, str(actor)) for pair, (action, actor) in EXPECTED.items()
    }


def test_every_allowed_move_works_for_the_people_who_may_make_it_and_nobody_else(side_a, people):
    wrong = []
    for (frm, to), (_, actor) in EXPECTED.items():
        for name, person in people.items():
            expected = to if name in MAY_ACT[actor] else "refused"
            if (outcome := _attempt(side_a.ret.pk, frm, to, person, side_a.preparer)) != expected:
                wrong.append(f"{frm} -> {to} by the {name}: {outcome}, expected {expected}")
    assert wrong == []


def test_the_signatory_who_prepared_the_return_cannot_sign_it_off(side_a, people):
    outcome = _attempt(side_a.ret.pk, S.AWAITING_SIGN_OFF, S.SUBMITTED, side_a.signatory, side_a.signatory)
    assert outcome == "refused"


def test_every_other_pair_of_statuses_is_refused_for_everyone(side_a, people):
    wrong = []
    for frm in S.values:
        for to in S.values:
            if (frm, to) in EXPECTED:
                continue
            for name, person in people.items():
                if (outcome := _attempt(side_a.ret.pk, frm, to, person, side_a.preparer)) != "refused":
                    wrong.append(f"{frm} -> {to} by the {name}: {outcome}")
    assert wrong == []
