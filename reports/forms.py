from django import forms

from funds.models import FinancialYear


class YearForm(forms.Form):
    year = forms.ModelChoiceField(
        queryset=FinancialYear.objects.all(),
        label="Financial year",
        empty_label=None,
        error_messages={
            "required": "Choose a financial year",
            "invalid_choice": "Choose a financial year from the list",
        },
    )
