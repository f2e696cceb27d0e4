"""A funding round: when it is open, who may apply, what it asks and how answers are scored."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from funds.models import MONEY, Area, Budget, BudgetLine


class OrganisationType(models.TextChoices):
    REGISTERED_CHARITY = "registered_charity", "Registered charity"
    CIO = "cio", "Charitable incorporated organisation (CIO)"
    CIC = "cic", "Community interest company (CIC)"
    CONSTITUTED_GROUP = "constituted_group", "Constituted community group"
    COMPANY_LIMITED_BY_GUARANTEE = "clg", "Company limited by guarantee (not for profit)"
    COMMUNITY_BENEFIT_SOCIETY = "cbs", "Community benefit society"
    PARISH_COUNCIL = "parish_council", "Parish or town council"
    OTHER = "other", "Another kind of organisation"


class Requirement(models.TextChoices):
    """Things an organisation must have to apply. The question asked is the label."""

    GOVERNING_DOCUMENT = (
        "governing_document",
        "a governing document, such as a constitution or articles of association",
    )
    SAFEGUARDING_POLICY = "safeguarding_policy", "a safeguarding policy"
    BANK_ACCOUNT = "bank_account", "a bank account in the organisation's name with two unrelated signatories"


class Round(models.Model):
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="rounds")
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    reference_prefix = models.CharField(max_length=10, help_text='Starts every reference number, e.g. "HCF"')
    summary = models.CharField(max_length=300, help_text="One sentence shown in the list of open rounds")
    what_it_funds = models.TextField(blank=True)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    minimum_grant = models.DecimalField(**MONEY)
    maximum_grant = models.DecimalField(**MONEY)
    areas = models.ManyToManyField(Area, related_name="rounds", help_text="The areas projects must serve")
    organisation_types = models.JSONField(default=list, help_text="OrganisationType values that may apply")
    requirements = models.JSONField(default=list, help_text="Requirement values every applicant must meet")
    default_line = models.ForeignKey(
        BudgetLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Awards are committed here when the project's area has no line of its own",
    )
    scoring_scale = models.PositiveSmallIntegerField(
        default=5, help_text="Each criterion is scored 0 up to this"
    )
    decision_required_over = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        help_text="Awards above this need a PCC decision linked before approval",
    )
    contact_email = models.EmailField(blank=True)
    open_call = models.BooleanField(
        default=True,
        help_text="Any eligible organisation may apply. Untick for rounds open only to invited applicants",
    )
    projects_start_on = models.DateField(
        null=True,
        blank=True,
        help_text="When funded projects start. Empty means the start of the financial year",
    )
    projects_end_on = models.DateField(
        null=True, blank=True, help_text="When funded projects end. Empty means the end of the financial year"
    )
    illustrative = models.BooleanField(default=False)

    class Meta:
        ordering = ["-closes_at", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="round_closes_after_it_opens"
            ),
            models.CheckConstraint(
                condition=Q(maximum_grant__gte=models.F("minimum_grant")),
                name="round_maximum_at_least_minimum",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        # JSON typed into the admin can be any shape; only a list of values can be checked below.
        for name, allowed in (
            ("organisation_types", OrganisationType.values),
            ("requirements", Requirement.values),
        ):
            chosen = getattr(self, name)
            if not isinstance(chosen, list) or not all(isinstance(value, str) for value in chosen):
                raise ValidationError(
                    {name: f'Enter a list of values in double quotes, like ["{allowed[0]}"]'}
                )
        bad = set(self.organisation_types) - set(OrganisationType.values)
        if bad:
            raise ValidationError(
                {"organisation_types": f"Unknown organisation types: {', '.join(sorted(bad))}"}
            )
        bad = set(self.requirements) - set(Requirement.values)
        if bad:
            raise ValidationError({"requirements": f"Unknown requirements: {', '.join(sorted(bad))}"})
        if self.pk and self.scoring_scale is not None:
            # A smaller scale than the scores already given would put applications' scores above 100%.
            highest = self.criteria.aggregate(m=models.Max("scores__score"))["m"]
            if highest is not None and self.scoring_scale < highest:
                raise ValidationError(
                    {
                        "scoring_scale": f"Assessors have already given scores up to {highest}. "
                        f"Choose a scale of {highest} or more"
                    }
                )

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at

    @property
    def organisation_type_labels(self) -> list[str]:
        return [OrganisationType(v).label for v in self.organisation_types]

    @property
    def requirement_labels(self) -> list[str]:
        return [Requirement(v).label for v in self.requirements]


class RoundRingFence(models.Model):
    """A theme with money set aside, held as a ring-fenced budget line so approvals check it under the same lock."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ring_fences")
    theme = models.CharField(max_length=120)
    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="round_ring_fences")

    class Meta:
        ordering = ["theme"]
        constraints = [models.UniqueConstraint(fields=["round", "theme"], name="unique_theme_per_round")]

    def __str__(self) -> str:
        return self.theme

    def clean(self):
        if self.line_id and self.line.kind != BudgetLine.Kind.RING_FENCE:
            raise ValidationError({"line": "Choose a ring-fenced budget line."})


class Question(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    hint = models.CharField(max_length=300, blank=True)
    max_words = models.PositiveSmallIntegerField(default=250)

    class Meta:
        ordering = ["round", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class Criterion(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["round", "order", "pk"]
        verbose_name_plural = "criteria"

    def __str__(self) -> str:
        return self.name
