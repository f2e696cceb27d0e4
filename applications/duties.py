"""Who may take each step on an application: the permission the step needs, and the separation of duties.

One place for the rules, so the workflow, the services and the staff page agree:

- every step needs a permission of the person acting (accounts.roles says which role holds it);
- whoever recommended an application never approves its money, and records the panel's decision only where the
  office allows it (Office.recommender_may_decide);
- a person who declared a conflict of interest is off every later step of that application: screening again,
  recommending, deciding, approving the award and seeing other assessors' scores;
- an assessor sees the other assessors' scores only once their own are in;
- an award above the office's second_signature_over needs two different finance approvers, the second holding
  funds.countersign (four eyes).

Each function returns the reason a person may not act, as a sentence they can read, or None when they may. The
services raise it; the staff page hides the action and shows the sentence. Reads only: nothing here writes.
"""

from decimal import Decimal
from typing import TYPE_CHECKING

from audit.selectors import trail_of
from core.money import format_pounds
from funds.models import Office
from funds.selectors import current_office

from .models import STATUS_CHANGED, Application, Assessment, Award, Status

if TYPE_CHECKING:
    from accounts.models import User

SCREEN = "applications.screen_application"
ASSESS = "applications.assess_application"
RECOMMEND = "applications.recommend_application"
DECIDE = "applications.decide_application"
APPROVE_AWARD = "applications.approve_award"
CANCEL_AWARD = "applications.cancel_award"
RECORD_PAYMENT = "applications.record_award_payment"
VARY_AWARD = "applications.vary_award"
COUNTERSIGN = "funds.countersign"

# What a person is told when they lack the permission a step needs.
MISSING: dict[str, str] = {
    SCREEN: "You do not have permission to screen applications or ask applicants for more information.",
    ASSESS: "You do not have permission to assess applications.",
    RECOMMEND: "You do not have permission to recommend an amount to the panel.",
    DECIDE: "You do not have permission to record the panel's decision.",
    APPROVE_AWARD: "You do not have permission to approve awards.",
    CANCEL_AWARD: "You do not have permission to cancel awards.",
    RECORD_PAYMENT: "You do not have permission to record award payments.",
    VARY_AWARD: "You do not have permission to vary, close or record repayments on awards.",
    COUNTERSIGN: "You do not have permission to give the second signature on large awards.",
}

# What each step is called in a refusal: "…, so you cannot {step} this application."
STEP_NAMES: dict[str, str] = {
    SCREEN: "screen",
    RECOMMEND: "recommend",
    DECIDE: "record the panel's decision on",
    APPROVE_AWARD: "approve the award for",
    CANCEL_AWARD: "cancel the award for",
}


def missing_permission(user: "User | None", permission: str) -> str | None:
    """The sentence for a person who does not hold `permission` (or is nobody: the system acts through no step)."""
    if user is None or not user.is_authenticated or not user.has_perm(permission):
        return MISSING.get(permission, "You do not have permission to do this.")
    return None


def office_settings() -> Office:
    """The office's separation settings; an office not set up yet gets the model's defaults."""
    return current_office() or Office()


def recommender_of(application: Application):
    """Who moved the application to "Recommended" (the audit trail is the record), or None."""
    event = (
        trail_of(application)
        .filter(action=STATUS_CHANGED, after__status=Status.RECOMMENDED)
        .select_related("actor")
        .last()
    )
    return event.actor if event else None


def is_conflicted(application: Application, user: "User | None") -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Assessment.objects.filter(application=application, assessor=user, has_conflict=True).exists()


def _conflict_refusal(application: Application, user: "User", permission: str) -> str | None:
    if is_conflicted(application, user):
        step = STEP_NAMES.get(permission, "act on")
        return f"You declared a conflict of interest with this application, so you cannot {step} it."
    return None


def refusal(application: Application, permission: str, user: "User | None") -> str | None:
    """Why `user` may not take the step that needs `permission` on `application`, or None if they may.

    The permission first, then the separation rules that apply to that step."""
    if problem := missing_permission(user, permission):
        return problem
    if permission in STEP_NAMES and (problem := _conflict_refusal(application, user, permission)):
        return problem
    if permission in (DECIDE, APPROVE_AWARD) and _same_person(recommender_of(application), user):
        if permission == APPROVE_AWARD:
            return "You recommended this application, so someone else must approve its money."
        if not office_settings().recommender_may_decide:
            return "You recommended this application, so someone else must record the decision."
    return None


def _same_person(a, b) -> bool:
    return a is not None and b is not None and a.pk == b.pk


def needs_second_signature(award: Award) -> bool:
    threshold: Decimal = office_settings().second_signature_over
    return award.amount > threshold


def signature_refusal(award: Award, user: "User | None") -> str | None:
    """Why `user` may not sign `award` now, or None. Covers the permission, the separation rules and four eyes."""
    if problem := refusal(award.application, APPROVE_AWARD, user):
        return problem
    if award.first_approved_by_id is None or not needs_second_signature(award):
        return None
    if award.first_approved_by_id == user.pk:
        return (
            "You gave this award its first signature, so a different finance approver must give the second."
        )
    if not user.has_perm(COUNTERSIGN):
        return (
            f"This award is over {format_pounds(office_settings().second_signature_over)}, so its second signature "
            "must come from a finance approver."
        )
    return None


def can_see_scores(application: Application, user: "User | None", own: Assessment | None = None) -> bool:
    """Whether `user` may read the other assessors' scores on `application`.

    Never when conflicted; an assessor only once their own scores are in (so theirs are their own); someone who
    recommends or decides and has not assessed it sees them all, as does a read-only reviewer (an auditor) who
    assesses nothing. `own` is the person's assessment if the caller already has it."""
    if user is None or not user.is_authenticated:
        return False
    if own is None:
        own = Assessment.objects.filter(application=application, assessor=user).first()
    if own is not None:
        return not own.has_conflict and own.completed_at is not None
    if user.has_perm(RECOMMEND) or user.has_perm(DECIDE):
        return True
    return not user.has_perm(ASSESS)


def scores_hidden_reason(application: Application, user: "User", own: Assessment | None = None) -> str:
    if own is not None and own.has_conflict:
        return "You declared a conflict of interest, so other assessors' scores are hidden from you."
    return "Other assessors' scores are shown once you have saved your own."
