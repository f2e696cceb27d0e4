"""What a service reports: a template of measures and breakdowns, and the periods returns are made for."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

offsets_validator = RegexValidator(
    r"^\s*\d{1,3}(\s*,\s*\d{1,3})*\s*$", "Enter whole numbers of days separated by commas, like 10,3"
)


class MonitoringTemplate(models.Model):
    class Frequency(models.TextChoices):
        QUARTERLY = "quarterly", "Quarterly"
        SIX_MONTHLY = "six_monthly", "Six-monthly"
        ANNUAL = "annual", "Annual"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)
    frequency = models.CharField(max_length=20, choices=Frequency.choices, default=Frequency.QUARTERLY)
    window_opens_after_days = models.PositiveSmallIntegerField(
        default=0,
        help_text="Days after a period ends before returns can be submitted (0: the day after it ends)",
    )
    due_after_days = models.PositiveSmallIntegerField(
        default=21, help_text="Days after a period ends that its return is due"
    )
    reminder_days_before = models.CharField(
        max_length=40,
        default="10,3",
        validators=[offsets_validator],
        help_text="Days before the due date to send reminders, separated by commas",
    )
    overdue_interval_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days between reminders once a return is overdue"
    )
    overdue_reminder_limit = models.PositiveSmallIntegerField(
        default=4, help_text="Most overdue reminders to send"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(overdue_interval_days__gt=0), name="overdue_interval_positive")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def reminder_offsets(self) -> list[int]:
        return sorted({int(p) for p in self.reminder_days_before.split(",") if p.strip()}, reverse=True)

    def period_bounds(self, year) -> list[tuple[str, datetime.date, datetime.date]]:
        """(label, first day, last day) of each period of a financial year, at this template's frequency."""
        months = {self.Frequency.QUARTERLY: 3, self.Frequency.SIX_MONTHLY: 6, self.Frequency.ANNUAL: 12}[
            self.frequency
        ]
        prefix = {self.Frequency.QUARTERLY: "Q", self.Frequency.SIX_MONTHLY: "H", self.Frequency.ANNUAL: ""}[
            self.frequency
        ]
        bounds = []
        for number, first_month in enumerate(range(0, 12, months), start=1):
            start = _add_months(year.starts_on, first_month)
            end = _add_months(start, months) - datetime.timedelta(days=1)
            label = f"{prefix}{number} {year.label()}" if prefix else year.label()
            bounds.append((label, start, end))
        return bounds


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)


