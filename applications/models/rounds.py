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

    class ReportFrequency(models.TextChoices):
        NONE = "none", "No end-of-grant report"
        END_OF_PROJECT = "end_of_project", "One report at the end of the project"
        SIX_MONTHLY = "six_monthly", "Every six months, and at the end of the project"

    report_frequency = models.CharField(
        max_length=20,
        choices=ReportFrequency,
        default=ReportFrequency.END_OF_PROJECT,
        help_text="When awards report back on what they delivered, on the round's report form",
    )
    report_due_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days after the end of each reporting period that its report is due"
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


class FormPurpose(models.TextChoices):
    """Which form of a round a section belongs to: the one applicants fill, or the one grantees report on."""

    APPLICATION = "application", "Application form"
    REPORT = "report", "End-of-grant report"


class Section(models.Model):
    """A group of a round's questions: one task on the applicant's task list, or one part of a grant report."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="sections")
    purpose = models.CharField(max_length=20, choices=FormPurpose, default=FormPurpose.APPLICATION)
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(
        max_length=120, help_text='Shown on the task list, e.g. "Who your service supports"'
    )
    description = models.TextField(
        blank=True, max_length=1000, help_text="Plain text shown above the questions. HTML is shown as typed"
    )

    class Meta:
        ordering = ["round", "purpose", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    # Stored values never change once data exists: frozen form versions and answers refer to them.
    SHORT_TEXT = "short_text", "Short text (one line)"
    LONG_TEXT = "long_text", "Long text (with a word limit)"
    WHOLE_NUMBER = "whole_number", "Whole number"
    MONEY = "money", "Amount of money"
    DATE = "date", "Date"
    SINGLE_CHOICE = "single_choice", "Choose one (radios)"
    MULTIPLE_CHOICE = "multiple_choice", "Choose any (checkboxes)"
    YES_NO = "yes_no", "Yes or no"
    EMAIL = "email", "Email address"
    PHONE = "phone", "Phone number"
    ADDRESS = "address", "UK address"
    FILE = "file", "File upload"
    REPEATING_GROUP = "repeating_group", "Repeating group (rows of the questions that are part of it)"


# The kinds a repeating group's columns may be: each row is one line of inputs.
COLUMN_KINDS = {QuestionKind.SHORT_TEXT, QuestionKind.WHOLE_NUMBER, QuestionKind.MONEY, QuestionKind.DATE}
CHOICE_KINDS = {QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE, QuestionKind.YES_NO}


class Question(models.Model):
    """One question on a round's form. Applications are answered on a frozen copy (FormVersion), so editing a
    question here never changes what an application already started was asked."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=QuestionKind, default=QuestionKind.LONG_TEXT)
    text = models.CharField(max_length=300)
    hint = models.CharField(max_length=300, blank=True, help_text="Plain text. HTML is shown as typed")
    required = models.BooleanField(default=True)
    max_words = models.PositiveSmallIntegerField(default=250, help_text="Long text only")
    options = models.TextField(
        blank=True, help_text="Choices only: one option per line, in the order they are shown"
    )
    group = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="columns",
        help_text="Makes this question a column of a repeating group in the same section",
    )
    max_rows = models.PositiveSmallIntegerField(default=10, help_text="Repeating groups only: the most rows")
    shown_if = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Ask this only when an earlier choice or yes/no question has the answer below",
    )
    shown_if_value = models.CharField(max_length=200, blank=True, help_text='The answer, e.g. "Yes"')
    output = models.CharField(
        max_length=120,
        blank=True,
        help_text="Report forms, whole numbers only: adds the answers up in the year's figures under this name, "
        'e.g. "Young people reached"',
    )

    class Meta:
        ordering = ["round", "section__order", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_rows__gte=1, max_rows__lte=50), name="question_max_rows_1_to_50"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def option_list(self) -> list[str]:
        if self.kind == QuestionKind.YES_NO:
            return ["Yes", "No"]
        return [line.strip() for line in self.options.splitlines() if line.strip()]


class FormVersion(models.Model):
    """A round's form as it was when an application (or a report) was started on it: sections and questions frozen
    as data (applications.questions.definition). A new version is made only when the live form has changed since the
    last one; every application keeps the version it was answered on."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="form_versions")
    purpose = models.CharField(max_length=20, choices=FormPurpose, default=FormPurpose.APPLICATION)
    number = models.PositiveSmallIntegerField()
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round", "purpose", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "purpose", "number"], name="one_form_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.round} – {self.get_purpose_display()} version {self.number}"


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
