"""An organisation's application to a round, from first draft to decision, and everything attached to it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from funds.models import MONEY, Area, Decision

from .organisations import Organisation
from .rounds import FormVersion, Round, RoundRingFence


class Status(models.TextChoices):
    # Stored values never change once data exists; labels are what applicants and staff read.
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Checking eligibility"
    MORE_INFORMATION = "more_information", "More information needed"
    INELIGIBLE = "ineligible", "Not eligible"
    IN_ASSESSMENT = "in_assessment", "Being assessed"
    RECOMMENDED = "recommended", "Recommended to the panel"
    APPROVED = "approved", "Approved, awaiting finance"
    DECLINED = "declined", "Not funded"
    AWARDED = "awarded", "Awarded"
    WITHDRAWN = "withdrawn", "Withdrawn"
    AWARD_CANCELLED = "award_cancelled", "Award cancelled"


# The audit action under which every status change is recorded (applications.workflow.move): before and after hold
# {"status": ...}, the note holds the reason. A stored value, so it never changes once data exists.
STATUS_CHANGED = "application.status"

TASKS = ["organisation", "project", "budget", "documents", "declarations"]
TASK_TITLES = [
    ("organisation", "About your organisation"),
    ("project", "Your project"),
    ("budget", "Budget"),
    ("documents", "Documents"),
    ("declarations", "Declarations"),
]


class Application(models.Model):
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT, db_index=True)
    reference = models.CharField(max_length=30, unique=True, null=True, blank=True)

    # About your organisation
    contact_name = models.CharField(max_length=200, blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    meets_requirements = models.JSONField(default=list, blank=True, help_text="Requirement values confirmed")
    # Your project
    project_title = models.CharField(max_length=200, blank=True)
    project_summary = models.TextField(blank=True)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    ring_fence = models.ForeignKey(
        RoundRingFence, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    amount_requested = models.DecimalField(**MONEY, null=True, blank=True)
    # The round's form as it was when this application started: its questions never change under it.
    form_version = models.ForeignKey(
        FormVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    answers = models.JSONField(
        default=dict,
        blank=True,
        help_text="Question key -> answer (applications.questions has each kind's shape)",
    )
    # Declarations
    declared_by_name = models.CharField(max_length=200, blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)

    # What was typed on a task page saved with errors, kept so nothing is lost: task -> {field: raw text}.
    drafts = models.JSONField(default=dict, blank=True)
    completed_tasks = models.JSONField(default=list, blank=True)

    resume_status = models.CharField(
        max_length=20,
        choices=Status,
        blank=True,
        help_text="Where the application goes back to once more information is given",
    )
    recommended_amount = models.DecimalField(**MONEY, null=True, blank=True)
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    # Percentage from the completed assessments, kept by applications.services.scoring (which has the formula) so the
    # staff list sorts and filters by it through an index. None until an assessment is completed.
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True, editable=False)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    illustrative = models.BooleanField(default=False)
    # Unsuccessful applications lose their personal data after the retention period; the figures stay.
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("screen_application", "Can screen eligibility and ask applicants for more information"),
            ("assess_application", "Can declare conflicts and score applications"),
            ("recommend_application", "Can recommend an amount to the panel"),
            ("decide_application", "Can record the panel's decision"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(status="withdrawn", submitted_at__isnull=True)
                | Q(reference__isnull=False, submitted_at__isnull=False),
                name="submitted_application_has_reference",
            ),
            models.CheckConstraint(
                condition=Q(amount_requested__gte=0) | Q(amount_requested__isnull=True),
                name="application_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="application_score_is_a_percentage",
            ),
        ]
        indexes = [
            # Two more, on PostgreSQL only (SQLite cannot build them), are created by migration 0005: the staff list
            # (drafts left out) newest submitted first, a never-submitted withdrawal last, and the same list by score,
            # unscored lowest. With them a page reads its 25 entries at any offset instead of sorting every
            # application. docs/benchmarks.md has the numbers at 100,000.
            # The staff dashboard's pipeline (counts and money requested by round and status) reads only this index.
            models.Index(
                fields=["round", "status"], include=["amount_requested"], name="application_pipeline_idx"
            ),
            # Every application in its own order, newest first (the admin's list): a page at any offset walks this
            # index alone.
            models.Index(fields=["-created_at", "-id"], name="application_newest_first_idx"),
        ]

    def __str__(self) -> str:
        return self.reference or f"Draft application {self.pk}"

    @property
    def title(self) -> str:
        if self.anonymised_at:
            return f"Details removed on {self.anonymised_at:%-d %B %Y} (retention period ended)"
        return self.project_title or "Untitled project"

    @property
    def form(self) -> dict:
        """The round's own questions as this application was asked them (applications.questions has the shape)."""
        return self.form_version.definition if self.form_version_id else {"sections": []}

    @property
    def tasks(self) -> list[tuple[str, str]]:
        """(task, title) in the order of the task list: the fixed tasks with the round's own sections after
        "Your project"."""
        sections = [(s["key"], s["title"]) for s in self.form["sections"]]
        fixed = dict(TASK_TITLES)
        return [
            ("organisation", fixed["organisation"]),
            ("project", fixed["project"]),
            *sections,
            *[(t, fixed[t]) for t in ("budget", "documents", "declarations")],
        ]

    def task_status(self, task: str) -> str:
        if task in self.completed_tasks:
            return "Completed"
        if task in self.drafts or self._has_answers(task):
            return "Incomplete"
        return "Not yet started"

    def _has_answers(self, task: str) -> bool:
        if task == "organisation":
            return bool(self.contact_name or self.contact_phone)
        if task == "project":
            return bool(self.project_title or self.amount_requested is not None)
        section = next((s for s in self.form["sections"] if s["key"] == task), None)
        if section:
            return any(self.answers.get(q["key"]) not in (None, "", [], {}) for q in section["questions"])
        return False

    @property
    def is_complete(self) -> bool:
        return all(t in self.completed_tasks for t, _ in self.tasks)


