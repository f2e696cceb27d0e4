"""Money: the office, financial years, areas, funding streams, budgets and their lines, and PCC decisions.

Every figure a report prints is derived from these rows; totals are computed, never stored.
"""

import datetime
import re
from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class MoneyField(TypedDict):
    max_digits: int
    decimal_places: int


# Every amount of money: DecimalField(**MONEY). Typed so that mypy knows which arguments it fills.
MONEY: MoneyField = {"max_digits": 12, "decimal_places": 2}


class Office(models.Model):
    """The commissioner's office that runs this deployment; nothing about one PCC is hard-coded."""

    name = models.CharField(max_length=200)
    short_name = models.CharField(
        max_length=60, help_text="Used in emails and page titles, e.g. West Midlands OPCC"
    )
    address = models.TextField(blank=True)
    police_force_area = models.CharField(max_length=120, blank=True)
    police_force_area_code = models.CharField("police force area ONS code", max_length=9, blank=True)
    giving_prefix = models.CharField(
        "360Giving prefix",
        max_length=40,
        blank=True,
        help_text="Registered 360Giving prefix, e.g. 360G-wmpcc",
    )
    org_identifier = models.CharField(
        "organisation identifier",
        max_length=60,
        blank=True,
        help_text="org-id.guide identifier, e.g. GB-GOR-PC000123",
    )
    contact_email = models.EmailField(blank=True)

    # Separation of duties, set by each office (applications.duties and funds.services apply them).
    second_signature_over = models.DecimalField(
        "second signature over",
        max_digits=14,
        decimal_places=2,
        default=Decimal("10000.00"),
        help_text="An award or transfer above this needs a second, different finance approver",
    )
    transfer_decision_over = models.DecimalField(
        "PCC decision for transfers over",
        max_digits=14,
        decimal_places=2,
        default=Decimal("10000.00"),
        help_text="A transfer or top-up above this needs a PCC decision",
    )
    variation_decision_over = models.DecimalField(
        "PCC decision for variations over",
        max_digits=14,
        decimal_places=2,
        default=Decimal("10000.00"),
        help_text="A variation that changes an award's or a service's money by more than this needs a PCC decision",
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        "payment terms (days)",
        default=30,
        help_text="A scheduled payment not made this many days after it fell due shows as overdue",
    )
    payment_run_columns = models.JSONField(
        "payment run file columns",
        default=list,
        blank=True,
        help_text="The columns of the payment run file, in order, as the finance system reads it. "
        "Empty means the standard columns (reports.payment_run lists the names)",
    )
    recommender_may_decide = models.BooleanField(
        "the person who recommends may record the panel's decision",
        default=False,
        help_text="Leave unticked so that whoever recommends an application never also decides it",
    )

    class CouncilTaxBands(models.TextChoices):
        # Local Government Finance Act 1992 s5: England's eight bands; Wales has had a ninth, Band I, since 2005.
        ENGLAND = "england", "England: Bands A to H"
        WALES = "wales", "Wales: Bands A to I (Band I from 2005/06)"

    council_tax_bands = models.CharField(
        "council tax bands",
        max_length=10,
        choices=CouncilTaxBands.choices,
        default=CouncilTaxBands.ENGLAND,
        help_text="The bands the precept table prints, each a statutory proportion of Band D",
    )

    def __str__(self) -> str:
        return self.name


