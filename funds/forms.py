from django import forms

from core.money import AmountError, parse_pounds

from .budget_import import MAX_BYTES, MAX_ROWS
from .models import Budget, Decision, FinancialYear


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
        queryset=Decision.objects.all(), required=False, label="PCC decision (optional)"
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
        help_text=f"A CSV or Excel (.xlsx) file of up to {MAX_ROWS:,} rows with the columns stream, line (or area) and "
        "amount; priority, area and units are optional",
        error_messages={"required": "Choose a CSV or Excel file to import"},
    )
    dry_run = forms.BooleanField(
        label="Check the file and show what would change, without saving anything",
        required=False,
        initial=True,
    )

    MAX_BYTES = MAX_BYTES

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file must be smaller than 5MB")
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError("The file must be a CSV (.csv) or Excel (.xlsx) file")
        return upload