class BudgetItem(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget_items")
    order = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=200)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["application", "order", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="budget_item_amount_positive")]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"


def _document_path(document: "Document", filename: str) -> str:
    # A random name: the stored path never reveals the organisation or the original file name.
    return f"applications/{document.application_id}/{uuid.uuid4().hex}"


class Document(models.Model):
    class Kind(models.TextChoices):
        GOVERNING_DOCUMENT = "governing_document", "Governing document"
        SAFEGUARDING_POLICY = "safeguarding_policy", "Safeguarding policy"
        ACCOUNTS = "accounts", "Latest accounts or bank statement"
        INFORMATION = "information", "Further information"
        # A file staff attach to their question to the applicant.
        REQUEST_ATTACHMENT = "request_attachment", "Attached to our question"
        # The answer to a file question on the round's form or on a grant report.
        ANSWER = "answer", "Answer to a question"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    file = models.FileField(upload_to=_document_path)
    question = models.CharField(
        max_length=30, blank=True, help_text="The question key, for answers to questions"
    )
    information_request = models.ForeignKey(
        "InformationRequest", null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    grant_report = models.ForeignKey(
        "GrantReport", null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "kind", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class StatusEmail(models.Model):
    """The applicant's email about one status change, keyed by that change's audit event (applications.workflow.move).

    The audit row is append-only, so whether the email has gone is kept here. It is set in the same transaction that
    sends the email, so a retried or duplicated task finds it set and sends nothing."""

    event = models.OneToOneField(
        "audit.AuditEvent", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Email about event {self.event_id}"


class InformationRequest(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="information_requests"
    )
    question = models.TextField()
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(auto_now_add=True)
    response = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "pk"]

    def __str__(self) -> str:
        return f"Question on application {self.application_id}: {self.question[:60]}"