class FinancialYear(models.Model):
    """1 April to 31 March, stored once by the calendar year it starts in and printed in whichever style a table needs."""

    class LabelStyle(models.TextChoices):
        SLASH = "slash", "2024/25"
        SHORT = "short", "24-25"
        LONG = "long", "2024-25"

    start_year = models.PositiveSmallIntegerField(unique=True)
    # Set by funds.services.close_year: after it, nothing about this year's money changes.
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        editable=False,
        related_name="+",
    )
    close_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-start_year"]
        permissions = [
            ("close_financialyear", "Can close a financial year"),
        ]

    def __str__(self) -> str:
        return self.label()

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def label(self, style: str = LabelStyle.SLASH) -> str:
        end = (self.start_year + 1) % 100
        if style == self.LabelStyle.SHORT:
            return f"{self.start_year % 100:02d}-{end:02d}"
        if style == self.LabelStyle.LONG:
            return f"{self.start_year}-{end:02d}"
        return f"{self.start_year}/{end:02d}"

    @property
    def starts_on(self) -> datetime.date:
        return datetime.date(self.start_year, 4, 1)

    @property
    def ends_on(self) -> datetime.date:
        return datetime.date(self.start_year + 1, 3, 31)

    # Labels are read only within this range: a typo like 9999-00 or 0000-01 is refused with a message, never
    # turned into a date Python cannot hold (year 10000) or silently read as another year (2000/01).
    FIRST_START_YEAR = 2000
    LAST_START_YEAR = 2099

    @classmethod
    def start_year_from_label(cls, text: str) -> int:
        """Reads a label in any style `label()` prints, "2024/25", "24-25" or "2024-25" (spaces around it are
        ignored), for a year from 2000/01 to 2099/00; raises ValueError with a message a person can act on."""
        text = (text or "").strip()
        match = re.fullmatch(r"(?:(\d{4})[/-]|(\d{2})-)(\d{2})", text, flags=re.ASCII)
        if not match:
            raise ValueError(f'"{text}" is not a financial year. Write it like 2024/25')
        start = int(match.group(1)) if match.group(1) else 2000 + int(match.group(2))
        if (start + 1) % 100 != int(match.group(3)):
            raise ValueError(
                f'"{text}" is not a financial year: the second year must follow the first, like 2024/25'
            )
        if not cls.FIRST_START_YEAR <= start <= cls.LAST_START_YEAR:
            first, last = cls(start_year=cls.FIRST_START_YEAR), cls(start_year=cls.LAST_START_YEAR)
            raise ValueError(
                f'"{text}" is not a financial year this service covers. Enter a year from '
                f"{first.label()} to {last.label()}, like 2024/25"
            )
        return start

    @classmethod
    def containing(cls, day: datetime.date) -> int:
        return day.year if day.month >= 4 else day.year - 1


