import django_filters
from django import forms

from funds.models import Area

from .fields import MoneyField
from .models import Application, Round, Status


class MoneyFilter(django_filters.NumberFilter):
    field_class = MoneyField


class StaffApplicationFilter(django_filters.FilterSet):
    round = django_filters.ModelChoiceFilter(queryset=Round.objects.all(), empty_label="All rounds")
    area = django_filters.ModelChoiceFilter(
        queryset=Area.objects.filter(kind=Area.Kind.LOCAL_POLICING_AREA), empty_label="All areas"
    )
    status = django_filters.ChoiceFilter(
        choices=[c for c in Status.choices if c[0] != Status.DRAFT], empty_label="All statuses"
    )
    min_amount = MoneyFilter(field_name="amount_requested", lookup_expr="gte", label="Requested at least")
    max_amount = MoneyFilter(field_name="amount_requested", lookup_expr="lte", label="Requested at most")
    min_score = django_filters.NumberFilter(
        field_name="score",
        lookup_expr="gte",
        label="Score at least (%)",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
    )

    class Meta:
        model = Application
        fields = ["round", "area", "status"]

    @property
    def params(self) -> dict:
        """The filter as plain values, for an export job to run again later."""
        return {k: v for k, v in (self.data or {}).items() if k in self.filters and v}
