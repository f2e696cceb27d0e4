import datetime

from django import forms

from core.money import AmountError, parse_pounds

from . import selectors, services
from .budget_import import MAX_BYTES, MAX_ROWS
from .models import Budget, BudgetLine, Decision, FinancialYear, FundingSource, Precept, PreceptBand, Purpose


class PoundsField(forms.CharField):
    """A money input read by core.money.parse_pounds, so every form and import accepts and refuses the same things.

    A text input (GOV.UK advises against type=number for money) with a £ prefix and the decimal keypad on phones.
    """

    def __init__(self, *, allow_zero: bool = True, **kwargs):
        self.allow_zero = allow_zero
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "decimal", "data-prefix": "£", "spellcheck": "false"}),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_pounds(value, allow_zero=self.allow_zero)
        except AmountError as exc:
            raise forms.ValidationError(str(exc), code="amount") from exc


# How people write a day: 31/3/2025, 31 3 2025, 31-3-2025, 2025-03-31, 31 March 2025, 31 Mar 2025.
DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%d-%m-%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"]


class DayField(forms.DateField):
    """The day money moved (paid, received), typed as people write it, in the years this service covers (2000 to
    2099, as FinancialYear reads them). `what` ends "Enter the date …" ("the payment was made"); `short` names it in
    the other messages ("date paid")."""

    def __init__(self, *, label: str, what: str, short: str, **kwargs):
        self.short = short
        super().__init__(
            label=label,
            input_formats=DATE_FORMATS,
            widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
            help_text="For example, 31/3/2025",
            error_messages={
                "required": f"Enter the date {what}",
                "invalid": f"Enter the {short} as a real date, like 31/3/2025",
            },
            **kwargs,
        )

    def validate(self, value):
        super().validate(value)
        if value is not None and not datetime.date(2000, 1, 1) <= value <= datetime.date(2099, 12, 31):
            raise forms.ValidationError(
                f"Enter a {self.short} between 2000 and 2099, like 31/3/2025", code="range"
            )


class YearField(forms.ModelChoiceField):
    """A choice of financial year, worded the same on every page that asks for one."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Financial year")
        super().__init__(
            queryset=FinancialYear.objects.all(),
            empty_label=None,
            error_messages={
                "required": "Choose a financial year",
                "invalid_choice": "Choose a financial year from the list",
                **kwargs.pop("error_messages", {}),
            },
            **kwargs,
        )


class TransferForm(forms.Form):
    to_budget = forms.ModelChoiceField(
        queryset=Budget.objects.select_related("stream", "year"),
        label="Move the money to",
        error_messages={"required": "Choose the budget to move the money to"},
    )
    amount = PoundsField(
        label="Amount", allow_zero=False, error_messages={"required": "Enter the amount to move"}
    )
    decision = forms.ModelChoiceField(
        queryset=Decision.objects.filter(status=Decision.Status.MADE),
        required=False,
        label="PCC decision",
        help_text="Needed for a transfer over the office's threshold",
    )
    note = forms.CharField(
        max_length=250, label="Reason", error_messages={"required": "Say why the money is moving"}
    )

    def __init__(self, *args, from_budget: Budget, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_budget"].queryset = self.fields["to_budget"].queryset.exclude(pk=from_budget.pk)


class BudgetImportForm(forms.Form):
    year = forms.ModelChoiceField(
        queryset=FinancialYear.objects.all(),
        label="Financial year",
        empty_label=None,
        error_messages={"required": "Choose the financial year the lines are for"},
    )
    file = forms.FileField(
        label="Spreadsheet of budget lines",
        help_text=f"A CSV or Excel (.xlsx) file of up to {MAX_ROWS:,} rows and {MAX_BYTES // (1024 * 1024)}MB with the "
        "columns stream, line (or area) and amount; priority, area and units are optional",
        error_messages={"required": "Choose a CSV or Excel file to import"},
    )

    def clean_file(self):
        # The size and the rows are checked by funds.budget_import.check_limits, which says by how much.
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError("The file must be a CSV (.csv) or Excel (.xlsx) file")
        return upload


class ReasonForm(forms.Form):
    """The page an admin action that changes money shows first: the person says why."""

    reason = forms.CharField(
        label="Reason",
        max_length=250,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why"},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why")
        return reason


def _closed_year_error(year_id: int | None) -> None:
    if year_id and selectors.year_is_closed(year_id):
        raise forms.ValidationError(str(services.YearClosed(FinancialYear.objects.get(pk=year_id))))


class BudgetAdminForm(forms.ModelForm):
    """The admin budget page. A budget of a closed year is refused as a whole, with the message at the top; the
    services refuse it again under lock."""

    change_reason = forms.CharField(
        label="Reason for the change",
        max_length=250,
        required=False,
        help_text="Needed when you change, add or delete lines; kept in the budget's history",
    )

    class Meta:
        model = Budget
        fields = ["stream", "year", "notes"]

    def clean(self):
        cleaned = super().clean()
        year = self.instance.year if self.instance.pk else cleaned.get("year")
        _closed_year_error(year.pk if year else None)
        return cleaned


class BudgetLineAdminForm(forms.ModelForm):
    change_reason = forms.CharField(label="Reason for the change", max_length=250)

    class Meta:
        model = BudgetLine
        fields = [
            "budget",
            "section",
            "kind",
            "name",
            "area",
            "amount",
            "order",
            "recorded_project_count",
            "illustrative",
            "change_reason",
        ]

    def clean(self):
        cleaned = super().clean()
        budget = self.instance.budget if self.instance.pk else cleaned.get("budget")
        _closed_year_error(budget.year_id if budget else None)
        if self.instance.pk and cleaned.get("amount") is not None:
            try:
                services.check_line_change(line=self.instance, amount=cleaned["amount"])
            except services.BudgetRuleError as exc:
                self.add_error("amount", str(exc))
        return cleaned


class PreceptAdminForm(forms.ModelForm):
    """A year's Band D precept; every other band of the precept table is computed from it (funds.precept)."""

    band_d = PoundsField(
        label="Band D",
        allow_zero=False,
        help_text="The precept on a Band D home for the year, in pounds and pence, like 215.55",
        error_messages={"required": "Enter the Band D precept, like 215.55"},
    )
    change_reason = forms.CharField(
        label="Reason for the change",
        max_length=250,
        help_text="Kept in the precept's history",
        error_messages={"required": "Say why the precept is being entered or changed"},
    )

    class Meta:
        model = Precept
        fields = ["year", "band_d", "decision", "notes", "change_reason"]

    def clean(self):
        cleaned = super().clean()
        year = self.instance.year if self.instance.pk else cleaned.get("year")
        if year is not None and selectors.year_is_closed(year.pk):
            raise forms.ValidationError(f"{year} is closed, so its precept cannot change.")
        return cleaned


class PreceptBandForm(forms.ModelForm):
    amount = PoundsField(
        label="Precept as printed",
        allow_zero=False,
        error_messages={"required": "Enter the band's precept as the council's resolution prints it"},
    )

    class Meta:
        model = PreceptBand
        fields = ["band", "amount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A typed band is corrected in place; a different band is a new row.
            self.fields["band"].disabled = True


class FundingSourceForm(forms.ModelForm):
    """The grant's terms as tick boxes of purposes rather than a JSON list."""

    allowed_purposes = forms.MultipleChoiceField(
        label="May only fund",
        choices=Purpose.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick none if this money may fund any purpose",
    )
    excluded_purposes = forms.MultipleChoiceField(
        label="May not fund", choices=Purpose.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = FundingSource
        fields = ["name", "kind", "allowed_purposes", "excluded_purposes"]
