"""End-of-grant reports: what each award delivered, on the round's report form, due on dates the round sets."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .awards import Award
from .rounds import FormVersion


class GrantReport(models.Model):
    class Status(models.TextChoices):
        # Stored values never change once data exists. applications.grant_reports.TRANSITIONS has the allowed moves.
        DUE = "due", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"
        CHANGES_REQUESTED = "changes_requested", "Changes asked for"
        ACCEPTED = "accepted", "Accepted"

    OPEN = (Status.DUE, Status.IN_PROGRESS, Status.CHANGES_REQUESTED)

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="reports")
    period_start = models.DateField()
    period_end = models.DateField()
    due_on = models.DateField(db_index=True)
    final = models.BooleanField(default=True, help_text="The report at the end of the project")
    status = models.CharField(max_length=20, choices=Status, default=Status.DUE, db_index=True)
    # The round's report form as it was when the grantee started: editing the form later changes nothing here.
    form_version = models.ForeignKey(
        FormVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="grant_reports"
    )
    answers = models.JSONField(default=dict, blank=True)
    drafts = models.JSONField(default=dict, blank=True, help_text="What was typed on a save with errors")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    feedback = models.TextField(blank=True, help_text="What staff asked to be changed")
    case_study = models.BooleanField(default=False, help_text="Staff chose it as a case study to publish")

    class Meta:
        ordering = ["due_on", "pk"]
        permissions = [("review_grant_report", "Can accept grant reports or ask for changes")]
        constraints = [
            models.UniqueConstraint(fields=["award", "period_end"], name="one_report_per_award_period"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="report_period_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["submitted", "accepted"]) | Q(submitted_at__isnull=False),
                name="submitted_report_has_time",
            ),
            models.CheckConstraint(
                condition=Q(case_study=False) | Q(status="accepted"), name="case_study_is_accepted_report"
            ),
        ]

    def __str__(self) -> str:
        kind = "End-of-grant report" if self.final else "Progress report"
        return f"{kind} due {self.due_on:%-d %B %Y}"


class ReportReminder(models.Model):
    """One reminder email about a grant report, claimed by a unique row before it is sent and marked sent in the
    sending transaction: the same exactly-once scheme as providers' return reminders (providers.reminders)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not sent: the report was already in"

    report = models.ForeignKey(GrantReport, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, help_text='"before_14", "due", "overdue_14", ...')
    recipient = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["claimed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "kind", "recipient"], name="one_report_reminder_per_kind"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="sent_report_reminder_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder to {self.recipient}"
