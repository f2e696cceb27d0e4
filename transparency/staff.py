"""Staff page for the 360Giving export: choose a year (and a stream or a round), see what would be published, and have
the file built by a Celery task."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render

from accounts.permissions import permission_required
from applications.models import Round
from exports.services import request_export
from funds.forms import YearField
from funds.models import FinancialYear, FundingStream
from funds.selectors import current_office

from .exports import FORMATS, GIVING360
from .giving360 import GivingError, Selection, funding_organisation, publisher_prefix
from .selectors import grant_totals, published_grants


class Giving360Form(forms.Form):
    html_id = "giving360-form"

    year = YearField()
    stream = forms.ModelChoiceField(
        queryset=FundingStream.objects.all(),
        required=False,
        label="Funding stream (optional)",
        empty_label="All streams",
        error_messages={"invalid_choice": "Choose a funding stream from the list"},
    )
    round = forms.ModelChoiceField(
        queryset=Round.objects.select_related("budget__year", "budget__stream").order_by("-closes_at"),
        required=False,
        label="Round (optional)",
        empty_label="All rounds",
        help_text="Choose a stream or a round to publish only its grants",
        error_messages={"invalid_choice": "Choose a round from the list"},
    )
    format = forms.ChoiceField(
        choices=list(FORMATS.items()),
        widget=forms.RadioSelect,
        label="File format",
        required=False,  # only needed to create the file; checking the figures does without
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["selection"] = Selection.checked(data["year"], data.get("stream"), data.get("round"))
        except GivingError as exc:
            self.add_error("round", str(exc))
        return data


def _initial_year() -> FinancialYear | None:
    latest = published_grants().order_by("-application__round__budget__year__start_year").first()
    return (
        latest.application.round.budget.year
        if latest
        else FinancialYear.objects.order_by("-start_year").first()
    )


@permission_required("applications.publish_grants")
def giving360(request):
    creating = request.method == "POST" and request.POST.get("action") == "create"
    if request.method == "POST":
        form = Giving360Form(request.POST)
    elif request.GET:
        form = Giving360Form(request.GET)
    else:
        form = Giving360Form(initial={"year": _initial_year()})
    office = current_office()
    setup_problem = _setup_problem(office)
    selection = totals = None
    if form.is_bound and form.is_valid():
        selection = form.cleaned_data["selection"]
    elif not form.is_bound and form.initial["year"] is not None:
        selection = Selection(year=form.initial["year"])
    if selection is not None:
        totals = grant_totals(selection.awards())
    if creating and selection is not None:
        # Refuse here what the task would fail on, so nobody waits for a file that cannot be made.
        if setup_problem:
            form.add_error(None, setup_problem)
        elif not totals["count"]:
            form.add_error("round", f"There are no approved grants to publish for {selection.describe()}")
        elif not form.cleaned_data["format"]:
            form.add_error("format", "Choose a file format")
        else:
            fmt = form.cleaned_data["format"]
            job = request_export(
                kind=GIVING360,
                params={**selection.params, "format": fmt},
                title=f"360Giving grants {selection.describe()} ({fmt.upper()})",
                by=request.user,
            )
            messages.info(
                request, f"We are preparing the 360Giving {fmt.upper()} file for {selection.describe()}."
            )
            return redirect("exports:job", pk=job.pk)
    return render(
        request,
        "transparency/staff/giving360.html",
        {
            "form": form,
            "selection": selection,
            "totals": totals,
            "setup_problem": setup_problem,
        },
    )


def _setup_problem(office) -> str:
    """What stops the office publishing at all, shown before anyone waits for a file that will fail."""
    if office is None:
        return "Set up the office (Admin, Offices) first."
    try:
        publisher_prefix(office)
        funding_organisation(office)
    except GivingError as exc:
        return str(exc)
    return ""
