"""Awards and their payment schedules. Money moves only through applications.services.awards, which calls funds."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from funds.models import MONEY, BudgetLine, Commitment, Payment

from .applications import Application


class Award(models.Model):
    class Status(models.TextChoices):
        AWAITING_FINANCE = "awaiting_finance", "Awaiting finance approval"
        COMMITTED = "committed", "Approved by finance"
        PAID = "paid", "Paid in full"
        # Ended with less paid than awarded: the underspend was released (applications.services.close_award).
        CLOSED = "closed", "Closed, underspend released"
        CANCELLED = "cancelled", "Cancelled"

    class Schedule(models.TextChoices):
        SINGLE = "single", "One payment on acceptance"
        INSTALMENTS = "instalments", "Instalments"

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="award")
    amount = models.DecimalField(**MONEY)
    line = models.ForeignKey(
        BudgetLine,
        on_delete=models.PROTECT,
        related_name="awards",
        help_text="The area line, reserve or ring-fence the money is committed against",
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.AWAITING_FINANCE, db_index=True
    )
    schedule = models.CharField(max_length=20, choices=Schedule.choices, default=Schedule.SINGLE)
    instalments = models.PositiveSmallIntegerField(default=1)
    commitment = models.OneToOneField(
        Commitment, null=True, blank=True, on_delete=models.PROTECT, related_name="award"
    )
    # An award over the office's second_signature_over needs two different finance approvers
    # (applications.duties): the first signature commits nothing; the second commits the money and is approved_by.
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    letter_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the award letter was emailed"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        # Awards in their own order, newest first: a page of them, at any offset, walks this index alone.
        indexes = [models.Index(fields=["-created_at", "-id"], name="award_newest_first_idx")]
        permissions = [
            ("approve_award", "Can approve awards and commit the money"),
            ("cancel_award", "Can cancel an award and release its money"),
            ("record_award_payment", "Can record award payments as made"),
            ("vary_award", "Can vary an approved award, close it with an underspend and record money repaid"),
            ("publish_grants", "Can build the 360Giving file of published grants"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="award_amount_positive"),
            models.CheckConstraint(condition=Q(instalments__gte=1), name="award_at_least_one_instalment"),
            models.CheckConstraint(
                condition=Q(status__in=["awaiting_finance", "cancelled"]) | Q(commitment__isnull=False),
                name="approved_award_has_commitment",
            ),
            # Four eyes: the second signature is never the first signer's.
            models.CheckConstraint(
                condition=Q(first_approved_by__isnull=True)
                | Q(approved_by__isnull=True)
                | ~Q(first_approved_by=models.F("approved_by")),
                name="award_signatures_by_two_people",
            ),
        ]

    def __str__(self) -> str:
        return f"Award {self.application.reference}"


class AwardPayment(models.Model):
    """A scheduled payment. `payment` is set when finance records it as made."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="payments")
    number = models.PositiveSmallIntegerField()
    amount = models.DecimalField(**MONEY)
    due_on = models.DateField(null=True, blank=True, help_text="Empty means due when the award is accepted")
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["award", "number"]
        constraints = [
            models.UniqueConstraint(fields=["award", "number"], name="unique_instalment_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="award_payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Payment {self.number} of {self.award}"

    @property
    def is_made(self) -> bool:
        return self.payment_id is not None


class AwardVariation(models.Model):
    """A recorded change to an approved award's amount, line or instalments (applications.services.vary_award)."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="variations")
    amount_before = models.DecimalField(**MONEY)
    amount_after = models.DecimalField(**MONEY)
    line_before = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="+")
    line_after = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="+")
    instalments_before = models.PositiveSmallIntegerField()
    instalments_after = models.PositiveSmallIntegerField()
    reason = models.TextField()
    decision = models.ForeignKey(
        "funds.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    varied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    varied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["award", "varied_at", "pk"]

    def __str__(self) -> str:
        return f"Variation of {self.award}: {self.amount_before} to {self.amount_after}"
