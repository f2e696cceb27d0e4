"""Forms for the provider portal and staff review. The return form is built from the service's template."""

from decimal import Decimal

from django import forms

from . import validation
from .models import Measure, Provider, ReportingPeriod

MEASURE_WIDGETS = {
    Measure.Kind.COUNT: {"inputmode": "numeric", "class": "govuk-input--width-5", "spellcheck": "false"},
    Measure.Kind.NUMBER: {"inputmode": "decimal", "class": "govuk-input--width-5", "spellcheck": "false"},
    Measure.Kind.PERCENTAGE: {
        "inputmode": "decimal",
        "class": "govuk-input--width-4",
        "data-suffix": "%",
        "spellcheck": "false",
    },
    Measure.Kind.MONEY: {
        "inputmode": "decimal",
        "class": "govuk-input--width-10",
        "data-prefix": "£",
        "spellcheck": "false",
    },
}


def _shown(value, measure: Measure | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, validation.NeedsCorrection):
        return value.shown
    if measure and measure.kind == Measure.Kind.YES_NO:
        return validation.YES if value == 1 else validation.NO
    if isinstance(value, Decimal):
        return f"{value:.2f}" if measure and measure.kind == Measure.Kind.MONEY else f"{value.normalize():f}"
    return str(value)


def _in_a_sentence(label: str) -> str:
    return label[:1].lower() + label[1:]


class ReturnForm(forms.Form):
    """One field per measure and per breakdown option. Formats are always checked; with `complete=True`, missing
    figures and breakdowns that do not add up are errors too (the return is going on to sign-off)."""

    html_id = "return-form"

    def __init__(self, *args, measures, stored=None, complete=False, **kwargs):
        values, counts = stored or ({}, {})
        # Stored figures today's rules refuse, by field name: shown with why, and the edit page opens with them as
        # errors (see as_corrections) so the provider is told before trying to send the return on.
        self.corrections = {
            name: v.message
            for name, v in (*values.items(), *counts.items())
            if isinstance(v, validation.NeedsCorrection)
        }
        initial = {name: _shown(v) for name, v in counts.items()}
        # A percentage recomputed from its parts is worked out, not asked for: shown beside the figures instead.
        self.worked_out = [
            {
                "measure": m,
                "value": (pct := validation.worked_out_percentage(m, values)),
                "shown": "" if pct is None else f"{pct.normalize():f}%",
                "how": f"Worked out from {_in_a_sentence(m.numerator.label)} "
                f"and {_in_a_sentence(m.denominator.label)}",
            }
            for m in measures
            if m.is_recomputed
        ]
        self.all_measures = (
            measures  # the rules (completeness, parts) read every measure, asked or worked out
        )
        measures = [m for m in measures if not m.is_recomputed]
        self.measures = measures
        for measure in measures:
            initial[validation.measure_field(measure)] = _shown(
                values.get(validation.measure_field(measure)), measure
            )
        super().__init__(*args, initial=initial, **kwargs)
        self.complete = complete
        self.values: dict[str, object] = {}
        self.option_counts: dict[str, int | None] = {}
        for measure in measures:
            label = measure.label if measure.required else f"{measure.label} (optional)"
            if measure.kind == Measure.Kind.YES_NO:
                # GOV.UK radios, Yes then No; anything else sent is refused by name.
                self.fields[validation.measure_field(measure)] = forms.ChoiceField(
                    label=label,
                    required=False,
                    help_text=measure.hint,
                    choices=[(validation.YES, "Yes"), (validation.NO, "No")],
                    widget=forms.RadioSelect,
                    error_messages={"invalid_choice": f"Select yes or no for {measure.label}"},
                )
            else:
                if measure.kind == Measure.Kind.TEXT:
                    widget = forms.Textarea(attrs={"rows": 4})
                else:
                    widget = forms.TextInput(attrs=dict(MEASURE_WIDGETS[measure.kind]))
                self.fields[validation.measure_field(measure)] = forms.CharField(
                    label=label, required=False, help_text=measure.hint, widget=widget, strip=True
                )
            for breakdown in measure.breakdowns.all():
                for option in breakdown.options.all():
                    self.fields[validation.option_field(breakdown, option)] = forms.CharField(
                        label=option.label,
                        required=False,
                        strip=True,
                        widget=forms.TextInput(
                            attrs={
                                "inputmode": "numeric",
                                "class": "govuk-input--width-4",
                                "spellcheck": "false",
                            }
                        ),
                    )

    def as_corrections(self) -> "ReturnForm":
        """The same figures as a submitted form, so each one needing correction shows its error where it is typed."""
        data = {name: self.initial.get(name, "") for name in self.fields}
        return ReturnForm(data, measures=self.all_measures)

    def sections(self):
        for measure in self.measures:
            yield {
                "measure": measure,
                "field": self[validation.measure_field(measure)],
                "correction": self.corrections.get(validation.measure_field(measure)),
                "breakdowns": [
                    {
                        "legend": f"{measure.label} by {b.label}",
                        "fields": [self[validation.option_field(b, o)] for o in b.options.all()],
                        "corrections": [
                            self.corrections[validation.option_field(b, o)]
                            for o in b.options.all()
                            if validation.option_field(b, o) in self.corrections
                        ],
                    }
                    for b in measure.breakdowns.all()
                ],
            }

    def clean(self):
        data = super().clean()
        for measure in self.measures:
            name = validation.measure_field(measure)
            raw = data.get(name, "")
            if name in self.errors:
                pass  # refused by the field itself (a NUL byte): neither read nor blank, so nothing is saved for it
            elif raw == "":
                self.values[name] = "" if measure.kind == Measure.Kind.TEXT else None
            else:
                try:
                    self.values[name] = validation.read_measure(raw, measure)
                except validation.FigureError as exc:
                    self.add_error(name, str(exc))
            for breakdown in measure.breakdowns.all():
                for option in breakdown.options.all():
                    o_name = validation.option_field(breakdown, option)
                    raw = data.get(o_name, "")
                    if o_name in self.errors:
                        continue
                    if raw == "":
                        self.option_counts[o_name] = None
                        continue
                    try:
                        self.option_counts[o_name] = validation.read_count(
                            raw, f"{measure.label} ({breakdown.label}: {option.label})"
                        )
                    except validation.FigureError as exc:
                        self.add_error(o_name, str(exc))
        if self.complete and not self.errors:
            self.add_problems(
                validation.completeness_problems(self.all_measures, self.values, self.option_counts)
            )
        return data

    def add_problems(self, problems):
        for problem in problems:
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)


