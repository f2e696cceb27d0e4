"""The staff side: eligibility screening, requests for information, conflict declarations, scoring,
recommendation and the panel's decision."""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.money import format_pounds
from funds.models import BudgetLine, Decision

from .. import duties
from ..models import Application, Assessment, Criterion, Document, InformationRequest, Score, Status
from ..workflow import TransitionNotAllowed, move, refusal
from .awards import create_award
from .documents import save_document
from .scoring import recompute_score

if TYPE_CHECKING:
    from accounts.models import User


class ReviewError(Exception):
    """A staff action refused by a rule; the message says why."""


def _locked(application_id: int) -> Application:
    return Application.objects.select_for_update().select_related("round").get(pk=application_id)


def _check_may_move(application: Application, to: str, by: "User") -> None:
    """move() checks this too; asking first means a person who may not act hears why before any other rule."""
    if problem := refusal(application, to, by):
        raise TransitionNotAllowed(problem)


@transaction.atomic
def screen(*, application_id: int, eligible: bool, reason: str, by: "User") -> Application:
    application = _locked(application_id)
    if not reason.strip():
        raise ReviewError("Give the reason for the screening result")
    move(application, Status.IN_ASSESSMENT if eligible else Status.INELIGIBLE, by=by, reason=reason)
    return application


@transaction.atomic
def request_information(
    *, application_id: int, question: str, by: "User", attachment: UploadedFile | None = None
) -> InformationRequest:
    """Ask the applicant a question, with a file for them if staff attach one (a form to fill in, say)."""
    application = _locked(application_id)
    # Before the file is stored: a person who may not ask leaves nothing behind.
    _check_may_move(application, Status.MORE_INFORMATION, by)
    info = InformationRequest.objects.create(application=application, question=question, asked_by=by)
    if attachment is not None:
        save_document(
            application=application,
            kind=Document.Kind.REQUEST_ATTACHMENT,
            upload=attachment,
            by=by,
            information_request=info,
        )
    application.resume_status = application.status
    move(application, Status.MORE_INFORMATION, by=by, reason=question)
    return info


@transaction.atomic
def declare_conflict(
    *, application_id: int, assessor: "User", has_conflict: bool, details: str = ""
) -> Assessment:
    """The declaration comes before the assessor sees the application; once made it is not changed here."""
    application = _locked(application_id)
    if problem := duties.missing_permission(assessor, duties.ASSESS):
        raise ReviewError(problem)
    if application.status != Status.IN_ASSESSMENT:
        raise ReviewError("This application is not open for assessment.")
    if has_conflict and not details.strip():
        raise ReviewError("Describe the conflict of interest")
    assessment, _created = Assessment.objects.get_or_create(
        application=application,
        assessor=assessor,
        defaults={"has_conflict": has_conflict, "conflict_details": details},
    )
    return assessment


@transaction.atomic
def score_application(*, assessment_id: int, scores: dict[int, tuple[int, str]], by: "User") -> Assessment:
    """`scores` maps criterion id to (score, comment). Every criterion of the round must be scored."""
    assessment = (
        Assessment.objects.select_for_update().select_related("application__round").get(pk=assessment_id)
    )
    if assessment.assessor_id != by.pk:
        raise ReviewError("You can only score your own assessment.")
    if problem := duties.missing_permission(by, duties.ASSESS):
        raise ReviewError(problem)
    if assessment.has_conflict:
        raise ReviewError("You declared a conflict of interest, so you cannot score this application.")
    application = assessment.application
    if application.status != Status.IN_ASSESSMENT:
        raise ReviewError("This application is not open for assessment.")
    criteria = list(Criterion.objects.filter(round_id=application.round_id))
    missing = [c.name for c in criteria if c.pk not in scores]
    if missing:
        raise ReviewError(f"Score every criterion: {', '.join(missing)}")
    scale = application.round.scoring_scale
    for criterion in criteria:
        value, comment = scores[criterion.pk]
        if not 0 <= value <= scale:
            raise ReviewError(f"Score {criterion.name} from 0 to {scale}")
        Score.objects.update_or_create(
            assessment=assessment, criterion=criterion, defaults={"score": value, "comment": comment}
        )
    assessment.completed_at = timezone.now()
    assessment.save(update_fields=["completed_at"])
    recompute_score(application)
    return assessment


@transaction.atomic
def recommend(*, application_id: int, amount: Decimal, reason: str, by: "User") -> Application:
    application = _locked(application_id)
    _check_may_move(application, Status.RECOMMENDED, by)
    if not application.assessments.filter(completed_at__isnull=False).exists():
        raise ReviewError("At least one assessor must finish scoring before you recommend an amount")
    round_ = application.round
    requested = application.amount_requested  # never None once submitted: the project page requires it
    if amount <= 0 or requested is None or amount > requested:
        raise ReviewError(
            f"Recommend an amount more than £0 and no more than the {format_pounds(requested)} requested"
        )
    if amount < round_.minimum_grant:
        raise ReviewError(
            f"Recommend at least the round's minimum grant of {format_pounds(round_.minimum_grant)}"
        )
    application.recommended_amount = amount
    move(application, Status.RECOMMENDED, by=by, reason=reason)
    return application


@transaction.atomic
def decide(
    *,
    application_id: int,
    approve: bool,
    reason: str,
    by: "User",
    decision: Decision | None = None,
    line: BudgetLine | None = None,
) -> Application:
    application = _locked(application_id)
    _check_may_move(application, Status.APPROVED if approve else Status.DECLINED, by)
    if not reason.strip():
        raise ReviewError("Give the reason for the decision")
    if approve:
        threshold, amount = application.round.decision_required_over, application.recommended_amount
        # An application never recommended has no amount; move() below refuses to approve it.
        if threshold is not None and amount is not None and amount > threshold and decision is None:
            raise ReviewError(
                f"Awards over {format_pounds(threshold)} need a PCC decision. Choose the decision"
            )
        application.decision = decision
        move(application, Status.APPROVED, by=by, reason=reason)
        create_award(application=application, line=line)
    else:
        move(application, Status.DECLINED, by=by, reason=reason)
    return application
