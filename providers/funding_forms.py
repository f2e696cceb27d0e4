"""The pages the funding admin's actions show first: the values each change needs and the reason for it."""

from django import forms
from django.db.models import Case, When

from funds.forms import DayField, PoundsField
from funds.models import BudgetLine, Decision


def _reason(ask: str) -> forms.CharField:
    return forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": ask, "max_length": "Enter a reason of 2,000 characters or fewer"},
    )


def _decision() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Decision.objects.filter(status=Decision.Status.MADE).order_by("-decided_on", "number"),
        required=False,
        label="PCC decision (optional)",
        help_text="Needed when the change is over the office's variation threshold",
        error_messages={"invalid_choice": "Choose a PCC decision from the list"},
    )


class ReasonOnly(forms.Form):
    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(self.fields["reason"].error_messages["required"])
        return reason


class VaryFundingForm(ReasonOnly):
    new_amount = PoundsField(
        label="New amount",
        allow_zero=False,
        help_text="What the funding should be for its year, in pounds, for example 12,500",
        error_messages={"required": "Enter the new amount of the funding"},
    )
    reason = _reason("Say why the funding is being varied")
    decision = _decision()


class UnderspendForm(ReasonOnly):
    reason = _reason("Say why the underspend is being released")


class CarryForwardForm(ReasonOnly):
    reason = _reason("Say why the funding is being carried forward")
    decision = _decision()


class ReceivedOnField(DayField):
    def __init__(self, **kwargs):
        super().__init__(
            label="Date received", what="the money was received", short="date received", **kwargs
        )


class ReserveChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, line) -> str:
        return f"{line.name} ({line.budget})"


class RepaymentForm(ReasonOnly):
    amount = PoundsField(
        label="Amount repaid",
        allow_zero=False,
        help_text="In pounds, for example 2,500 or 2500.00",
        error_messages={"required": "Enter the amount repaid"},
    )
    received_on = ReceivedOnField()
    reference = forms.CharField(
        label="Reference",
        max_length=120,
        help_text="The remittance or receipt",
        error_messages={
            "required": "Enter the reference of the repayment, such as the remittance or receipt",
            "max_length": "Enter a reference of 120 characters or fewer",
        },
    )
    reason = _reason("Say why the money was repaid")
    to_line = ReserveChoiceField(
        queryset=BudgetLine.objects.none(),
        required=False,
        label="Put the money on a reserve line of the same budget (optional)",
        help_text="Leave empty to give the money back to the line it came from",
        error_messages={"invalid_choice": "Choose a line of the same budget"},
    )

    def __init__(self, *args, line: BudgetLine, **kwargs):
        super().__init__(*args, **kwargs)
        # Any other line of the funding's budget (funds.services.record_repayment allows no other), reserves first.
        self.fields["to_line"].queryset = (
            BudgetLine.objects.filter(budget_id=line.budget_id)
            .exclude(pk=line.pk)
            .select_related("budget__stream", "budget__year")
            .annotate(is_reserve=Case(When(kind=BudgetLine.Kind.RESERVE, then=0), default=1))
            .order_by("is_reserve", "order", "name")
        )


class ScheduleForm(forms.Form):
    how_often = forms.ChoiceField(
        label="Instalments",
        choices=[
            ("quarterly", "Four quarterly instalments, in arrears"),
            ("monthly", "Twelve monthly instalments"),
        ],
        initial="quarterly",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how often the funding is paid",
            "invalid_choice": "Choose from the list",
        },
    )
