"""The tables the annual report prints from monitoring returns and the money ledger, defined as data.

Tables 4 to 8 print a budget's lines (funds.ReportTable). These print other figures: one measure broken down by
category over a year's accepted returns ("Victims supported" by crime category, 2022/23), chosen measures quarter by
quarter for one service (the Arrest Referral outputs, 2024/25), or a year's money by funding stream (the Plan's
"Grants and Services Commissioned 2021/22", in £000's). `reports.data_tables` turns each into a printed table.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from funds.models import YEAR_PLACEHOLDERS, FinancialYear, FundingStream, ReportTable
from providers.models import Measure


class DataTable(models.Model):
    class Kind(models.TextChoices):
        BY_CATEGORY = "by_category", "One measure by category, over the year's accepted returns"
        BY_QUARTER = "by_quarter", "Measures by quarter, for one service"
        BY_STREAM = "by_stream", "The year's money by funding stream"

    class Money(models.TextChoices):
        POT = "pot", "Budget pots"
        ALLOCATED = "allocated", "Allocated to budget lines"
        PAID = "paid", "Paid in the year"

    class Unit(models.TextChoices):
        POUNDS = "pounds", "£"
        THOUSANDS = "thousands", "£000's"
        MILLIONS = "millions", "£m"

    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="data_tables")
    number = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Printed as “Table 9.” before the title; leave empty for an unnumbered table",
    )
    title = models.CharField(max_length=250, help_text=YEAR_PLACEHOLDERS)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    label_heading = models.CharField(
        max_length=120, help_text="The first column's heading, like “Crime category”, “Output” or “Area”"
    )
    figure_heading = models.CharField(
        max_length=120,
        blank=True,
        help_text="The figures' heading (by category or by stream), like “Victims supported”. "
        "Leave empty for the unit (“£000's”) or “Number”. " + YEAR_PLACEHOLDERS,
    )
    total_label = models.CharField(
        max_length=120,
        blank=True,
        help_text="The total row's label (the total column's heading for a table by quarter). "
        "Leave empty to print no total",
    )
    after_stream = models.ForeignKey(
        FundingStream,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Printed after this stream's budget table in the grants section; empty: at the end of the section",
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Among tables printed in the same place")
    # By category
    breakdown = models.ForeignKey(
        "providers.Breakdown",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="By category: the measure's breakdown whose categories are the rows, like new victims by crime type",
    )
    # By quarter
    service = models.ForeignKey(
        "providers.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="By quarter: the service whose accepted returns give the figures",
    )
    # By stream
    money = models.CharField(
        max_length=20, choices=Money.choices, blank=True, help_text="By stream: which of each stream's money"
    )
    unit = models.CharField(
        max_length=20,
        choices=Unit.choices,
        default=Unit.POUNDS,
        help_text="By stream: what the amounts are in",
    )

    class Meta:
        ordering = ["year", "order", "number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "number"],
                condition=Q(number__isnull=False),
                name="unique_data_table_number_per_year",
            ),
            models.CheckConstraint(
                condition=~Q(kind="by_category") | Q(breakdown__isnull=False),
                name="data_table_by_category_breakdown",
            ),
            models.CheckConstraint(
                condition=~Q(kind="by_quarter") | Q(service__isnull=False),
                name="data_table_by_quarter_service",
            ),
            models.CheckConstraint(
                condition=~Q(kind="by_stream") | ~Q(money=""), name="data_table_by_stream_money"
            ),
        ]

    def __str__(self) -> str:
        return f"Table {self.number}. {self.printed_title}" if self.number else self.printed_title

    def _with_year(self, template: str) -> str:
        # The same placeholders, printed the same way, as the budget tables' titles.
        return ReportTable(year=self.year)._with_year(template)

    @property
    def printed_title(self) -> str:
        return self._with_year(self.title)

    @property
    def printed_figure_heading(self) -> str:
        if self.figure_heading:
            return self._with_year(self.figure_heading)
        return self.get_unit_display() if self.kind == self.Kind.BY_STREAM else "Number"

    def clean(self):
        super().clean()
        errors: dict[str, str] = {}
        needed = {
            self.Kind.BY_CATEGORY: ("breakdown", "Choose the breakdown whose categories are the rows"),
            self.Kind.BY_QUARTER: ("service", "Choose the service whose returns give the figures"),
            self.Kind.BY_STREAM: ("money", "Choose which of each stream's money the table shows"),
        }
        if self.kind in needed:
            name, message = needed[self.kind]
            if not getattr(self, f"{name}_id" if name != "money" else name):
                errors[name] = message
        if self.kind == self.Kind.BY_QUARTER and self.service_id and self.service.template_id is None:
            errors["service"] = "Choose a service that makes monitoring returns: this one has no template"
        for name, used_by, words in (
            ("breakdown", self.Kind.BY_CATEGORY, "by category"),
            ("service", self.Kind.BY_QUARTER, "by quarter"),
        ):
            if self.kind != used_by and getattr(self, f"{name}_id"):
                errors[name] = f"Leave this empty: only a table {words} uses it"
        if self.kind != self.Kind.BY_STREAM and self.money:
            errors["money"] = "Leave this empty: only a table by funding stream uses it"
        if (
            self.number is not None
            and self.year_id
            and ReportTable.objects.filter(year_id=self.year_id, number=self.number).exists()
        ):
            errors["number"] = (
                f"Table {self.number} is already a budget table in {self.year}: choose another number"
            )
        if errors:
            raise ValidationError(errors)


class DataTableRow(models.Model):
    """A row of a table by quarter (a measure) or by stream (a stream, or a label alone for a row printed with no
    amount, like the Plan's “General Commissioning”). A table by category takes its rows from its breakdown."""

    table = models.ForeignKey(DataTable, on_delete=models.CASCADE, related_name="rows")
    order = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(
        max_length=250,
        blank=True,
        help_text="As printed; leave empty for the measure's label or the stream's name",
    )
    measure = models.ForeignKey(
        "providers.Measure", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stream = models.ForeignKey(
        FundingStream, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["table", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(measure__isnull=True) | Q(stream__isnull=True), name="data_row_measure_or_stream"
            ),
            models.CheckConstraint(
                condition=~Q(label="") | Q(measure__isnull=False) | Q(stream__isnull=False),
                name="data_row_has_a_label",
            ),
        ]

    def __str__(self) -> str:
        return self.printed_label

    @property
    def printed_label(self) -> str:
        if self.label:
            return self.label
        if self.measure_id:
            return self.measure.label
        return self.stream.name if self.stream_id else ""

    def clean(self):
        super().clean()
        try:
            table = self.table  # in admin, the table being added or changed with this row
        except DataTable.DoesNotExist:
            return
        errors: dict[str, str] = {}
        if table.kind == DataTable.Kind.BY_CATEGORY:
            errors["label"] = "A table by category takes its rows from its breakdown: add no rows to it"
        elif table.kind == DataTable.Kind.BY_QUARTER:
            if self.stream_id:
                errors["stream"] = "Leave this empty: a table by quarter prints measures"
            if not self.measure_id:
                errors["measure"] = "Choose the measure this row prints"
            elif self.measure.kind == Measure.Kind.TEXT:
                errors["measure"] = (
                    "Choose a measure with figures: answers in words cannot be printed by quarter"
                )
            elif table.service_id and self.measure.template_id != table.service.template_id:
                errors["measure"] = (
                    f"Choose a measure from the {table.service.template} template, which {table.service.name} reports"
                )
        elif table.kind == DataTable.Kind.BY_STREAM:
            if self.measure_id:
                errors["measure"] = "Leave this empty: a table by stream prints money"
            if not self.stream_id and not self.label:
                errors["label"] = "Choose a stream, or give a label for a row printed with no amount"
        if errors:
            raise ValidationError(errors)
