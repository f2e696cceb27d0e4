"""Forms behind the commissioning admin's own pages: funding a service, releasing funding, and a year's periods."""

from django import forms

from core.money import format_pounds
from funds.forms import PoundsField
from funds.models import BudgetLine, FinancialYear
from funds.selectors import with_line_totals

from .models import Service


class LineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, line) -> str:
        return f"{line.budget.stream} {line.budget.year}: {line.name} ({format_pounds(line.remaining)} left)"


class FundServiceForm(forms.Form):
    line = LineChoiceField(
        queryset=BudgetLine.objects.none(),
        label="Budget line",
        help_text="Lines in the years the service runs, with what each has left to commit",
        error_messages={
            "required": "Choose the budget line to fund the service from",
            "invalid_choice": "Choose a budget line from the list",
        },
    )
    amount = PoundsField(
        label="Amount",
        allow_zero=False,
        error_messages={"required": "Enter the amount to commit to the service"},
    )

    def __init__(self, *args, service: Service, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = with_line_totals(
            BudgetLine.objects.filter(
                budget__year__start_year__gte=service.start_year.start_year,
                budget__year__start_year__lte=service.end_year.start_year,
            )
            .select_related("budget__stream", "budget__year")
            .order_by("budget__year__start_year", "budget__stream__name", "order", "name")
        )


class ReleaseFundingForm(forms.Form):
    reason = forms.CharField(
        max_length=250,
        label="Why is the funding being released?",
        error_messages={"required": "Say why the funding is being released"},
    )


class YearForm(forms.Form):
    year = forms.ModelChoiceField(
        queryset=FinancialYear.objects.order_by("-start_year"),
        label="Financial year",
        error_messages={
            "required": "Choose a financial year",
            "invalid_choice": "Choose a financial year from the list",
        },
    )
