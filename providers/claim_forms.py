"""Forms for claiming a payment (provider portal) and for checking, returning and paying one (staff)."""

from django import forms
from django.db.models import Q

from core.money import format_pounds
from funds.forms import DayField, PoundsField

from .claims import left_to_claim
from .models import ReportingPeriod, Service


class ClaimForm(forms.Form):
    """Which funding (only asked when the service has more than one), which quarter, how much, the spend, a note."""

    funding = forms.TypedChoiceField(
        label="Which funding is this claim from?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose which funding you are claiming from",
            "invalid_choice": "Choose which funding you are claiming from",
        },
    )
    period = forms.TypedChoiceField(
        label="Which quarter are you claiming for?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose which quarter you are claiming for",
            "invalid_choice": "Choose a quarter from the list",
        },
    )
    schedule_item = forms.TypedChoiceField(
        label="Is this claim for a scheduled instalment?",
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose an instalment from the list"},
    )
    amount = PoundsField(
        label="How much are you claiming?",
        allow_zero=False,
        help_text="In pounds, for example 12,500 or 12500.50",
        error_messages={"required": "Enter how much you are claiming"},
    )
    reported_spend = PoundsField(
        label="How much did the service spend in the quarter?",
        help_text="What you spent delivering the service in the quarter, in pounds",
        error_messages={"required": "Enter how much the service spent in the quarter"},
    )
    note = forms.CharField(
        label="Anything the office should know about this claim (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "Enter a note of 2,000 characters or fewer"},
    )

    def __init__(self, *args, service: Service, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("amount", "reported_spend"):
            self.fields[name].widget.attrs["class"] = "govuk-input--width-10"
        self.service = service
        self.fundings = list(
            service.fundings.select_related(
                "commitment", "line__budget__stream", "line__budget__year"
            ).order_by("line__budget__year__start_year", "pk")
        )
        self.fields["funding"].choices = [
            (
                f.pk,
                f"{f.line.budget.year}: {f.line.budget.stream} "
                f"({format_pounds(max(left_to_claim(f), 0))} left to claim)",
            )
            for f in self.fundings
        ]
        if len(self.fundings) == 1:
            self.fields["funding"].widget = forms.HiddenInput()
            self.fields["funding"].required = False
        year_ids = {f.line.budget.year_id for f in self.fundings}
        periods = (
            ReportingPeriod.objects.filter(template_id=service.template_id, year_id__in=year_ids)
            .select_related("year")
            .order_by("starts_on")
            if service.template_id
            else ReportingPeriod.objects.none()
        )
        self.periods = {p.pk: p for p in periods}
        self.fields["period"].choices = [
            (p.pk, p.label if len(year_ids) == 1 else f"{p.label} ({p.year})") for p in self.periods.values()
        ]
        if not self.periods:
            del self.fields["period"]
        funding_ids = [f.pk for f in self.fundings]
        instalments = (
            service.payment_schedule.filter(payment__isnull=True, claim__isnull=True)
            .filter(Q(funding_id__in=funding_ids) | Q(funding__isnull=True))
            .order_by("due_on", "pk")
        )
        self.fields["schedule_item"].choices = [
            *[
                (
                    i.pk,
                    f"{format_pounds(i.amount)} due on {i.due_on:%-d %B %Y}{f' ({i.note})' if i.note else ''}",
                )
                for i in instalments
            ],
            ("", "No, not for a scheduled instalment"),
        ]
        if len(self.fields["schedule_item"].choices) == 1:
            del self.fields["schedule_item"]

    @property
    def asks_for_funding(self) -> bool:
        return len(self.fundings) > 1

    def clean_funding(self):
        value = self.cleaned_data.get("funding")
        if len(self.fundings) == 1:
            return self.fundings[0].pk
        return value

    def clean(self):
        data = super().clean()
        funding_id, period_id = data.get("funding"), data.get("period")
        if funding_id and period_id and "period" not in self.errors:
            funding = next(f for f in self.fundings if f.pk == funding_id)
            if self.periods[period_id].year_id != funding.line.budget.year_id:
                self.add_error(
                    "period", f"Choose a quarter of {funding.line.budget.year}, the funding's year"
                )
        return data


class PaidOnField(DayField):
    def __init__(self, **kwargs):
        super().__init__(label="Date paid", what="the payment was made", short="date paid", **kwargs)


class PaymentForm(forms.Form):
    paid_on = PaidOnField()
    reference = forms.CharField(
        label="Finance reference",
        max_length=120,
        help_text="The invoice number or payment run",
        error_messages={
            "required": "Enter the finance reference, such as the invoice or payment run",
            "max_length": "Enter a finance reference of 120 characters or fewer",
        },
    )


class ReturnClaimForm(forms.Form):
    reason = forms.CharField(
        label="Why are you returning this claim to the provider?",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Say why the claim is being returned to the provider",
            "max_length": "Enter a reason of 4,000 characters or fewer",
        },
    )


class ClaimFilterForm(forms.Form):
    status = forms.ChoiceField(label="Status", required=False)

    def __init__(self, *args, **kwargs):
        from .models import Claim

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any status"), *Claim.Status.choices]