class Area(models.Model):
    """A place money is shared between. Boundaries change, so areas are dated and point at their successor."""

    class Kind(models.TextChoices):
        FORCE_AREA = "force_area", "Police force area"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        COMMUNITY_SAFETY_PARTNERSHIP = "csp", "Community safety partnership"
        LOCAL_POLICING_AREA = "lpa", "Local policing area"
        NEIGHBOURHOOD_POLICING_UNIT = "npu", "Neighbourhood policing unit"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ons_code = models.CharField("ONS code", max_length=9, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    succeeded_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        help_text="The area this one rolls up into after a boundary change (Birmingham East NPU → Birmingham LPA)",
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name", "valid_from"],
                name="area_unique_name_per_kind_and_start",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="area_valid_to_after_valid_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def is_valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def rolled_up_to(self, day: datetime.date) -> "Area":
        """The area in force on `day` that this area's figures belong to, following successors."""
        area, seen = self, set()
        while not area.is_valid_on(day) and area.succeeded_by_id and area.pk not in seen:
            seen.add(area.pk)
            area = area.succeeded_by
        return area


class Purpose(models.TextChoices):
    """What a funding stream's money is for; a funding source may limit the purposes its money can pay for."""

    VICTIMS_SERVICES = "victims_services", "Victims' services"
    COMMUNITY_GRANTS = "community_grants", "Community grants"
    COMMUNITY_SAFETY = "community_safety", "Community safety"
    PREVENTION = "prevention", "Prevention and intervention"
    POLICE_OFFICERS = "police_officers", "Police officers"
    OTHER = "other", "Other"


def _purposes_list(value) -> None:
    if not isinstance(value, list) or any(v not in Purpose.values for v in value):
        raise ValidationError("Choose purposes from the list.")


class FundingSource(models.Model):
    class Kind(models.TextChoices):
        PROCEEDS_OF_CRIME = "poca", "Proceeds of Crime Act"
        MINISTRY_OF_JUSTICE = "moj", "Ministry of Justice"
        HOME_OFFICE = "home_office", "Home Office"
        POLICE_FUND = "police_fund", "Police fund"
        RESERVES = "reserves", "Reserves"
        PARTNER = "partner", "Partner contribution"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The grant's terms, applied by funds.services to every transfer and top-up of this source's money. A list of
    # Purpose values; a JSON list rather than a table because it is read whole and SQLite runs the demo too.
    allowed_purposes = models.JSONField(
        "may only fund",
        default=list,
        blank=True,
        validators=[_purposes_list],
        help_text="Leave empty if this money may fund any purpose",
    )
    excluded_purposes = models.JSONField(
        "may not fund", default=list, blank=True, validators=[_purposes_list]
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def describe_terms(self) -> str:
        labels = dict(Purpose.choices)
        if self.allowed_purposes:
            return "Only " + " or ".join(labels.get(p, p).lower() for p in self.allowed_purposes)
        if self.excluded_purposes:
            return "Anything but " + " or ".join(labels.get(p, p).lower() for p in self.excluded_purposes)
        return "Anything"

    def refusal_for(self, purpose: str) -> str:
        """Why this source's money may not fund `purpose`, or "" if it may."""
        label = Purpose(purpose).label.lower() if purpose in Purpose.values else purpose
        if purpose in self.excluded_purposes:
            return f"{self.name} money may not fund {label}"
        if self.allowed_purposes and purpose not in self.allowed_purposes:
            allowed = " or ".join(
                Purpose(p).label.lower() for p in self.allowed_purposes if p in Purpose.values
            )
            return f"{self.name} money may only fund {allowed}"
        return ""


class FundingStream(models.Model):
    """A programme money is given through. A rename keeps the stream; old names are kept as StreamName rows."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(unique=True)
    source = models.ForeignKey(FundingSource, on_delete=models.PROTECT, related_name="streams")
    purpose = models.CharField(
        max_length=30,
        choices=Purpose,
        default=Purpose.OTHER,
        help_text="What this stream's money pays for; a funding source may refuse some purposes",
    )
    description = models.TextField(blank=True)
    area_kind = models.CharField(
        max_length=20,
        choices=Area.Kind.choices,
        blank=True,
        help_text="The kind of area this stream's area allocations are made to",
    )
    report_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["report_order", "name"]

    def __str__(self) -> str:
        return self.name


class StreamName(models.Model):
    """A name a stream has had, for searching and for reading old reports (Active Citizens Fund → …)."""

    stream = models.ForeignKey(FundingStream, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=120, unique=True)
    used_from = models.DateField(null=True, blank=True)
    used_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["used_from", "name"]

    def __str__(self) -> str:
        return self.name


class Decision(models.Model):
    """An entry in the PCC's decision register. Confidential decisions are listed with their public summary only."""

    class Confidentiality(models.TextChoices):
        PUBLIC = "public", "Public"
        CONFIDENTIAL = "confidential", "Confidential"
        COMMERCIALLY_CONFIDENTIAL = "commercial", "Commercially confidential"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        MADE = "made", "Made"

    number = models.CharField(
        max_length=20, unique=True, help_text='As printed, e.g. "016-2020" (or "024/2019")'
    )
    decided_on = models.DateField(null=True, blank=True)
    title = models.CharField(max_length=250)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.MADE)
    confidentiality = models.CharField(
        max_length=20, choices=Confidentiality.choices, default=Confidentiality.PUBLIC
    )
    public_summary = models.TextField(blank=True)
    public_description = models.CharField(
        max_length=250,
        blank=True,
        help_text="One line anyone may read. For a confidential decision it is all that is published beside its number "
        "and date, so it must not repeat the title",
    )
    budgets = models.ManyToManyField("Budget", blank=True, related_name="decisions")
    lines = models.ManyToManyField("BudgetLine", blank=True, related_name="decisions")

    class Meta:
        ordering = ["-decided_on", "-number"]

    def __str__(self) -> str:
        return f"PCC Decision {self.number}: {self.title}"

    def clean(self):
        if self.confidentiality != self.Confidentiality.PUBLIC and not self.public_description.strip():
            raise ValidationError(
                {
                    "public_description": "Give a one-line public description: it is all that is published of this decision"
                }
            )


class Budget(models.Model):
    """A stream's pot for one financial year. The pot is the sum of its ledger entries."""

    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="budgets")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="budgets")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-year__start_year", "stream__report_order"]
        permissions = [
            ("transfer_funds", "Can transfer money between budgets and top up pots"),
            ("countersign", "Can give the second approval for large awards and transfers"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["stream", "year"], name="one_budget_per_stream_and_year")
        ]

    def __str__(self) -> str:
        return f"{self.stream} {self.year}"


