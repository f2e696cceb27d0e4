"""Filters for the public pages and the API. Both read the same form, so a filter means the same thing everywhere and
a bad value gets the same message on a page (as a GOV.UK error) and in the API (as a 400)."""

from django import forms

from funds.models import Area, FinancialYear, FundingStream

from . import selectors


def _year(raw: str) -> int:
    try:
        return FinancialYear.start_year_from_label(raw)
    except ValueError as exc:
        raise forms.ValidationError(str(exc)) from exc


def _year_choices(start_years) -> list[tuple[str, str]]:
    years = [FinancialYear(start_year=y) for y in sorted(set(start_years), reverse=True)]
    return [("", "All years")] + [(y.label(FinancialYear.LabelStyle.LONG), y.label()) for y in years]


class GrantFilterForm(forms.Form):
    """`year` as 2024/25 or 2024-25, `area` an area id, `stream` a funding stream's slug; all optional."""

    year = forms.CharField(required=False, label="Financial year", widget=forms.Select)
    area = forms.CharField(required=False, label="Area", widget=forms.Select)
    stream = forms.CharField(required=False, label="Funding stream", widget=forms.Select)

    def __init__(self, data=None, *, facets: "selectors.GrantFacets | None" = None):
        super().__init__(data)
        if facets is not None:
            # Only what has published grants is offered, so no choice leads to an empty page.
            self.fields["year"].widget.choices = _year_choices(facets.years())
            self.fields["area"].widget.choices = [("", "All areas")] + [
                (str(pk), name) for pk, name in facets.areas
            ]
            self.fields["stream"].widget.choices = [("", "All funding streams")] + [
                (slug, name) for _, slug, name in facets.streams
            ]

    def clean_year(self):
        raw = self.cleaned_data["year"].strip()
        return _year(raw) if raw else None

    def clean_area(self):
        raw = self.cleaned_data["area"].strip()
        if not raw:
            return None
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
            raise forms.ValidationError(f'"{raw}" is not an area. Choose an area from the list')
        area = Area.objects.filter(pk=int(raw)).first()
        if area is None:
            raise forms.ValidationError(f"There is no area {raw}. Choose an area from the list")
        return area

    def clean_stream(self):
        raw = self.cleaned_data["stream"].strip()
        if not raw:
            return None
        stream = FundingStream.objects.filter(slug=raw).first()
        if stream is None:
            raise forms.ValidationError(
                f'There is no funding stream "{raw}". Choose a funding stream from the list'
            )
        return stream

    @property
    def filters(self) -> dict:
        """Keyword arguments for `selectors.published_grants`."""
        return {k: v for k, v in self.cleaned_data.items() if v is not None}


class DecisionFilterForm(forms.Form):
    year = forms.CharField(
        required=False,
        label="Financial year",
        widget=forms.Select,
        help_text="Decisions taken from 1 April to 31 March",
    )

    def __init__(self, data=None, *, with_choices: bool = False):
        super().__init__(data)
        if with_choices:
            dates = selectors.published_decisions().order_by().dates("decided_on", "month")
            self.fields["year"].widget.choices = _year_choices(FinancialYear.containing(d) for d in dates)

    def clean_year(self):
        raw = self.cleaned_data["year"].strip()
        return _year(raw) if raw else None