class RequestChangesForm(forms.Form):
    comment = forms.CharField(
        label="What does the provider need to change?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what the provider needs to change"},
        max_length=4000,
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why are you reopening this return?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the return is being reopened"},
        max_length=4000,
    )


class SendBackForm(forms.Form):
    comment = forms.CharField(
        label="What should the preparer check? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(label="Period", required=False)
    provider = forms.ModelChoiceField(
        queryset=Provider.objects.all(), label="Provider", required=False, empty_label="All providers"
    )
    stream = forms.ModelChoiceField(
        queryset=None, label="Funding stream", required=False, empty_label="All streams"
    )

    def __init__(self, *args, year=None, **kwargs):
        super().__init__(*args, **kwargs)
        from funds.models import FundingStream

        self.fields["stream"].queryset = FundingStream.objects.all()
        labels = (
            (ReportingPeriod.objects.filter(year=year) if year else ReportingPeriod.objects.all())
            .order_by("starts_on")
            .values_list("label", flat=True)
            .distinct()
        )
        seen = list(dict.fromkeys(labels))
        self.fields["period"].choices = [("", "All periods")] + [(label, label) for label in seen]


class ExportForm(forms.Form):
    period = forms.ChoiceField(
        label="Period",
        error_messages={
            "required": "Choose a period to export",
            "invalid_choice": "Choose a period from the list",
        },
    )

    def __init__(self, *args, year=None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = (
            ReportingPeriod.objects.filter(year=year).order_by("starts_on").values_list("label", flat=True)
        )
        self.fields["period"].choices = [(label, label) for label in dict.fromkeys(labels)]