class Measure(models.Model):
    class Kind(models.TextChoices):
        COUNT = "count", "Count (whole number)"
        NUMBER = "number", "Number"
        PERCENTAGE = "percentage", "Percentage"
        MONEY = "money", "Money"
        TEXT = "text", "Text"
        # Stored as 1 (yes) or 0 (no) in ReturnValue.number; combined as "N of M returns said yes".
        YES_NO = "yes_no", "Yes or no"

    template = models.ForeignKey(MonitoringTemplate, on_delete=models.CASCADE, related_name="measures")
    code = models.SlugField(max_length=60, help_text="Stable name used in exports and the needs analysis")
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COUNT)
    hint = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)
    # How a percentage combines across returns (providers.aggregation): recomputed from its parts (numerator and
    # denominator), or averaged weighted by a count, or, with neither, a plain average labelled as such. A
    # percentage is never summed. Only percentages may set these; the parts are count measures of the same template.
    numerator = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a percentage recomputed from its parts: the count it is a percentage of, on top",
    )
    denominator = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a percentage recomputed from its parts: the count it is a percentage of, underneath",
    )
    weighted_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a percentage averaged across returns: the count that weights each return's percentage",
    )

    class Meta:
        ordering = ["template", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="unique_measure_code_per_template"),
            # Parts come as a pair, and a percentage is recomputed or weighted, never both.
            models.CheckConstraint(
                condition=Q(numerator__isnull=True, denominator__isnull=True)
                | Q(numerator__isnull=False, denominator__isnull=False, weighted_by__isnull=True),
                name="measure_parts_come_as_a_pair",
                violation_error_message="Choose both parts of a recomputed percentage, and no count to weight it by",
            ),
            models.CheckConstraint(
                condition=Q(kind="percentage")
                | Q(numerator__isnull=True, denominator__isnull=True, weighted_by__isnull=True),
                name="measure_only_percentages_combine_from_parts",
                violation_error_message="Only a percentage measure can be worked out from other measures",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_numeric(self) -> bool:
        return self.kind != self.Kind.TEXT

    @property
    def is_recomputed(self) -> bool:
        """A percentage worked out from its parts: the provider gives the counts, never the percentage."""
        return self.kind == self.Kind.PERCENTAGE and self.numerator_id is not None

    def clean(self):
        super().clean()
        if self.pk is not None and self.kind != self.Kind.COUNT:
            user = (
                Measure.objects.filter(Q(numerator=self) | Q(denominator=self) | Q(weighted_by=self))
                .exclude(pk=self.pk)
                .first()
            )
            if user is not None:
                # Not keyed by field here or below: the template's table of measures edits the kind, not the parts.
                raise ValidationError(
                    f"“{self.label}” must stay a count, because “{user.label}” is worked out from it. "
                    f"Change that measure first"
                )
        parts = {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "weighted_by": self.weighted_by,
        }
        given = {name: part for name, part in parts.items() if part is not None}
        if not given:
            return
        if self.kind != self.Kind.PERCENTAGE:
            raise ValidationError(
                f"Only a percentage measure can be worked out from other measures. Clear how “{self.label}” is "
                f"combined across returns, or change its kind to percentage"
            )
        errors: dict[str, str] = {}
        if (self.numerator is None) != (self.denominator is None):
            missing = "denominator" if self.denominator is None else "numerator"
            errors[missing] = (
                "Choose both the count on top and the count underneath, or neither, "
                "to recompute the percentage from its parts"
            )
        if self.weighted_by is not None and (self.numerator is not None or self.denominator is not None):
            errors["weighted_by"] = (
                "Choose either the parts to recompute the percentage from, or a count to weight it by, not both"
            )
        for name, part in given.items():
            if name in errors:
                continue
            if self.pk is not None and part.pk == self.pk:
                errors[name] = "Choose a different measure: a percentage cannot be worked out from itself"
            elif self.template_id is not None and part.template_id != self.template_id:
                errors[name] = (
                    f"Choose a measure from this template: “{part.label}” belongs to “{part.template}”"
                )
            elif part.kind != self.Kind.COUNT:
                errors[name] = (
                    f"Choose a count measure: “{part.label}” is a {part.get_kind_display().lower()} measure"
                )
        if not errors and self.numerator is not None and self.numerator == self.denominator:
            errors["denominator"] = "Choose a different count underneath from the one on top"
        if errors:
            raise ValidationError(errors)


class Breakdown(models.Model):
    """A split of a count measure by one dimension (sex, age band, ethnicity, crime type, area). Must add up to it."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="breakdowns")
    dimension = models.SlugField(max_length=40, help_text='e.g. "sex", "age-band", "area"')
    label = models.CharField(max_length=120, help_text='As read in a sentence: "sex", "age band"')
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["measure", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "dimension"], name="unique_breakdown_per_measure")
        ]

    def __str__(self) -> str:
        return f"{self.measure.label} by {self.label}"

    def clean(self):
        if self.measure_id and self.measure.kind != Measure.Kind.COUNT:
            raise ValidationError("Only count measures can be broken down.")


class BreakdownOption(models.Model):
    breakdown = models.ForeignKey(Breakdown, on_delete=models.CASCADE, related_name="options")
    code = models.SlugField(max_length=60)
    label = models.CharField(max_length=120)
    area = models.ForeignKey(
        "funds.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For an area breakdown: the area this option counts",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["breakdown", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["breakdown", "code"], name="unique_option_per_breakdown")
        ]

    def __str__(self) -> str:
        return self.label


class ReportingPeriod(models.Model):
    template = models.ForeignKey(MonitoringTemplate, on_delete=models.CASCADE, related_name="periods")
    year = models.ForeignKey(
        "funds.FinancialYear", on_delete=models.PROTECT, related_name="reporting_periods"
    )
    label = models.CharField(max_length=40, help_text='e.g. "Q1 2024/25"')
    starts_on = models.DateField()
    ends_on = models.DateField()
    window_opens_on = models.DateField(help_text="The first day a return can be submitted")
    due_on = models.DateField()

    class Meta:
        ordering = ["starts_on", "template__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "starts_on"], name="one_period_per_template_and_start"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="period_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("window_opens_on")), name="period_due_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.template})"