class BudgetEntry(models.Model):
    """A movement into or out of a budget's pot. Transfers are two entries sharing a transfer reference."""

    class Kind(models.TextChoices):
        ALLOCATION = "allocation", "Allocation"
        TOP_UP = "top_up", "Top-up"
        TRANSFER_IN = "transfer_in", "Transfer in"
        TRANSFER_OUT = "transfer_out", "Transfer out"
        REDUCTION = "reduction", "Reduction"

    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.DecimalField(**MONEY, help_text="Positive adds to the pot, negative takes from it")
    source = models.ForeignKey(FundingSource, null=True, blank=True, on_delete=models.PROTECT)
    counterpart = models.ForeignKey(
        Budget,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The other side of a transfer",
    )
    transfer_reference = models.UUIDField(null=True, blank=True, db_index=True)
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    note = models.CharField(max_length=250, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The second approver of a transfer over the office's second-signature threshold",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "budget entries"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["allocation", "top_up", "transfer_in"], amount__gt=0)
                    | Q(kind__in=["transfer_out", "reduction"], amount__lt=0)
                ),
                name="budget_entry_sign_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class TransferRequest(models.Model):
    """A transfer over the office's second-signature threshold, waiting for a different person to countersign it.

    funds.services.request_transfer makes it; approve_transfer (by someone else holding funds.countersign) makes the
    two ledger entries; refuse_transfer closes it with a reason. Nothing else writes it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a second signature"
        APPROVED = "approved", "Approved and made"
        REFUSED = "refused", "Refused"

    from_budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="+")
    to_budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("reason", max_length=250)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=250, blank=True)
    transfer_reference = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_request_amount_positive"),
            models.CheckConstraint(
                condition=~Q(from_budget=models.F("to_budget")), name="transfer_request_two_budgets"
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer of £{self.amount:,} from {self.from_budget} to {self.to_budget}"


class BudgetSection(models.Model):
    """A heading that groups lines in a printed table, with its own sub-total ("Force Wide Commissioning Allocations")."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="sections")
    heading = models.CharField(max_length=200)
    subtotal_label = models.CharField(
        max_length=120, blank=True, help_text='e.g. "Sub-Total" or "7 Local CSP\'s"'
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["budget", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "heading"], name="unique_section_heading_per_budget")
        ]

    def __str__(self) -> str:
        return self.heading


