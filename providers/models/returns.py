"""Monitoring returns, their lifecycle, the figures in them and the reminders sent about them."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ReturnStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    DRAFT = "draft", "In progress"
    AWAITING_SIGN_OFF = "awaiting_sign_off", "Waiting for sign-off"
    SUBMITTED = "submitted", "Submitted"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    ACCEPTED = "accepted", "Accepted"


class MonitoringReturn(models.Model):
    """What one service delivered in one period. Status moves only through providers.workflow."""

    Status = ReturnStatus
    OPEN = [Status.NOT_STARTED, Status.DRAFT, Status.AWAITING_SIGN_OFF, Status.CHANGES_REQUESTED]
    IN = [Status.SUBMITTED, Status.ACCEPTED]

    service = models.ForeignKey("Service", on_delete=models.PROTECT, related_name="returns")
    period = models.ForeignKey("ReportingPeriod", on_delete=models.PROTECT, related_name="returns")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Set once, at first submission: a resubmission after changes were asked for is not late because of the asking.
    late = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period__starts_on", "service__provider__name", "service__name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "period"], name="one_return_per_service_and_period")
        ]
        permissions = [("review_returns", "Can accept returns and request changes")]

    def __str__(self) -> str:
        return f"{self.service.name}, {self.period.label}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def tag_class(self) -> str:
        return TAG_CLASSES[self.status]


TAG_CLASSES = {
    ReturnStatus.NOT_STARTED: "govuk-tag--grey",
    ReturnStatus.DRAFT: "govuk-tag--light-blue",
    ReturnStatus.AWAITING_SIGN_OFF: "govuk-tag--yellow",
    ReturnStatus.SUBMITTED: "govuk-tag--blue",
    ReturnStatus.CHANGES_REQUESTED: "govuk-tag--orange",
    ReturnStatus.ACCEPTED: "govuk-tag--green",
}


class ReturnValue(models.Model):
    monitoring_return = models.ForeignKey(MonitoringReturn, on_delete=models.CASCADE, related_name="values")
    measure = models.ForeignKey("Measure", on_delete=models.PROTECT, related_name="values")
    number = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["monitoring_return", "measure"], name="one_value_per_measure")
        ]

    def __str__(self) -> str:
        return f"{self.text if self.number is None else self.number} for measure {self.measure_id}"


class ReturnBreakdownValue(models.Model):
    monitoring_return = models.ForeignKey(
        MonitoringReturn, on_delete=models.CASCADE, related_name="breakdown_values"
    )
    option = models.ForeignKey("BreakdownOption", on_delete=models.PROTECT, related_name="values")
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["monitoring_return", "option"], name="one_count_per_breakdown_option"
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} for option {self.option_id}"


class Reminder(models.Model):
    """One reminder email: claimed (pending) by a unique row before it is sent, marked sent in the sending transaction.

    UNIQUE(return, kind, recipient) is what makes a reminder go at most once per kind and person, whatever beat or
    the workers do; see providers.reminders for the full argument.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not sent: the return was already in"

    monitoring_return = models.ForeignKey(
        MonitoringReturn, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=20, help_text='"before_10", "before_3", "due", "overdue_1", ...')
    recipient = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["claimed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["monitoring_return", "kind", "recipient"], name="one_reminder_per_kind_and_recipient"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="sent_reminder_has_time"
            ),
        ]
        indexes = [models.Index(fields=["status"], name="reminder_status_idx", condition=Q(status="pending"))]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}"
