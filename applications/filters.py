import django_filters
from django import forms
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from funds.models import Area

from . import questions
from .fields import MoneyField
from .models import Application, FormVersion, Round, Status


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

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        # With one round chosen, each of its choice questions (on any version of its form) filters by its answer.
        round_id = (data or {}).get("round")
        asked = choice_questions(int(round_id)) if round_id and str(round_id).isdigit() else []
        if asked:
            for q in asked:
                self.filters[f"answer_{q['key']}"] = django_filters.ChoiceFilter(
                    label=q["text"],
                    choices=[(o, o) for o in q["options"]],
                    empty_label="Any answer",
                    method=_answer_filter(q),
                )
            self.answer_filters = [f"answer_{q['key']}" for q in asked]
        else:
            self.answer_filters = []

    @property
    def answer_fields(self) -> list:
        return [self.form[name] for name in self.answer_filters]

    @property
    def params(self) -> dict:
        """The filter as plain values, for an export job to run again later."""
        return {k: v for k, v in (self.data or {}).items() if k in self.filters and v}


def choice_questions(round_id: int) -> list[dict]:
    """The round's single choice, multiple choice and yes/no questions across its form's versions, latest wording."""
    definitions = FormVersion.objects.filter(round_id=round_id, purpose="application").order_by("number")
    columns = questions.export_columns(v.definition for v in definitions)
    return [q for q in columns if q["kind"] in ("single_choice", "multiple_choice", "yes_no")]


def _answer_filter(question: dict):
    # Question keys are digits, which Django's JSON key lookups (answers__453) would read as a list index, so the
    # filter asks "does the answers object contain this" instead.
    key, many = question["key"], question["kind"] == "multiple_choice"

    def filter_answer(queryset, name, value):
        if not value:
            return queryset
        if connection.features.supports_json_field_contains:
            return queryset.filter(answers__contains={key: [value] if many else value})
        # SQLite (the embedded default) has no containment: its JSON functions do the same.
        path = f'$."{key}"'
        table = queryset.model._meta.db_table
        sql = (
            f"EXISTS (SELECT 1 FROM json_each({table}.answers, %s) WHERE json_each.value = %s)"
            if many
            else f"json_extract({table}.answers, %s) = %s"
        )
        return queryset.filter(RawSQL(sql, (path, value), output_field=BooleanField()))

    return filter_answer
