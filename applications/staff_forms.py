"""Forms for OPCC staff pages."""

from django import forms

from core.uploads import CheckedFileField
from funds.models import BudgetLine, Decision

from .fields import MoneyField


class ScreeningForm(forms.Form):
    eligible = forms.ChoiceField(
        label="Is the application eligible?",
        widget=forms.RadioSelect,
        choices=[("yes", "Yes, it passes screening"), ("no", "No, it fails screening")],
        error_messages={"required": "Select whether the application is eligible"},
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The applicant sees this if the application fails",
        error_messages={"required": "Give the reason for the screening result"},
    )


class InformationRequestForm(forms.Form):
    question = forms.CharField(
        label="What do you need to know?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the question for the applicant"},
    )
    attachment = CheckedFileField(
        label="Attach a file for the applicant (optional)",
        required=False,
        widget=forms.FileInput,
        help_text="A form to fill in, say. PDF, Word (DOCX), Excel (XLSX) or an image, smaller than 10MB.",
    )


class ConflictForm(forms.Form):
    has_conflict = forms.ChoiceField(
        label="Do you have a conflict of interest with this organisation or project?",
        widget=forms.RadioSelect,
        choices=[("no", "No"), ("yes", "Yes")],
        error_messages={"required": "Select yes if you have a conflict"},
    )
    details = forms.CharField(
        label="Describe the conflict", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        if data.get("has_conflict") == "yes" and not data.get("details", "").strip():
            self.add_error("details", "Describe the conflict of interest")
        return data


class ScoreForm(forms.Form):
    def __init__(self, *args, criteria, scale: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=f"{criterion.name} (weight {criterion.weight})",
                coerce=int,
                widget=forms.RadioSelect,
                choices=[(n, str(n)) for n in range(scale + 1)],
                help_text=criterion.description,
                error_messages={
                    "required": f"Score {criterion.name}",
                    "invalid_choice": f"Score for {criterion.name} must be between 0 and {scale}",
                },
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=f"Comment on {criterion.name}",
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"required": f"Comment on your score for {criterion.name}"},
            )

    def pairs(self):
        return [(c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def scores(self) -> dict[int, tuple[int, str]]:
        return {
            c.pk: (self.cleaned_data[f"score_{c.pk}"], self.cleaned_data[f"comment_{c.pk}"])
            for c in self.criteria
        }


class RecommendationForm(forms.Form):
    amount = MoneyField(
        label="Recommended amount", required_message="Enter the recommended amount, like 1,250"
    )
    reason = forms.CharField(
        label="Reason for the recommendation",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason for the recommendation"},
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Panel decision",
        widget=forms.RadioSelect,
        choices=[("approve", "Approve"), ("decline", "Decline")],
        error_messages={"required": "Select approve or decline"},
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason for the decision"},
    )
    decision = forms.ModelChoiceField(
        label="PCC decision (where one is needed)",
        required=False,
        queryset=Decision.objects.all(),
        empty_label="None",
    )
    line = forms.ModelChoiceField(
        label="Budget line to commit against",
        required=False,
        queryset=BudgetLine.objects.none(),
        empty_label="The project's area line",
        help_text="Choose the reserve or a ring-fence to use it instead",
    )

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = BudgetLine.objects.filter(budget_id=application.round.budget_id)
