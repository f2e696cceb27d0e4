from django import forms

from .models import FinancialYear


class YearForm(forms.Form):
    year = forms.ModelChoiceField(
        queryset=FinancialYear.objects.all(),
        label="Financial year",
        empty_label=None,
        error_messages={"required": "Choose a financial year", "invalid_choice": "Choose a financial year from the list"},
    )


class BudgetImportForm(forms.Form):
    year = forms.ModelChoiceField(
        queryset=FinancialYear.objects.all(),
        label="Financial year",
        empty_label=None,
        error_messages={"required": "Choose the financial year the lines are for"},
    )
    file = forms.FileField(
        label="Spreadsheet of budget lines",
        help_text="A CSV or Excel (.xlsx) file with the columns stream, priority, line, area, amount",
        error_messages={"required": "Choose a CSV or Excel file to import"},
    )
    dry_run = forms.BooleanField(
        label="Check the file and show what would change, without saving anything", required=False, initial=True
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file must be smaller than 5MB")
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("The file must be a CSV (.csv) or Excel (.xlsx) file")
        return upload