class BudgetLine(models.Model):
    """An allocation inside a budget: to an area, a reserve, a ring-fenced sub-pot, a commissioning line or a priority."""

    class Kind(models.TextChoices):
        AREA = "area", "Area allocation"
        RESERVE = "reserve", "Reserve"
        RING_FENCE = "ring_fence", "Ring-fenced sub-pot"
        COMMISSIONING = "commissioning", "Force-wide commissioning line"
        PRIORITY = "priority", "Priority area"
        PROJECT = "project", "Project"

    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="lines")
    section = models.ForeignKey(
        BudgetSection, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=250)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="budget_lines"
    )
    amount = models.DecimalField(**MONEY)
    order = models.PositiveSmallIntegerField(default=0)
    recorded_project_count = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Number of projects as recorded, used until awards are made against this line",
    )
    illustrative = models.BooleanField(
        default=False, help_text="Invented for the demo, not a published figure"
    )
    # The finance system's codes, printed on the payment run file for every payment made from this line.
    cost_centre = models.CharField(max_length=20, blank=True)
    nominal_code = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["budget", "section__order", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_amount_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind="area") | Q(area__isnull=False), name="area_line_has_an_area"
            ),
            models.UniqueConstraint(
                fields=["budget", "section", "name"],
                name="unique_line_name_per_section",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.budget})"

    def clean(self):
        if self.kind == self.Kind.AREA and not self.area_id:
            raise ValidationError({"area": "Choose the area this allocation is for."})


class Commitment(models.Model):
    """Money promised from a line to an award or a contract. Created and released only through funds.services."""

    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="commitments")
    amount = models.DecimalField(**MONEY)
    reference = models.CharField(max_length=120, help_text="What the money is for, e.g. an award reference")
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    committed_for = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    # A commitment carried into the next financial year (funds.services.carry_forward) points at the one it continues.
    carried_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="carried_to", editable=False
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            # Commitments in their own order: a page of them, at any offset, walks this index alone.
            models.Index(fields=["created_at", "id"], name="commitment_in_order_idx"),
            # What is committed on each line (funds.selectors.with_line_totals and with_budget_totals), summed from
            # this index alone, without visiting the commitments themselves.
            models.Index(
                fields=["line"],
                include=["amount", "id"],  # the id too: with_line_totals counts the commitments
                condition=Q(released_at__isnull=True),
                name="commitment_live_amount_idx",
            ),
        ]
        permissions = [
            ("release_commitment", "Can release a commitment's unpaid money"),
            ("vary_commitment", "Can vary committed money, release underspends and record repayments"),
            ("carry_forward_commitment", "Can carry unspent commitments into the next financial year"),
            ("roll_forward_year", "Can roll a year's budget structure forward into the next"),
        ]
        # Zero once an underspend or a repayment has brought it down to what was paid (and nothing was).
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="commitment_amount_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.amount}"


