"""What an applicant reads about each status, in plain words: on their dashboard, the status page and in emails."""

from .models import Award, Status

S = Status

NEXT_STEPS: dict[str, str] = {
    S.DRAFT: "You have not sent this application yet. Finish each section, check your answers and submit it "
    "before the round closes.",
    S.SUBMITTED: "We have your application. We are checking that your organisation and project can be funded. "
    "We will email you when we have finished.",
    S.MORE_INFORMATION: "We need more information from you before we can carry on. Answer our question below.",
    S.INELIGIBLE: "Your application cannot be funded from this round. We have emailed you the reason.",
    S.IN_ASSESSMENT: "Your application is eligible. Assessors are scoring it against the round's criteria.",
    S.RECOMMENDED: "Your application has been assessed and is going to the funding panel for a decision.",
    S.APPROVED: "The panel has agreed to fund your project. Our finance team is setting up your award; we will "
    "email your award letter soon.",
    S.DECLINED: "The panel was not able to fund your project this time. We have emailed you the reason.",
    S.AWARDED: "Your grant has been awarded. Read your award letter and accept the award so that we can pay you.",
    S.WITHDRAWN: "You withdrew this application. Nothing else will happen to it.",
    S.AWARD_CANCELLED: "Your award has been cancelled, so we will not make any payments for this project. "
    "Contact the grants team if you want to know why or think this is wrong.",
}


# Once a grant is awarded the application's status stays "awarded" while the award moves on; what to do next depends
# on the award, so telling someone who accepted and was paid to "accept the award" would be wrong.
AWARD_NEXT_STEPS: dict[str, str] = {
    "accepted": "You have accepted your award. We will pay it as your award letter says. We will remind you when "
    "your report on what the project delivered is due.",
    "paid": "Your grant has been paid in full. Send your report on what the project delivered when it is due; we "
    "will remind you.",
    "closed": "Your grant is closed. Thank you for telling us what your project delivered.",
}


def next_steps_for(application) -> str:
    """What the applicant should read now about `application`: its status's words, or its award's once accepted.
    Reads `application.award` only when the status is awarded (callers select_related it)."""
    if application.status == S.AWARDED:
        award = getattr(application, "award", None)
        if award is not None:
            if award.status == Award.Status.CLOSED:
                return AWARD_NEXT_STEPS["closed"]
            if award.status == Award.Status.PAID:
                return AWARD_NEXT_STEPS["paid"]
            if award.accepted_at is not None:
                return AWARD_NEXT_STEPS["accepted"]
    return NEXT_STEPS[application.status]
