"""The office's own returns to its funders (the Ministry of Justice's victims' services grant return, say).

What a funder asks for is data, edited in admin when the funder changes its form: a `ReturnTemplate` with its
sections and questions, each question saying where its figure comes from. A `FunderReturn` is one period's return,
built from accepted provider returns and the payments ledger (funder_returns.services.prepare_return). Its figures,
the rows behind each figure and the gaps are copied into its own tables when it is built, so a return signed off by
the Chief Finance Officer never changes when a provider's return is later amended or the template is edited.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from core.money import format_pounds

MONEY = {"max_digits": 12, "decimal_places": 2}
FIGURE = {"max_digits": 14, "decimal_places": 2}


class Frequency(models.TextChoices):
    QUARTERLY = "quarterly", "Quarterly"
    SIX_MONTHLY = "six_monthly", "Six-monthly"
    ANNUAL = "annual", "Annual"


class ReturnTemplate(models.Model):
    """What one funder asks for, how often, about which money and from which providers' returns."""

    Frequency = Frequency

    name = models.CharField(max_length=200, unique=True)
    funder = models.CharField(max_length=200, help_text="Who the return goes to, e.g. Ministry of Justice")
    frequency = models.CharField(
        max_length=20,
        choices=Frequency,
        default=Frequency.SIX_MONTHLY,
        help_text="How often the funder asks for the return; its periods follow the financial year",
    )
    streams = models.ManyToManyField(
        "funds.FundingStream",
        related_name="funder_return_templates",
        help_text="The funding streams whose money the return reports",
    )
    monitoring_template = models.ForeignKey(
        "providers.MonitoringTemplate",
        on_delete=models.PROTECT,
        related_name="funder_return_templates",
        help_text="The providers' monitoring returns whose figures feed it",
    )
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True, help_text="Offered when preparing a return")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReturnSection(models.Model):
    """A heading of the funder's form: "Spend by priority area", "Victims supported by crime type"."""

    template = models.ForeignKey(ReturnTemplate, on_delete=models.CASCADE, related_name="sections")
    heading = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "order", "pk"]

    def __str__(self) -> str:
        return self.heading


class Source(models.TextChoices):
    MEASURE = "measure", "A measure in the providers' returns"
    OPTION = "option", "One option of a measure's breakdown (a crime type, sex, age band…)"
    SPEND = "spend", "Spend from the payments ledger"
    SERVICES = "services", "Number of services funded"


