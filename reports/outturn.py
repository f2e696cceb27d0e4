"""What the outturn and finance report pages need besides their figures: the year typed in the address ("2024/25",
"24-25" or "2024-25"), and the outturn as a CSV file. The figures are funds.outturn's and reports.finance_reports'."""

import csv
import io

from django import forms

from exports.cells import csv_text
from funds import selectors
from funds.models import FinancialYear
from funds.outturn import Outturn

YEAR_HINT = "For example, 2024/25"


class YearLabelForm(forms.Form):
    """A financial year written as a person writes it. A year that is malformed or not set up is a message on the
    page, never an error page."""

    year = forms.CharField(
        label="Financial year",
        help_text=YEAR_HINT,
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "spellcheck": "false"}),
        error_messages={"max_length": "Enter a financial year like 2024/25"},
    )

    def clean_year(self) -> FinancialYear | None:
        label = self.cleaned_data["year"]
        if not label.strip():
            return None
        try:
            return selectors.year_from_label(label)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="year") from exc


def chosen_year(request) -> tuple[YearLabelForm, FinancialYear | None]:
    """The year in ?year=, or the latest year with budgets when none is given; None with the form's message when the
    one given cannot be read. The form shows the chosen year's label."""
    form = YearLabelForm(request.GET or None)
    year = None
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
    if year is None and not form.errors:
        year = FinancialYear.objects.filter(budgets__isnull=False).order_by("-start_year").first()
    if year is not None:
        form = YearLabelForm({"year": year.label()})
        form.is_valid()
    return form, year


# What each column of the outturn page means, shown beside it.
DEFINITIONS_OF_THE_COLUMNS = [
    ("Budget", "The line's amount before anything was carried forward out of it."),
    ("Committed", "Commitments not released, each at its amount after every change to it."),
    (
        "Paid in the year",
        "Payments from the line dated 1 April to 31 March, net of corrections and money paid back.",
    ),
    (
        "Released",
        "Commitments released whole and underspends released at the end of a grant or contract. Released "
        "money stays in the line's budget, so it is part of the variance.",
    ),
    ("Carried forward", "What was moved, with its budget, into the next year's matching line."),
    (
        "Committed not yet paid",
        "Committed and not paid by 31 March: a payment made after the year's end is here.",
    ),
    (
        "Variance",
        "Budget less paid in the year, carried forward and committed not yet paid: what is left unused.",
    ),
]


OUTTURN_HEADINGS = [
    "Stream",
    "Budget line",
    "Area",
    "Budget",
    "Committed",
    "Paid in the year",
    "Released",
    "Carried forward",
    "Committed not yet paid",
    "Variance",
]


def _amounts(figures) -> list[str]:
    values = figures.as_dict()
    order = ("budget", "committed", "paid", "released", "carried_forward", "unpaid", "variance")
    return [f"{values[name]:.2f}" for name in order]


def outturn_csv(outturn: Outturn) -> bytes:
    """One row a line, then a total row for each stream and one for the year. UTF-8 with a byte order mark, so Excel
    reads the £ in a name; names that would start a formula are kept as text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(OUTTURN_HEADINGS)
    for stream in outturn.streams:
        for row in stream.lines:
            area = row.line.area.name if row.line.area else selectors.FORCE_WIDE
            writer.writerow(
                [
                    csv_text(stream.stream.name),
                    csv_text(row.line.name),
                    csv_text(area),
                    *_amounts(row.figures),
                ]
            )
        writer.writerow([csv_text(stream.stream.name), "Stream total", "", *_amounts(stream.total)])
    writer.writerow([f"{outturn.year} total", "", "", *_amounts(outturn.total)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
