"""The lifecycle of a monitoring return, as data: the one table of allowed moves and who may make each."""

from django.db import models

from .models.returns import ReturnStatus as S


class Actor(models.TextChoices):
    PROVIDER = "provider", "Anyone at the provider"
    SIGNATORY = "signatory", "A signatory at the provider who did not prepare the return"
    REVIEWER = "reviewer", "OPCC staff who review returns"


# (from, to) -> (action, who may make it). The single source of truth for what can happen to a return.
TRANSITIONS: dict[tuple[str, str], tuple[str, Actor]] = {
    (S.NOT_STARTED, S.DRAFT): ("started", Actor.PROVIDER),
    (S.CHANGES_REQUESTED, S.DRAFT): ("revised", Actor.PROVIDER),
    (S.DRAFT, S.AWAITING_SIGN_OFF): ("sent for sign-off", Actor.PROVIDER),
    (S.AWAITING_SIGN_OFF, S.DRAFT): ("sent back to preparer", Actor.PROVIDER),
    (S.AWAITING_SIGN_OFF, S.SUBMITTED): ("signed off and submitted", Actor.SIGNATORY),
    (S.SUBMITTED, S.ACCEPTED): ("accepted", Actor.REVIEWER),
    (S.SUBMITTED, S.CHANGES_REQUESTED): ("changes requested", Actor.REVIEWER),
    (S.ACCEPTED, S.CHANGES_REQUESTED): ("reopened", Actor.REVIEWER),
}

# The audit action under which each move is recorded, one event per move (audit.services.record_status_change).
STATUS_CHANGED = "return.status"

# A provider may change figures only while the return is with them and not waiting for a signatory.
EDITABLE = {S.NOT_STARTED, S.DRAFT, S.CHANGES_REQUESTED}


def allowed(from_status: str, to_status: str) -> tuple[str, Actor] | None:
    return TRANSITIONS.get((from_status, to_status))
