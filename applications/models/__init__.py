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
from .reports import GrantReport, ReportReminder
from .rounds import (
    CHOICE_KINDS,
    COLUMN_KINDS,
    Criterion,
    FormPurpose,
    FormVersion,
    Question,
    QuestionKind,
    Requirement,
    Round,
    RoundRingFence,
    Section,
)

__all__ = [
    "CHOICE_KINDS",
    "COLUMN_KINDS",
    "STATUS_CHANGED",
    "Application",
    "Assessment",
    "Award",
    "AwardPayment",
    "AwardVariation",
    "BudgetItem",
    "Criterion",
    "Document",
    "FormPurpose",
    "FormVersion",
    "GrantReport",
    "InformationRequest",
    "Invitation",
    "Membership",
    "Organisation",
    "OrganisationType",
    "Question",
    "QuestionKind",
    "ReferenceCounter",
    "ReportReminder",
    "Requirement",
    "Round",
    "RoundRingFence",
    "Score",
    "Section",
    "Status",
    "StatusEmail",
]
