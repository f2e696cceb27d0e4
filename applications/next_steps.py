"""What an applicant reads about each status, in plain words: on their dashboard, the status page and in emails."""

from .models import Status

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