class ReturnQuestion(models.Model):
    """One figure the funder asks for, and where it comes from."""

    Source = Source

    section = models.ForeignKey(ReturnSection, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(max_length=300, help_text="As the funder's form words it")
    order = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=20, choices=Source)
    measure = models.ForeignKey(
        "providers.Measure",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a measure: which one (from the template's monitoring template)",
    )
    option = models.ForeignKey(
        "providers.BreakdownOption",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a breakdown option: which one",
    )
    theme = models.CharField(
        max_length=120,
        blank=True,
        help_text="Count only services with this priority area or theme (as written on the service); blank for all",
    )

    class Meta:
        ordering = ["section__order", "section", "order", "pk"]

    def __str__(self) -> str:
        return self.label

    def clean(self):
        # In admin the section may not be saved yet (a new section with its questions): read it, not its id.
        section = getattr(self, "section", None) if self.section_id is None else self.section
        template = getattr(section, "template", None) if section is not None else None
        errors = {}
        if self.source == Source.MEASURE:
            if self.measure_id is None:
                errors["measure"] = "Choose the measure this figure adds up."
            elif self.measure.kind == self.measure.Kind.TEXT:
                errors["measure"] = (
                    "A text measure has no figure to add up. Choose a number, count or money one."
                )
            elif template and self.measure.template_id != template.monitoring_template_id:
                errors["measure"] = (
                    f"Choose a measure from {template.monitoring_template}, the monitoring template "
                    "this return is filled from."
                )
        elif self.measure_id is not None:
            errors["measure"] = "Only a figure taken from a measure names a measure. Leave it blank."
        if self.source == Source.OPTION:
            if self.option_id is None:
                errors["option"] = "Choose the breakdown option this figure counts."
            elif template and self.option.breakdown.measure.template_id != template.monitoring_template_id:
                errors["option"] = (
                    f"Choose an option of a measure in {template.monitoring_template}, the monitoring "
                    "template this return is filled from."
                )
        elif self.option_id is not None:
            errors["option"] = "Only a figure taken from a breakdown names an option. Leave it blank."
        if errors:
            raise ValidationError(errors)


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    READY = "ready", "Ready for sign-off"
    SIGNED_OFF = "signed_off", "Signed off"


class FunderReturn(models.Model):
    """One period's return to a funder. Status moves only through funder_returns.services.move."""

    Status = ReturnStatus

    template = models.ForeignKey(ReturnTemplate, on_delete=models.PROTECT, related_name="returns")
    year = models.ForeignKey("funds.FinancialYear", on_delete=models.PROTECT, related_name="funder_returns")
    period_label = models.CharField(max_length=40, help_text='e.g. "H1 2024/25"')
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=12, choices=ReturnStatus, default=ReturnStatus.DRAFT)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    prepared_at = models.DateTimeField(null=True, editable=False)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    signed_off_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-starts_on", "template__name"]
        permissions = [
            ("prepare_funderreturn", "Can prepare a return to a funder and send it for sign-off"),
            ("sign_off_funderreturn", "Can sign off a return to a funder"),
        ]
        constraints = [
            # The dates, not just the start: if the funder moves from six-monthly to quarterly, Q1 and the old H1
            # both start on 1 April and are different returns.
            models.UniqueConstraint(
                fields=["template", "starts_on", "ends_on"], name="one_funder_return_per_period"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="funder_return_dates"
            ),
            # Separation of duties: whoever built the figures never signs them off.
            models.CheckConstraint(
                condition=Q(signed_off_by__isnull=True) | ~Q(signed_off_by=models.F("prepared_by")),
                name="funder_return_prepared_and_signed_by_two_people",
            ),
            models.CheckConstraint(
                condition=~Q(status="signed_off")
                | Q(signed_off_by__isnull=False, signed_off_at__isnull=False),
                name="signed_off_funder_return_has_signatory",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.name}, {self.period_label}"

    @property
    def tag_class(self) -> str:
        return {
            ReturnStatus.DRAFT: "govuk-tag--grey",
            ReturnStatus.READY: "govuk-tag--yellow",
            ReturnStatus.SIGNED_OFF: "govuk-tag--green",
        }[ReturnStatus(self.status)]


class Kind(models.TextChoices):
    COUNT = "count", "Count"
    NUMBER = "number", "Number"
    PERCENTAGE = "percentage", "Percentage"
    MONEY = "money", "Money"
    YES_NO = "yes_no", "Yes or no"


class FunderReturnFigure(models.Model):
    """One answer, as built: the question's words are copied so a later edit of the template leaves it alone."""

    Kind = Kind

    funder_return = models.ForeignKey(FunderReturn, on_delete=models.CASCADE, related_name="figures")
    question = models.ForeignKey(
        ReturnQuestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="figures"
    )
    section_heading = models.CharField(max_length=200)
    label = models.CharField(max_length=300)
    order = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=12, choices=Kind)
    value = models.DecimalField(**FIGURE, null=True, blank=True, help_text="None: nothing to report")
    how = models.TextField(help_text="How the figure was worked out, in a sentence")

    class Meta:
        ordering = ["funder_return", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.label}: {self.value}"

    @property
    def shown(self) -> str:
        """The figure as the return prints it: £1,234.50, 68.4%, 1,203, or "Nothing to report"."""
        return show(self.value, self.kind)


def show(value, kind: str) -> str:
    if value is None:
        return "Nothing to report"
    if kind == Kind.MONEY:
        return format_pounds(value, pence=True)
    whole = value == value.to_integral_value()
    number = f"{int(value):,}" if whole else f"{value.normalize():,f}"
    return f"{number}%" if kind == Kind.PERCENTAGE else number


class FigureSource(models.Model):
    """One row behind a figure: a provider's return and what it said, a payment and its amount, or a service counted.
    The amount is copied when the return is built, so the trace reads as the figure was made."""

    class Kind(models.TextChoices):
        RETURN = "return", "Provider return"
        PAYMENT = "payment", "Payment"
        SERVICE = "service", "Service"

    figure = models.ForeignKey(FunderReturnFigure, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(max_length=10, choices=Kind)
    monitoring_return = models.ForeignKey(
        "providers.MonitoringReturn", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment = models.ForeignKey(
        "funds.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        "providers.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=400)
    amount = models.DecimalField(**FIGURE, null=True, blank=True)

    class Meta:
        ordering = ["figure", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="return", monitoring_return__isnull=False)
                | Q(kind="payment", payment__isnull=False)
                | Q(kind="service", service__isnull=False),
                name="figure_source_names_its_row",
            )
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def shown(self) -> str:
        return "" if self.amount is None else show(self.amount, self.figure.kind)


class ReturnGap(models.Model):
    """A service funded from the template's streams with no accepted return for a period inside the funder's."""

    funder_return = models.ForeignKey(FunderReturn, on_delete=models.CASCADE, related_name="gaps")
    service = models.ForeignKey("providers.Service", on_delete=models.PROTECT, related_name="+")
    provider_name = models.CharField(max_length=200)
    service_name = models.CharField(max_length=250)
    period_label = models.CharField(max_length=40)
    state = models.CharField(max_length=120, help_text='Where its return is, e.g. "Changes requested"')

    class Meta:
        ordering = ["funder_return", "provider_name", "service_name", "period_label", "pk"]

    def __str__(self) -> str:
        return f"{self.provider_name}, {self.service_name}: {self.period_label} ({self.state})"
