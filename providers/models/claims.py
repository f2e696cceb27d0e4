"""A provider's claim for a quarter's payment: made by the provider, checked by the commissioning officer against the
return, approved by finance (never the checker) and paid. The moves are providers.claims.TRANSITIONS."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .contracts import MONEY, PaymentScheduleItem, Service, ServiceFunding


class Claim(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Waiting to be checked"
        CHECKED = "checked", "Checked, waiting for finance"
        APPROVED = "approved", "Approved, waiting to be paid"
        PAID = "paid", "Paid"
        RETURNED = "returned", "Returned to the provider"

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="claims")
    funding = models.ForeignKey(
        ServiceFunding,
        on_delete=models.PROTECT,
        related_name="claims",
        help_text="The funding it is paid from",
    )
    period = models.ForeignKey(
        "ReportingPeriod", null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    monitoring_return = models.ForeignKey(
        "MonitoringReturn", null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    schedule_item = models.OneToOneField(
        PaymentScheduleItem, null=True, blank=True, on_delete=models.PROTECT, related_name="claim"
    )
    amount = models.DecimalField(**MONEY, help_text="The payment claimed")
    reported_spend = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        help_text="What the provider says it spent on the service in the period",
    )
    note = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.TextField(blank=True)
    payment = models.OneToOneField(
        "funds.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        permissions = [
            ("check_claim", "Can check a provider's claim against its return"),
            ("approve_claim", "Can approve a provider's claim for payment and pay it"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="claim_amount_positive"),
            models.CheckConstraint(
                condition=Q(reported_spend__isnull=True) | Q(reported_spend__gte=0),
                name="claim_spend_not_negative",
            ),
            # Four eyes: whoever checked a claim never approves it.
            models.CheckConstraint(
                condition=Q(checked_by__isnull=True)
                | Q(approved_by__isnull=True)
                | ~Q(checked_by=models.F("approved_by")),
                name="claim_checked_and_approved_by_two_people",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(payment__isnull=False), name="paid_claim_has_payment"
            ),
        ]

    def __str__(self) -> str:
        what = self.period.label if self.period_id else f"claim {self.pk}"
        return f"{self.service.name}: {what}"