class CommitmentChange(models.Model):
    """A change to a commitment's amount after it was made: a variation, an underspend released at the end of a grant
    or contract, money repaid, or the unspent part carried into the next year. Commitment.amount is always the
    original plus these; each is written by a funds.services function in the same locked transaction."""

    class Kind(models.TextChoices):
        VARIATION = "variation", "Variation"
        UNDERSPEND = "underspend", "Underspend released"
        REPAID = "repaid", "Money repaid"
        CARRIED_FORWARD = "carried_forward", "Carried forward"

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.DecimalField(**MONEY, help_text="Added to the commitment: negative lowers it")
    amount_before = models.DecimalField(**MONEY)
    reason = models.TextField()
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="commitment_changes"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["commitment", "kind"], include=["amount"], name="commitment_change_idx")
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="commitment_change_not_zero"),
            models.CheckConstraint(
                condition=Q(kind="variation") | Q(amount__lt=0), name="only_a_variation_raises_a_commitment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.amount} on {self.commitment.reference}"


class Payment(models.Model):
    """Money paid out against a commitment, a correction of such a payment, or money paid back. The ledger of what
    was paid: rows are only ever added (funds.services), never edited or deleted."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", "Payment"
        CORRECTION = "correction", "Correction"
        REPAYMENT = "repayment", "Repayment"

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PAYMENT, editable=False)
    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="payments")
    # The commitment's line, copied by funds.services.record_payment: paid totals per line and per budget then read
    # one index instead of joining every payment to its commitment (docs/benchmarks.md, the staff dashboard).
    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="payments", editable=False)
    amount = models.DecimalField(**MONEY)
    paid_on = models.DateField()
    reference = models.CharField(max_length=120, blank=True)
    # A correction is a new payment of the opposite amount pointing at the one it reverses (funds.services.
    # reverse_payment); one-to-one, so a payment is reversed at most once. Paid totals add both and net to nothing.
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["paid_on", "pk"]
        indexes = [
            # Payments in their own order: a page of them, at any offset, walks this index alone.
            models.Index(fields=["paid_on", "id"], name="payment_in_order_idx"),
            # What is paid on each line, summed from this index alone (funds.selectors' totals).
            models.Index(fields=["line"], include=["amount"], name="payment_amount_by_line_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="payment", amount__gt=0, reverses__isnull=True)
                | Q(kind="correction", amount__lt=0, reverses__isnull=False)
                | Q(kind="repayment", amount__lt=0, reverses__isnull=True),
                name="payment_kind_sign_and_reversal",
            )
        ]
        permissions = [
            ("record_payment", "Can record payments"),
            ("reverse_payment", "Can correct a payment by a reversing entry"),
        ]

    def __str__(self) -> str:
        return f"Payment of {self.amount} on {self.paid_on}"


YEAR_PLACEHOLDERS = "{year} prints 2024/25, {year_short} 24-25 and {year_long} 2024-25"


class ReportTable(models.Model):
    """How a table of the annual report is printed: its number, title, headings and total label.

    Most are budget tables, each printing one funding stream's budget (Tables 4 to 8 in 2024/25). A precept table
    (Table 3) prints the council tax bands from the year's Precept: it has no stream and no total; its amount heading
    is printed once for the year before and once for the year ("{year} Precept £: p"). Both kinds share one numbering
    per year."""

    class Kind(models.TextChoices):
        BUDGET = "budget", "Budget table"
        PRECEPT = "precept", "Police precept table"

    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="report_tables")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.BUDGET)
    stream = models.ForeignKey(
        FundingStream,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_tables",
        help_text="The stream whose budget a budget table prints; a precept table has none",
    )
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=250, help_text=YEAR_PLACEHOLDERS)
    label_heading = models.CharField(max_length=120)
    amount_heading = models.CharField(max_length=120, help_text=YEAR_PLACEHOLDERS)
    total_label = models.CharField(max_length=120, blank=True, help_text="A budget table's last row")
    show_project_count = models.BooleanField(default=False)
    rollup_below = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        help_text="Project lines under this amount are printed as one rolled-up row",
    )
    rollup_label = models.CharField(
        max_length=120, blank=True, default="{count} Projects Under {threshold}, including {named}"
    )

    class Meta:
        ordering = ["year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="unique_table_number_per_year"),
            models.UniqueConstraint(fields=["year", "stream"], name="one_table_per_stream_and_year"),
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(kind="precept"),
                name="one_precept_table_per_year",
                violation_error_message="This year's report already has a precept table.",
            ),
            models.CheckConstraint(
                condition=(Q(kind="budget", stream__isnull=False) & ~Q(total_label=""))
                | Q(kind="precept", stream__isnull=True),
                name="report_table_stream_and_total_match_kind",
                violation_error_message="A budget table names its stream and its total row; "
                "a precept table has no stream.",
            ),
        ]

    def __str__(self) -> str:
        return f"Table {self.number}. {self.printed_title}"

    def clean(self):
        if self.kind == self.Kind.BUDGET:
            errors = {}
            if not self.stream_id:
                errors["stream"] = "Choose the funding stream whose budget this table prints."
            if not self.total_label.strip():
                errors["total_label"] = "Enter the label of the table's total row."
            if errors:
                raise ValidationError(errors)
        elif self.stream_id:
            raise ValidationError({"stream": "A precept table prints no stream: leave it empty."})

    def _with_year(self, template: str, year: FinancialYear | None = None) -> str:
        year = year or self.year
        styles = FinancialYear.LabelStyle
        return template.format(
            year=year.label(styles.SLASH),
            year_short=year.label(styles.SHORT),
            year_long=year.label(styles.LONG),
        )

    @property
    def printed_title(self) -> str:
        return self._with_year(self.title)

    @property
    def printed_amount_heading(self) -> str:
        return self._with_year(self.amount_heading)

    def amount_heading_for(self, year: FinancialYear) -> str:
        """The amount heading as printed over `year`'s column: a precept table has one for the year before too."""
        return self._with_year(self.amount_heading, year)


class CouncilTaxBand(models.TextChoices):
    A = "A", "Band A"
    B = "B", "Band B"
    C = "C", "Band C"
    D = "D", "Band D"
    E = "E", "Band E"
    F = "F", "Band F"
    G = "G", "Band G"
    H = "H", "Band H"
    I = "I", "Band I"  # noqa: E741 - the band's name; Wales only


class Precept(models.Model):
    """The police precept for a year: the council tax on a Band D home, as the PCC set it. Every other band is Band D
    times its statutory proportion (funds.precept); the Police precept table prints them for this year and the last.

    Written only by funds.services.set_precept, which checks who is asking and records the change."""

    year = models.OneToOneField(FinancialYear, on_delete=models.PROTECT, related_name="precept")
    band_d = models.DecimalField(
        "Band D", **MONEY, help_text="The precept on a Band D home for the year, in pounds"
    )
    decision = models.ForeignKey(
        Decision,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="precepts",
        help_text="The PCC decision that set it",
    )
    notes = models.TextField(
        blank=True, help_text="Where the figure comes from; say so if it is illustrative"
    )

    class Meta:
        ordering = ["-year__start_year"]
        constraints = [models.CheckConstraint(condition=Q(band_d__gt=0), name="precept_band_d_positive")]

    def __str__(self) -> str:
        return f"Police precept {self.year}"


class PreceptBand(models.Model):
    """A band's precept typed in as the council's resolution printed it. It is never used to print the table: the
    Checks list any that disagree with Band D times the band's proportion (funds.precept)."""

    precept = models.ForeignKey(Precept, on_delete=models.PROTECT, related_name="typed_bands")
    band = models.CharField(max_length=1, choices=CouncilTaxBand)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["precept", "band"]
        constraints = [
            models.UniqueConstraint(fields=["precept", "band"], name="one_typed_amount_per_band"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="precept_band_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_band_display()} {self.precept.year}"


class RollupName(models.Model):
    """A small project named in its table's rolled-up row ("including Stop and Search Education, …")."""

    line = models.OneToOneField(BudgetLine, on_delete=models.CASCADE, related_name="rollup_name")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return f"Named in the rolled-up row: line {self.line_id}"


class BudgetImportJob(models.Model):
    """A spreadsheet of budget lines someone uploaded, checked and then imported by a worker, never in a web request.

    The file is kept privately (there is no MEDIA_URL). The check writes only this row, so its progress is seen as it
    goes; the import runs in one transaction with this row locked, so it happens once however often it is sent."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be checked"
        CHECKING = "checking", "Being checked"
        READY = "ready", "Checked: ready to import"
        REFUSED = "refused", "Not imported: the file has problems"
        IMPORTING = "importing", "Being imported"
        DONE = "done", "Imported"
        FAILED = "failed", "Could not be finished"

    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="imports/budget-lines/%Y/%m/")
    filename = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    # What the check found: notes, the changes it would make, the first problems and how many there were in all.
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    reason = models.CharField(max_length=250)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Bumped with each step and each few hundred rows checked: a check whose worker died shows as stalled.
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"Import of {self.filename}"
