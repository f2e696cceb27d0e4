from django import forms

from funds.models import FinancialYear

from . import periods
from .models import ReturnTemplate


class PrepareForm(forms.Form):
    template = forms.ModelChoiceField(
        label="Which return",
        queryset=ReturnTemplate.objects.filter(active=True),
        empty_label="Choose a return",
        error_messages={
            "required": "Choose the return to prepare",
            "invalid_choice": "Choose the return to prepare from the list",
        },
    )
    year = forms.ModelChoiceField(
        label="Financial year",
        queryset=FinancialYear.objects.order_by("-start_year"),
        empty_label="Choose a year",
        error_messages={
            "required": "Choose the financial year of the return",
            "invalid_choice": "Choose the financial year from the list",
        },
    )
    period = forms.ChoiceField(
        label="Period",
        help_text="H1 is 1 April to 30 September, H2 1 October to 31 March; quarters start in April",
        choices=[("", "Choose a period"), *[(code, code) for code in periods.all_codes()]],
        error_messages={
            "required": "Choose the period of the return",
            "invalid_choice": "Choose the period from the list",
        },
    )
