"""A funding round: when it is open, who may apply, what it asks and how answers are scored."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from funds.models import MONEY, Area, Budget, BudgetLine, FinancialYear


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
        if self._dates_set() and (problems := self.date_problems()):
            raise ValidationError(problems)
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

    def _dates_set(self) -> bool:
        """Whether this save sets the round's dates or budget. The year rule is checked then, not on every edit: a
        round already taking applications stays editable (a typo, its form) whatever the year has become."""
        if not self.pk:
            return True
        stored = Round.objects.filter(pk=self.pk).values_list("opens_at", "closes_at", "budget_id").first()
        if stored is None:
            return True
        # To the second: the admin shows and posts back times without their microseconds.
        second = lambda moment: moment and moment.replace(microsecond=0)  # noqa: E731
        return (second(stored[0]), second(stored[1]), stored[2]) != (
            second(self.opens_at),
            second(self.closes_at),
            self.budget_id,
        )

    def years_it_may_run_in(self) -> tuple[Budget, list[FinancialYear]]:
        """The round's budget, and the financial years the round may open and close in: the budget's own year, and
        every later year still open in which the same stream has a budget (a round taking applications into the next
        year, say)."""
        budget = Budget.objects.select_related("year", "stream").get(pk=self.budget_id)
        later = FinancialYear.objects.filter(
            start_year__gt=budget.year.start_year, closed_at__isnull=True, budgets__stream_id=budget.stream_id
        ).order_by("start_year")
        return budget, [budget.year, *later]

    def date_problems(self) -> dict[str, str]:
        """Field -> why its date is refused: the round must close after it opens, and open and close in years its
        money may be spent in (years_it_may_run_in). Empty when both dates are fine."""
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            return {"closes_at": "The closing date must be after the opening date"}
        if not self.budget_id or not Budget.objects.filter(pk=self.budget_id).exists():
            return {}  # the budget's own field says what is wrong with it
        budget, years = self.years_it_may_run_in()
        allowed = {year.start_year for year in years}
        problems = {}
        for field, moment, which in (
            ("opens_at", self.opens_at, "an opening"),
            # A round closing at midnight at the start of 1 April closed within the year before.
            (
                "closes_at",
                self.closes_at and self.closes_at - datetime.timedelta(microseconds=1),
                "a closing",
            ),
        ):
            if moment is None:
                continue
            day = timezone.localtime(moment).date()
            if (day.year if day.month >= 4 else day.year - 1) not in allowed:
                problems[field] = _outside_its_years(which, budget, years[1:])
        return problems

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at

    @property
    def organisation_type_labels(self) -> list[str]:
        return [OrganisationType(v).label for v in self.organisation_types]

    @property
    def requirement_labels(self) -> list[str]:
        return [Requirement(v).label for v in self.requirements]


def _day(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _outside_its_years(which: str, budget: Budget, later: list[FinancialYear]) -> str:
    year, stream = budget.year, budget.stream.name
    said = (
        f"The round's money is in the {stream} budget for {year} "
        f"({_day(year.starts_on)} to {_day(year.ends_on)}). Choose {which} date in that year"
    )
    if later:
        return f"{said}, or in a later open year with a {stream} budget ({', '.join(str(y) for y in later)})"
    return f"{said}: no later year that is still open has a {stream} budget"


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

    def clean(self):
        problems = self.problems_of_its_own()
        # The round's page checks a question against the others as they are being saved (QuestionInlineFormSet);
        # anywhere else, against the questions as they are stored.
        if not getattr(self, "checked_with_its_form", False):
            for field, message in self.problems_with_others({}).items():
                problems.setdefault(field, message)
        if problems:
            raise ValidationError(problems)

    def problems_of_its_own(self) -> dict[str, str]:
        """Field -> what to fix, for what the question says about itself."""
        problems = {}
        section = self.section if self.section_id else None
        if section is not None and self.round_id and section.round_id != self.round_id:
            problems["section"] = "Choose a section of this round"
        options = [line.strip() for line in self.options.splitlines() if line.strip()]
        if self.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
            seen: set[str] = set()
            repeated = [o for o in options if o.casefold() in seen or seen.add(o.casefold())]
            if len(options) < 2:
                problems["options"] = "Enter at least 2 options, one on each line"
            elif repeated:
                problems["options"] = f'"{repeated[0]}" is entered more than once. Enter each option once'
        elif self.kind == QuestionKind.YES_NO and options:
            problems["options"] = "Leave the options empty: a yes or no question always offers Yes and No"
        elif options:
            problems["options"] = (
                "Only choice questions have options. Leave this empty, or choose a kind with choices"
            )
        if (
            self.kind == QuestionKind.LONG_TEXT
            and self.max_words is not None
            and not 1 <= self.max_words <= 2000
        ):
            problems["max_words"] = "Enter a word limit from 1 to 2000"
        if self.max_rows is not None and not 1 <= self.max_rows <= 50:
            problems["max_rows"] = "Enter the most rows from 1 to 50"
        if self.output.strip():
            if self.kind != QuestionKind.WHOLE_NUMBER:
                problems["output"] = (
                    "Only whole number questions add up into the year's figures. Leave this empty, or make the "
                    "question a whole number"
                )
            elif section is not None and section.purpose != FormPurpose.REPORT:
                problems["output"] = (
                    "Only answers on the end-of-grant report add up into the year's figures. Leave this empty on "
                    "an application form question"
                )
        return problems

    def problems_with_others(self, others: dict[int, "Question"]) -> dict[str, str]:
        """Field -> what to fix, for the questions this one points at: the repeating group it is a column of, and the
        earlier question whose answer shows it. `others` holds questions as they are about to be saved, by id;
        any other is read as stored."""
        problems = {}
        if self.group_id:
            group = others.get(self.group_id) or self.group
            if group.pk == self.pk or group.kind != QuestionKind.REPEATING_GROUP:
                problems["group"] = (
                    f'"{group.text}" is not a repeating group. Choose a repeating group question, or leave this empty'
                )
            elif self.section_id and group.section_id != self.section_id:
                problems["group"] = (
                    f'"{group.text}" is in the section "{group.section.title}". A column must be in the same '
                    "section as its repeating group"
                )
            if self.kind not in COLUMN_KINDS:
                problems["kind"] = (
                    "A column of a repeating group must be short text, a whole number, an amount of money or a date"
                )
            if self.shown_if_id:
                problems["shown_if"] = (
                    "A column of a repeating group cannot have a condition of its own. Put the condition on the "
                    "repeating group"
                )
        if self.shown_if_id and "shown_if" not in problems:
            problems.update(self._condition_problems(others.get(self.shown_if_id) or self.shown_if))
        elif not self.shown_if_id and self.shown_if_value.strip():
            problems["shown_if_value"] = "Choose the question this one depends on, or leave the answer empty"
        return problems

    def _condition_problems(self, earlier: "Question") -> dict[str, str]:
        if earlier.pk == self.pk:
            return {"shown_if": "A question cannot depend on its own answer. Choose an earlier question"}
        if earlier.round_id != self.round_id:
            return {"shown_if": "Choose a question of this round"}
        if earlier.kind not in CHOICE_KINDS:
            return {
                "shown_if": f'"{earlier.text}" has no options to choose from. A question can depend only on a '
                "choice or yes or no question"
            }
        if self.section_id and earlier.section_id:
            mine, theirs = self.section, earlier.section
            if mine.purpose != theirs.purpose:
                return {
                    "shown_if": f'"{earlier.text}" is on the {theirs.get_purpose_display().lower()}. A question '
                    "can depend only on a question of the same form"
                }
            if _place(theirs, earlier) >= _place(mine, self):
                return {
                    "shown_if": f'"{earlier.text}" comes after this question. A question can depend only on an '
                    "earlier one: give this question a higher order, or move it to a later section"
                }
        value, options = self.shown_if_value.strip(), earlier.option_list
        if not value:
            return {"shown_if_value": f"Enter the answer that shows this question: {', '.join(options)}"}
        if value.casefold() not in {o.casefold() for o in options}:
            return {
                "shown_if_value": f'"{value}" is not an answer to "{earlier.text}". Enter one of: '
                + ", ".join(options)
            }
        return {}


def _place(section: Section, question: Question) -> tuple:
    """Where a question comes on its form, in the order applicants meet it (applications.questions.definition); one
    not yet saved comes after the others of its order."""
    return (section.order, section.pk or 0, question.order, question.pk or float("inf"))


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
