"""Rounds, organisations, applications, assessment and awards: split by stage so each module reads in one sitting."""

from .applications import (
    STATUS_CHANGED,
    Application,
    BudgetItem,
    Document,
    InformationRequest,
    Status,
    StatusEmail,
)
from .assessment import Assessment, Score
from .awards import Award, AwardPayment, AwardVariation
from .organisations import Invitation, Membership, Organisation, OrganisationType
from .references import ReferenceCounter
from .rounds import Criterion, Question, Requirement, Round, RoundRingFence

__all__ = [
    "STATUS_CHANGED",
    "Application",
    "Assessment",
    "Award",
    "AwardPayment",
    "AwardVariation",
    "BudgetItem",
    "Criterion",
    "Document",
    "InformationRequest",
    "Invitation",
    "Membership",
    "Organisation",
    "OrganisationType",
    "Question",
    "ReferenceCounter",
    "Requirement",
    "Round",
    "RoundRingFence",
    "Score",
    "Status",
    "StatusEmail",
]
