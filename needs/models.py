"""Needs assessments: a pot, the indicators of need per area with their weights, and what each area gets today.

The shares themselves are never stored: they are worked out from these rows by needs.allocation whenever asked, and
only become money when staff adopt them as budget lines (needs.services.adopt).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from funds.models import MONEY, Area, BudgetLine, Decision, FinancialYear


class NeedsAssessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ADOPTED = "adopted", "Adopted as draft budget lines"

    # (from, to) -> what the move means; the single source of truth for the lifecycle. An assessment is adopted at
    # most once (issue 12): changing the shares afterwards takes a new assessment, so there is no adopted -> adopted.
    TRANSITIONS = {
        (Status.DRAFT, Status.ADOPTED): "Adopt the result as next year's budget lines",
    }

    name = models.CharField(max_length=200)
    pot_line = models.ForeignKey(
        BudgetLine,
        on_delete=models.PROTECT,
        related_name="needs_assessments",
        verbose_name="pot line",
        help_text="The budget line whose money is being shared out, e.g. IDVA's 2024/25",
    )
    pot = models.DecimalField(
        **MONEY, help_text="Copied from the line when the assessment starts; may be changed"
    )
    area_kind = models.CharField(max_length=20, choices=Area.Kind.choices, default=Area.Kind.LOCAL_AUTHORITY)
    target_year = models.ForeignKey(
        FinancialYear, on_delete=models.PROTECT, related_name="+", help_text="The year the result would fund"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    illustrative = models.BooleanField(default=False, help_text="Invented for the demo, not real figures")
    adopted_decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="needs_assessments"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("adopt_needsassessment", "Can adopt a needs assessment's shares as budget lines")]
        constraints = [models.CheckConstraint(condition=Q(pot__gte=0), name="needs_pot_not_negative")]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    class Source(models.TextChoices):
        ENTERED = "entered", "Entered by staff"
        MONITORING_RETURNS = "monitoring_returns", "Monitoring returns, where recorded"

    assessment = models.ForeignKey(NeedsAssessment, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(max_length=120)
    weight = models.DecimalField(max_digits=10, decimal_places=4)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.ENTERED)
    measure_code = models.CharField(
        max_length=60, blank=True, help_text="The monitoring template measure to sum, e.g. caseload"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["assessment", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="needs_weight_not_negative"),
            models.UniqueConstraint(fields=["assessment", "name"], name="needs_unique_indicator_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name_in_sentence(self) -> str:
        """ "female population", but "MARAC referrals": lower-case the first letter unless it starts an acronym."""
        name = self.name
        if len(name) > 1 and name[1].isupper():
            return name
        return name[:1].lower() + name[1:]


class IndicatorValue(models.Model):
    class Source(models.TextChoices):
        ENTERED = "entered", "Entered"
        RETURNS = "returns", "From monitoring returns"

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(max_digits=14, decimal_places=2)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ENTERED)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area"], name="needs_one_value_per_indicator_and_area"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="needs_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.value} for indicator {self.indicator_id} in area {self.area_id}"


class CurrentAllocation(models.Model):
    """What an area gets now, to show each new share beside it with the difference."""

    assessment = models.ForeignKey(
        NeedsAssessment, on_delete=models.CASCADE, related_name="current_allocations"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "area"], name="needs_one_current_allocation_per_area"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="needs_current_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} now for area {self.area_id}"
