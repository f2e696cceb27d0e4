"""The admin's own forms: a round's set-up and its form builder, copying a round, and the forms finance fills in on
an award's money actions (each asks for what its service needs)."""

import datetime

from django import forms
from django.forms.models import BaseInlineFormSet
from django.utils import timezone

from funds.forms import DayField, PoundsField, ReasonForm
from funds.models import Budget, BudgetLine, Decision

from .models import OrganisationType, QuestionKind, Requirement, Round


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


class RoundForm(forms.ModelForm):
    """A round's set-up, with who may apply as ticked boxes (stored as the same lists of values as before)."""

    organisation_types = forms.MultipleChoiceField(
        label="Organisations that may apply",
        choices=OrganisationType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one kind of organisation that may apply"},
    )
    requirements = forms.MultipleChoiceField(
        label="Every applicant must have",
        choices=Requirement.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Applicants confirm each of these on the first page of their application",
    )

    class Meta:
        model = Round
        fields = "__all__"  # noqa: DJ007  (the admin chooses the fields; with a list, only those would show)


class QuestionInlineFormSet(BaseInlineFormSet):
    """A round's questions, each checked against the others as they are being saved: a condition on a question
    whose options change in the same save is checked against the new options, not the stored ones."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.checked_with_its_form = True  # Question.clean leaves the checks below to this formset
        return form

    def clean(self):
        super().clean()
        kept, deleted = [], {}
        for form in self.forms:
            if not hasattr(form, "cleaned_data"):
                continue
            if self._should_delete_form(form):
                if form.instance.pk:
                    deleted[form.instance.pk] = form.instance
            elif form.instance.pk or form.has_changed():
                kept.append(form)
        others = {form.instance.pk: form.instance for form in kept if form.instance.pk}
        for form in kept:
            if form.errors:
                continue
            question = form.instance
            for field, pointed_at in (("group", question.group_id), ("shown_if", question.shown_if_id)):
                if pointed_at in deleted:
                    form.add_error(
                        field,
                        f'"{deleted[pointed_at].text}" is being deleted. Clear this first, or keep that question',
                    )
            if form.errors:
                continue
            for field, message in question.problems_with_others(others).items():
                form.add_error(field, message)
            # A new group has no columns yet (a column chooses its group once the group is saved): the page says so
            # after saving, until it has one. A group that had columns must keep one.
            was_group = form.initial.get("kind") == QuestionKind.REPEATING_GROUP
            had_columns = was_group and any(other.initial.get("group") == question.pk for other in self.forms)
            if question.kind == QuestionKind.REPEATING_GROUP and had_columns:
                if not any(other.instance.group_id == question.pk for other in kept):
                    form.add_error(
                        "kind",
                        "A repeating group needs at least one column. Add a question, choose this group under "
                        '"Column of repeating group", or delete the group',
                    )
            elif (
                was_group
                and question.kind != QuestionKind.REPEATING_GROUP
                and any(other.instance.group_id == question.pk for other in kept)
            ):
                form.add_error(
                    "kind",
                    "Questions are columns of this repeating group. Move them out of it, or delete them, before "
                    "changing its kind",
                )


class CopyRoundForm(forms.Form):
    """Next year's round from this one: its name and web address, its budget and when it opens and closes."""

    name = forms.CharField(
        label="Name of the new round",
        max_length=200,
        error_messages={"required": "Enter the name of the new round"},
    )
    slug = forms.SlugField(
        label="Web address of the new round",
        max_length=50,
        help_text="Lower case letters, numbers and hyphens, e.g. helping-communities-2025-26",
        error_messages={
            "required": "Enter the web address of the new round",
            "invalid": "Enter a web address of lower case letters, numbers and hyphens only",
        },
    )
    budget = forms.ModelChoiceField(
        label="Budget it is paid from",
        queryset=Budget.objects.none(),
        error_messages={
            "required": "Choose the budget the new round is paid from",
            "invalid_choice": "Choose a budget of the same funding stream",
        },
    )
    opens_on = DayField(label="Opening date", what="the new round opens", short="opening date")
    closes_on = DayField(label="Closing date", what="the new round closes", short="closing date")

    def __init__(self, *args, round_: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round_
        self.fields["budget"].queryset = (
            Budget.objects.filter(stream_id=round_.budget.stream_id)
            .select_related("stream", "year")
            .order_by("-year__start_year")
        )
        opens, closes = timezone.localtime(round_.opens_at), timezone.localtime(round_.closes_at)
        self.fields["opens_on"].help_text = f"It opens at {opens:%H:%M} that day, as the round copied does"
        self.fields["closes_on"].help_text = f"It closes at {closes:%H:%M} that day, as the round copied does"
        following = (
            self.fields["budget"]
            .queryset.filter(year__start_year=round_.budget.year.start_year + 1)
            .values_list("pk", flat=True)
            .first()
        )
        self.initial.setdefault("budget", following)

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Round.objects.filter(slug=slug).exists():
            raise forms.ValidationError("Another round already has this web address. Choose another")
        return slug

    def _at(self, day: datetime.date, like: datetime.datetime) -> datetime.datetime:
        """The day, at the time of day the copied round's own date had (London time)."""
        local = timezone.localtime(like)
        return timezone.make_aware(datetime.datetime.combine(day, local.time().replace(tzinfo=None)))

    def clean(self):
        data = super().clean()
        if {"budget", "opens_on", "closes_on"} <= data.keys():
            data["opens_at"] = self._at(data["opens_on"], self.round.opens_at)
            data["closes_at"] = self._at(data["closes_on"], self.round.closes_at)
            dates = Round(budget=data["budget"], opens_at=data["opens_at"], closes_at=data["closes_at"])
            for field, message in dates.date_problems().items():
                self.add_error("opens_on" if field == "opens_at" else "closes_on", message)
        return data
