"""The forms finance fills in on an award's money actions in the admin: each asks for what its service needs."""

from django import forms

from funds.forms import DayField, PoundsField, ReasonForm
from funds.models import BudgetLine, Decision


def _decisions():
    return Decision.objects.filter(status=Decision.Status.MADE).order_by("-decided_on", "-number")


class RecordPaymentForm(forms.Form):
    paid_on = DayField(label="Date paid", what="the payment was made", short="date paid")
    reference = forms.CharField(
        label="Finance system reference",
        max_length=120,
        help_text="The payment run or remittance number",
        error_messages={"required": "Enter the finance system's reference for the payment"},
    )
    amount = PoundsField(
        label="Amount paid (leave empty to pay the whole instalment)",
        required=False,
        allow_zero=False,
        help_text="Less than the instalment pays part of it; the rest stays due",
    )


class VaryAwardForm(ReasonForm):
    field_order = ["amount", "line", "instalments", "decision", "reason"]
    amount = PoundsField(
        label="New amount of the award", allow_zero=False, error_messages={"required": "Enter the new amount"}
    )
    line = forms.ModelChoiceField(
        label="Budget line",
        queryset=BudgetLine.objects.none(),
        required=False,
        help_text="Leave as it is to keep it",
    )
    instalments = forms.IntegerField(
        label="Number of instalments in all",
        min_value=1,
        max_value=24,
        required=False,
        error_messages={
            "min_value": "Enter 1 or more instalments",
            "max_value": "Enter 24 instalments or fewer",
        },
    )
    decision = forms.ModelChoiceField(
        label="PCC decision",
        queryset=Decision.objects.none(),
        required=False,
        help_text="Needed for a large change",
    )

    def __init__(self, *args, award=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = _decisions()
        lines = BudgetLine.objects.select_related("budget__stream", "budget__year")
        if award is not None:
            self.fields["line"].queryset = lines.filter(budget_id=award.line.budget_id)
            self.fields["line"].initial = award.line_id
            self.fields["instalments"].initial = award.instalments
            self.fields["amount"].initial = award.amount


class RepaymentForm(ReasonForm):
    field_order = ["amount", "received_on", "reference", "to_line", "reason"]
    amount = PoundsField(
        label="Amount repaid", allow_zero=False, error_messages={"required": "Enter the amount repaid"}
    )
    received_on = DayField(label="Date received", what="the money was received", short="date received")
    reference = forms.CharField(
        label="Reference",
        max_length=120,
        help_text="The remittance or receipt number",
        error_messages={"required": "Enter the reference of the repayment"},
    )
    to_line = forms.ModelChoiceField(
        label="Return the money to",
        queryset=BudgetLine.objects.none(),
        required=False,
        empty_label="The award's own line",
    )

    def __init__(self, *args, award=None, **kwargs):
        super().__init__(*args, **kwargs)
        if award is not None:
            self.fields["to_line"].queryset = BudgetLine.objects.filter(
                budget_id=award.line.budget_id, kind=BudgetLine.Kind.RESERVE
            )


class CarryForwardForm(ReasonForm):
    decision = forms.ModelChoiceField(
        label="PCC decision",
        queryset=Decision.objects.none(),
        required=False,
        help_text="Needed for a large amount",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = _decisions()
