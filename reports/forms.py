import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from funds.forms import DATE_FORMATS, YearField

from . import audit_trail as trail_reads
from .audit_trail import action_label

EARLIEST, LATEST = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)


class YearForm(forms.Form):
    year = YearField()


class _PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class _KindField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        model = obj.model_class()
        name = str(model._meta.verbose_name) if model else obj.model
        return f"{name[:1].upper()}{name[1:]}"


class _DateField(forms.DateField):
    """A date typed as 31/3/2025 (or 31 3 2025, 2025-03-31, 31 March 2025), in the years a trail can hold."""

    def __init__(self, *, which: str, **kwargs):
        self.which = which
        super().__init__(
            required=False,
            input_formats=DATE_FORMATS,
            widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
            help_text="For example, 31/3/2025",
            error_messages={"invalid": f"Enter the ‘{which}’ date as a real date, like 31/3/2025"},
            **kwargs,
        )

    def validate(self, value):
        super().validate(value)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(
                f"Enter a ‘{self.which}’ date between 1900 and 2999, like 31/3/2025", code="out_of_range"
            )


class AuditTrailFilterForm(forms.Form):
    """What staff narrow the audit trail by. Every field is optional; a field typed wrongly gets a message and is
    left out of the filter, so the page always answers."""

    person = _PersonField(
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Anyone",
        label="Person",
        error_messages={"invalid_choice": "Choose a person from the list"},
    )
    kind = _KindField(
        queryset=ContentType.objects.none(),
        required=False,
        empty_label="Any kind",
        label="Kind of record",
        error_messages={"invalid_choice": "Choose a kind of record from the list"},
    )
    subject = forms.CharField(
        required=False,
        max_length=100,
        label="Reference or name",
        help_text="For example, a grant reference, a budget line or an organisation",
        error_messages={"max_length": "Enter a reference or name of 100 characters or fewer"},
    )
    action = forms.ChoiceField(
        required=False,
        label="What happened",
        error_messages={"invalid_choice": "Choose what happened from the list"},
    )
    date_from = _DateField(which="from", label="From")
    date_to = _DateField(which="to", label="To")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Anyone who ever acted may be filtered by (a link to an applicant's events still works), but the list offers
        # the office's staff only: at scale thousands of applicants and providers have acted, and a select of every
        # one of them made the page seconds long. The one chosen is always offered, so the form shows what applies.
        person = self.fields["person"]
        person.queryset = trail_reads.people_who_acted()
        chosen = str(self.data.get("person", "")) if self.is_bound else ""
        offered = trail_reads.people_offered(int(chosen) if chosen.isdecimal() and len(chosen) < 19 else None)
        person.widget.choices = [("", person.empty_label), *((u.pk, str(u)) for u in offered)]
        self.fields["kind"].queryset = trail_reads.kinds_recorded()
        actions = sorted(((a, action_label(a)) for a in trail_reads.actions_recorded()), key=lambda c: c[1])
        self.fields["action"].choices = [("", "Anything"), *actions]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The ‘to’ date must be the same as or after the ‘from’ date")
        return cleaned

    def filters(self) -> dict:
        """The valid filters as arguments for audit.selectors.trail (reports.audit_trail.filtered_trail)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        start, end = data.get("date_from"), data.get("date_to")
        return {
            "actor_id": data["person"].pk if data.get("person") else None,
            "content_type_id": data["kind"].pk if data.get("kind") else None,
            "action": data.get("action") or "",
            "since": _start_of(start) if start else None,
            "before": _start_of(end + datetime.timedelta(days=1)) if end else None,
            "subject": (data.get("subject") or "").strip(),
        }

    @property
    def params(self) -> dict:
        """The filter as typed, for an export job to run again later."""
        return {k: v for k, v in (self.data or {}).items() if k in self.fields and v}


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
