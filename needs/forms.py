"""Forms for needs assessments. Numbers are read by core.numbers, the grammar money uses too: what cannot be read is
never guessed at."""

from decimal import Decimal

from django import forms

from core.money import MAX_POUNDS, format_pounds
from core.numbers import NumberError, parse_number
from funds import forms as funds_forms
from funds.models import Area, BudgetLine, FinancialYear

from .models import Indicator

# An indicator's figure for one area (a population, a count of crimes or referrals): far above any real one, and
# well inside what IndicatorValue.value can hold, so a slip of the keyboard is refused rather than saved.
MAX_VALUE = Decimal(1_000_000_000)
# parse_pounds' refusal of an amount over what a money column holds, named here with what the amount is for.
TOO_MUCH = f"Enter an amount of {format_pounds(MAX_POUNDS)} or less"
# Weights are relative ("0.4 or 40"); Indicator.weight holds up to 999,999.9999.
MAX_WEIGHT = Decimal(1_000)


class FigureField(forms.CharField):
    """A text input read by parse_number, with messages that name what the figure is for."""

    def __init__(self, *, what: str, example: str, places: int = 2, maximum: Decimal = MAX_VALUE, **kwargs):
        self.what, self.example, self.places, self.maximum = what, example, places, maximum
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "spellcheck": "false", "autocomplete": "off"})

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return parse_number(text, places=self.places, maximum=self.maximum)
        except NumberError as exc:
            kind = exc.kind
            if kind == "negative":
                message = f"Enter a number of 0 or more for {self.what}"
            elif kind == "too_big":
                message = f"{self.what[:1].upper()}{self.what[1:]} must be {self.maximum:,} or less"
            elif kind == "places":
                message = f"Enter {self.what} with no more than {self.places} decimal places"
            else:
                message = f"Enter {self.what} as a number, like {self.example}"
            raise forms.ValidationError(message, code=kind) from exc


class PoundsField(funds_forms.PoundsField):
    """funds' money field, with messages that name what the amount is for."""

    def __init__(self, *, what: str, whole: bool = False, **kwargs):
        self.what, self.whole = what, whole
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            amount = super().to_python(value)
        except forms.ValidationError as exc:
            if exc.messages == [TOO_MUCH]:
                raise forms.ValidationError(
                    f"{self.what[:1].upper()}{self.what[1:]} must be {format_pounds(MAX_POUNDS)} or less"
                ) from exc
            raise forms.ValidationError(
                f"Enter {self.what} as an amount in pounds of 0 or more, like 96,545 or 96545.50"
            ) from exc
        if amount is not None and self.whole and amount != amount.to_integral_value():
            raise forms.ValidationError(f"Enter {self.what} in whole pounds, like 675,814")
        return amount

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_pounds(value)[1:]  # typed values come back as typed; stored ones as "1,234"
        return value


class PotLineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, line: BudgetLine) -> str:
        return f"{line.budget.stream.name} {line.budget.year}: {line.name} {format_pounds(line.amount)}"


class StartForm(forms.Form):
    name = forms.CharField(
        label="Name of the needs assessment",
        max_length=200,
        help_text="For example, IDVA redistribution 2025/26",
        error_messages={"required": "Enter a name for the needs assessment"},
    )
    pot_line = PotLineChoiceField(
        queryset=BudgetLine.objects.select_related("budget__stream", "budget__year").order_by(
            "-budget__year__start_year", "budget__stream__report_order", "section__order", "order", "pk"
        ),
        label="Budget line to share out",
        help_text="The pot is copied from this line; you can change it later",
        error_messages={
            "required": "Choose the budget line to share out",
            "invalid_choice": "Choose a budget line from the list",
        },
    )
    area_kind = forms.ChoiceField(
        choices=Area.Kind.choices,
        initial=Area.Kind.LOCAL_AUTHORITY,
        label="Share between",
        error_messages={"required": "Choose the kind of area"},
    )
    target_year = forms.ModelChoiceField(
        queryset=FinancialYear.objects.all(),
        required=False,
        label="Year the result would fund",
        help_text="Leave as it is to use the year after the budget line's year",
        empty_label="The year after the line's",
        error_messages={"invalid_choice": "Choose a financial year from the list"},
    )


class IndicatorForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(max_length=120, required=False)
    weight = FigureField(what="the weight", example="0.4 or 40", places=4, maximum=MAX_WEIGHT)
    source = forms.ChoiceField(choices=Indicator.Source.choices, initial=Indicator.Source.ENTERED)
    measure_code = forms.CharField(max_length=60, required=False, initial="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        number = (self.prefix or "").rsplit("-", 1)[-1]
        position = int(number) + 1 if number.isdigit() else ""
        self.fields["name"].label = f"Indicator {position} name"
        self.fields["weight"].label = f"Indicator {position} weight"
        self.fields["weight"].what = f"the weight of indicator {position}"
        self.fields["source"].label = f"Indicator {position} source"
        self.fields["measure_code"].label = f"Indicator {position} measure code"

    def clean(self):
        data = super().clean()
        if self.cleaned_data.get("DELETE"):
            return data
        if not data.get("name"):
            self.add_error("name", f"Enter a name for {self.fields['name'].label[:-5].lower()}")
        if data.get("weight") is None and "weight" not in self.errors:
            self.add_error("weight", f"Enter {self.fields['weight'].what}, like 0.4 or 40")
        if data.get("source") == Indicator.Source.MONITORING_RETURNS and not data.get("measure_code"):
            self.add_error(
                "measure_code", "Enter the monitoring measure code to take demand from, like caseload"
            )
        return data


class BaseIndicatorFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = f"Remove indicator {index + 1 if index is not None else ''}"

    def clean(self):
        if any(self.errors):
            return
        names = [
            f.cleaned_data.get("name", "").strip().lower()
            for f in self.forms
            if (f.cleaned_data.get("id") or f.has_changed())
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("name")
        ]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise forms.ValidationError(
                f"Give each indicator a different name: {duplicates[0]} is used twice"
            )
        kept = [
            f
            for f in self.forms
            if not f.cleaned_data.get("DELETE") and (f.cleaned_data.get("id") or f.has_changed())
        ]
        if kept and not any((f.cleaned_data.get("weight") or 0) > 0 for f in kept):
            raise forms.ValidationError("Give at least one indicator a weight greater than 0")


IndicatorFormSet = forms.formset_factory(
    IndicatorForm, formset=BaseIndicatorFormSet, extra=1, can_delete=True
)


def indicator_initial(indicators: list[Indicator]) -> list[dict]:
    return [
        {
            "id": i.pk,
            "name": i.name,
            "weight": f"{i.weight.normalize():f}",
            "source": i.source,
            "measure_code": i.measure_code,
        }
        for i in indicators
    ]


class InputsForm(forms.Form):
    """The pot, one figure per area and indicator, and each area's current allocation."""

    html_id = "inputs"

    def __init__(self, *args, assessment, areas, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.areas, self.indicators = areas, indicators
        self.fields["pot"] = PoundsField(
            what="the pot",
            whole=True,
            label="Pot to share",
            error_messages={"required": "Enter the pot to share"},
        )
        from_returns = {
            (v.indicator_id, v.area_id)
            for i in indicators
            for v in i.values.all()
            if v.source == v.Source.RETURNS
        }
        for area in areas:
            for indicator in indicators:
                self.fields[self.value_key(indicator, area)] = FigureField(
                    label=f"{area.name}: {indicator.name}",
                    what=f"{area.name}'s {indicator.name_in_sentence}",
                    example="1,250 or 1250.5",
                    help_text="From returns" if (indicator.pk, area.pk) in from_returns else "",
                )
            self.fields[self.current_key(area)] = PoundsField(
                label=f"{area.name}: current allocation",
                what=f"{area.name}'s current allocation",
                required=False,
            )

    @staticmethod
    def value_key(indicator, area) -> str:
        return f"v_{indicator.pk}_{area.pk}"

    @staticmethod
    def current_key(area) -> str:
        return f"c_{area.pk}"

    @classmethod
    def initial_for(cls, assessment, areas, indicators) -> dict:
        initial = {"pot": assessment.pot}
        for indicator in indicators:
            for value in indicator.values.all():
                initial[f"v_{indicator.pk}_{value.area_id}"] = f"{value.value.normalize():,f}"
        for current in assessment.current_allocations.all():
            initial[f"c_{current.area_id}"] = current.amount
        return initial

    def values(self) -> dict[tuple[int, int], Decimal | None]:
        return {
            (i.pk, a.pk): self.cleaned_data[self.value_key(i, a)] for a in self.areas for i in self.indicators
        }

    def current(self) -> dict[int, Decimal | None]:
        return {a.pk: self.cleaned_data[self.current_key(a)] for a in self.areas}

    def rows(self):
        """[(area, [bound value fields], bound current field)] for the grid template."""
        return [
            (a, [self[self.value_key(i, a)] for i in self.indicators], self[self.current_key(a)])
            for a in self.areas
        ]
