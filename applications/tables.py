import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from core.money import format_pounds

from . import selectors
from .models import Application


def _sorted_by(column: str):
    """django-tables2's order_FOO for a column: the staff list's own order for it (selectors.STAFF_LIST_SORTS), which
    ends with the id so pages are stable, instead of the bare field django-tables2 would sort by."""

    def order(self, queryset, is_descending):
        return selectors.order_staff_list(queryset, column, descending=is_descending), True

    return order


NUMERIC = {"td": {"class": "govuk-table__cell--numeric"}, "th": {"class": "govuk-table__header--numeric"}}


class StaffApplicationTable(tables.Table):
    reference = tables.Column(verbose_name="Reference")
    organisation = tables.Column(accessor="organisation__name", verbose_name="Organisation")
    round = tables.Column(accessor="round__name", verbose_name="Round")
    area = tables.Column(accessor="area__name", verbose_name="Area", default="—")
    status = tables.Column(verbose_name="Status")
    amount_requested = tables.Column(verbose_name="Requested", attrs=NUMERIC)
    score = tables.Column(
        verbose_name="Score", attrs=NUMERIC, default="—"
    )  # stored: applications.services.scoring

    class Meta:
        model = Application
        fields = ["reference", "organisation", "round", "area", "status", "amount_requested", "score"]
        # No order_by: until someone sorts by a column the rows keep the selector's order, newest submitted first
        # (selectors.STAFF_LIST_ORDER). django-tables2 ignores an order_by on a field that is not a column.
        empty_text = "No applications match these filters"

    def render_reference(self, record, value):
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            reverse("applications:staff_detail", args=[record.pk]),
            value,
        )

    def render_organisation(self, record, value):
        marked = record.organisation.illustrative and "(illustrative)" not in value
        return f"{value} (illustrative)" if marked else value

    def render_status(self, record):
        return record.get_status_display()

    def render_amount_requested(self, value):
        return format_pounds(value)

    def render_score(self, value):
        return f"{value:.0f}%"

    order_reference = _sorted_by("reference")
    order_organisation = _sorted_by("organisation")
    order_round = _sorted_by("round")
    order_area = _sorted_by("area")
    order_status = _sorted_by("status")
    order_amount_requested = _sorted_by("amount_requested")
    order_score = _sorted_by("score")
