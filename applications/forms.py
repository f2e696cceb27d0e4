"""Forms for the public and applicant pages. Task forms hand on only their valid fields (`values_to_save`, for
services.save_task), so "Save and come back later" keeps whatever was right and the raw text of whatever was not."""

from django import forms
from django.utils import timezone

from core.money import format_pounds
from core.uploads import CheckedFileField, upload_messages
from funds.models import Area

from .fields import MoneyField, characters_for, word_count
from .models import Application, Membership, Organisation, OrganisationType, Requirement, Round
from .services.drafting import budget_mismatch

YES_NO = [("yes", "Yes"), ("no", "No")]


class EligibilityForm(forms.Form):
    organisation_type = forms.ChoiceField(
        label="What kind of organisation are you?",
        widget=forms.RadioSelect,
        choices=OrganisationType.choices,
        error_messages={"required": "Select what kind of organisation you are"},
    )
    area = forms.ModelChoiceField(
        label="Where will your project take place?",
        queryset=Area.objects.none(),
        empty_label="Choose an area",
        error_messages={"required": "Choose the area where your project will take place"},
    )

    def __init__(self, *args, round_: Round, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round_
        self.fields["area"].queryset = round_.areas.order_by("name")
        self.fields["area"].label_from_instance = lambda a: a.name
        for value in round_.requirements:
            label = Requirement(value).label
            self.fields[f"has_{value}"] = forms.ChoiceField(
                label=f"Does your organisation have {label}?",
                widget=forms.RadioSelect,
                choices=YES_NO,
                error_messages={"required": f"Select yes if your organisation has {label}"},
            )

    def reasons_not_eligible(self) -> list[str]:
        data, reasons = self.cleaned_data, []
        if data["organisation_type"] not in self.round.organisation_types:
            kinds = ", ".join(label.lower() for label in self.round.organisation_type_labels)
            reasons.append(
                f"{OrganisationType(data['organisation_type']).label}s cannot apply to this round. "
                f"It is open to: {kinds}."
            )
        for value in self.round.requirements:
            if data.get(f"has_{value}") != "yes":
                reasons.append(f"You need {Requirement(value).label} before you can apply.")
        return reasons


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "type", "charity_number", "company_number", "address", "area"]
        labels = {
            "name": "Organisation name",
            "type": "Type of organisation",
            "charity_number": "Charity number (if you have one)",
            "company_number": "Company number (if you have one)",
            "address": "Address",
            "area": "Which area is your organisation based in?",
        }
        widgets = {"type": forms.RadioSelect, "address": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "name": {"required": "Enter your organisation's name"},
            "type": {"required": "Select the type of organisation"},
            "address": {"required": "Enter your organisation's address"},
            "area": {"required": "Choose the area your organisation is based in"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = OrganisationType.choices
        self.fields["area"].queryset = Area.objects.filter(kind=Area.Kind.LOCAL_POLICING_AREA).order_by(
            "name"
        )
        self.fields["area"].label_from_instance = lambda a: a.name
        self.fields["area"].empty_label = "Choose an area"

    def clean(self):
        data = super().clean()
        if data.get("type") in {"registered_charity", "cio"} and not data.get("charity_number"):
            self.add_error("charity_number", "Enter your charity number, like 1234567")
        if data.get("type") in {"cic", "clg"} and not data.get("company_number"):
            self.add_error("company_number", "Enter your company number, like 01234567")
        return data


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter your colleague's email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Membership.Role.choices,
        widget=forms.RadioSelect,
        initial=Membership.Role.MEMBER,
    )


class StartApplicationForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Which organisation are you applying for?",
        queryset=Organisation.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"required": "Select the organisation you are applying for"},
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class TaskForm(forms.Form):
    """A task page. `values_to_save` gives services.save_task what passed validation, as plain values."""

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application

    def values_to_save(self) -> dict:
        """save_task's `changes` (application fields), and for some pages `budget_items` or `uploads`."""
        raise NotImplementedError


class OrganisationTaskForm(TaskForm):
    contact_name = forms.CharField(
        label="Name of the main contact",
        max_length=200,
        error_messages={"required": "Enter the name of the main contact"},
    )
    contact_phone = forms.CharField(
        label="Their phone number",
        max_length=40,
        help_text="For international numbers include the country code",
        error_messages={"required": "Enter a phone number, like 01632 960 001 or 07700 900 982"},
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "class": "govuk-input--width-20"}
        ),
    )

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, application=application, **kwargs)
        for value in application.round.requirements:
            label = Requirement(value).label
            self.fields[f"has_{value}"] = forms.BooleanField(
                label=f"We have {label}",
                required=True,
                error_messages={"required": f"Confirm that your organisation has {label}"},
            )

    def clean_contact_phone(self):
        phone = self.cleaned_data["contact_phone"].strip()
        digits = [c for c in phone if c.isdigit()]
        if len(digits) < 10 or any(c not in "0123456789 +()-" for c in phone):
            raise forms.ValidationError("Enter a phone number, like 01632 960 001 or 07700 900 982")
        return phone

    def values_to_save(self):
        data = self.cleaned_data
        changes = {name: data[name] for name in ("contact_name", "contact_phone") if name in data}
        changes["meets_requirements"] = [
            v for v in self.application.round.requirements if data.get(f"has_{v}")
        ]
        return {"changes": changes}


class ProjectTaskForm(TaskForm):
    project_title = forms.CharField(
        label="Project name", max_length=200, error_messages={"required": "Enter the name of your project"}
    )
    project_summary = forms.CharField(
        label="Describe your project",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What you will do, who it helps and how it makes people safer. "
        "Use no more than 300 words. If you get a grant, we publish your "
        "project name, this description and the amount, so do not name "
        "the people you help.",
        max_length=characters_for(300),
        error_messages={
            "required": "Describe your project",
            "max_length": f"Your description must be {characters_for(300):,} characters or fewer",
        },
    )
    area = forms.ModelChoiceField(
        label="Where will the project take place?",
        queryset=Area.objects.none(),
        empty_label="Choose an area",
        error_messages={"required": "Choose the area where your project will take place"},
    )
    amount_requested = MoneyField(
        label="How much are you asking for?",
        required_message="Enter the amount you are asking for, like 1,250 or 1250.50",
    )

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, application=application, **kwargs)
        round_ = application.round
        self.round = round_
        self.fields["area"].queryset = round_.areas.order_by("name")
        self.fields["area"].label_from_instance = lambda a: a.name
        self.fields[
            "amount_requested"
        ].help_text = (
            f"Between {format_pounds(round_.minimum_grant)} and {format_pounds(round_.maximum_grant)}"
        )
        themes = list(round_.ring_fences.all())
        if themes:
            self.fields["ring_fence"] = forms.ChoiceField(
                label="Is your project about one of these themes?",
                widget=forms.RadioSelect,
                choices=[(str(t.pk), t.theme) for t in themes] + [("none", "None of these")],
                error_messages={"required": "Select a theme, or None of these"},
            )

    def clean_project_summary(self):
        text = self.cleaned_data["project_summary"]
        if word_count(text) > 300:
            raise forms.ValidationError(
                f"Your description must be 300 words or fewer. It has {word_count(text)}"
            )
        return text

    def clean_amount_requested(self):
        amount = self.cleaned_data["amount_requested"]
        if amount is not None and not self.round.minimum_grant <= amount <= self.round.maximum_grant:
            raise forms.ValidationError(
                f"Enter an amount between {format_pounds(self.round.minimum_grant)} and "
                f"{format_pounds(self.round.maximum_grant)}"
            )
        return amount

    def values_to_save(self):
        data = self.cleaned_data
        changes = {
            name: data[name]
            for name in ("project_title", "project_summary", "amount_requested")
            if name in data
        }
        if "area" in data:
            changes["area_id"] = data["area"].pk
        if "ring_fence" in data:
            changes["ring_fence_id"] = None if data["ring_fence"] == "none" else int(data["ring_fence"])
        return {"changes": changes}


MAX_BUDGET_ROWS = 20


class BudgetTaskForm(TaskForm):
    """Rows of description and amount; the rows must add up to the amount requested."""

    def __init__(self, *args, application: Application, rows: int, **kwargs):
        super().__init__(*args, application=application, **kwargs)
        self.rows = max(1, min(rows, MAX_BUDGET_ROWS))
        for n in range(1, self.rows + 1):
            self.fields[f"item_{n}_description"] = forms.CharField(
                label=f"Item {n}: what it is for", max_length=200, required=False
            )
            # No single item can cost more than the round's largest grant, which the items must add up to.
            self.fields[f"item_{n}_amount"] = MoneyField(
                label=f"Item {n}: cost",
                required=False,
                max_value=application.round.maximum_grant,
                max_message=f"The cost of item {n} must be {format_pounds(application.round.maximum_grant)} or less",
            )

    def row_pairs(self):
        return [(self[f"item_{n}_description"], self[f"item_{n}_amount"]) for n in range(1, self.rows + 1)]

    def clean(self):
        data = super().clean()
        items = []
        for n in range(1, self.rows + 1):
            description, amount = data.get(f"item_{n}_description"), data.get(f"item_{n}_amount")
            amount_failed = f"item_{n}_amount" in self.errors
            if description and amount is None and not amount_failed:
                self.add_error(f"item_{n}_amount", f"Enter the cost of item {n}, like 1,250 or 1250.50")
            elif amount is not None and not description:
                self.add_error(f"item_{n}_description", f"Enter what item {n} is for")
            elif amount is not None and amount == 0:
                self.add_error(f"item_{n}_amount", f"Enter a cost for item {n} greater than £0")
            elif description and amount is not None:
                items.append((description, amount))
        self.items = items
        if not self.errors:
            requested = self.application.amount_requested
            if not items:
                self.add_error("item_1_description", "Add at least one budget item")
            elif requested is None:
                self.add_error(
                    "item_1_description",
                    "Tell us how much you are asking for in “Your project” before you add your budget",
                )
            elif problem := budget_mismatch((a for _, a in items), requested):
                self.add_error("item_1_amount", problem)
        return data

    def values_to_save(self):
        # All or nothing: the rows are one list that must add up, so a page with any error leaves the stored rows as
        # they were (what was typed is kept as the draft).
        if self.errors:
            return {"changes": {}}
        return {"changes": {}, "budget_items": list(self.items)}


class DocumentsTaskForm(TaskForm):
    governing_document = forms.FileField(
        label="Governing document",
        required=False,
        help_text="Your constitution, trust deed or articles of association",
    )
    safeguarding_policy = forms.FileField(label="Safeguarding policy", required=False)
    accounts = forms.FileField(
        label="Latest accounts or bank statement",
        required=False,
        help_text="Your latest annual accounts, or a bank statement from the last 3 months",
    )

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, application=application, **kwargs)
        self.have = {d.kind: d for d in application.documents.all()}
        for _name, field in self.fields.items():
            field.help_text = " ".join(
                filter(
                    None, [field.help_text, "PDF, Word (DOCX), Excel (XLSX) or an image, smaller than 10MB."]
                )
            )
            field.error_messages.update(upload_messages(field.label))

    def clean(self):
        from .services import UploadError, check_upload

        data = super().clean()
        for name in self.fields:
            upload = data.get(name)
            if upload:
                try:
                    check_upload(upload)
                except UploadError as exc:
                    self.add_error(name, str(exc))
        return data

    def missing(self) -> list[str]:
        chosen = {n for n in self.fields if self.cleaned_data.get(n)}
        return [n for n in self.fields if n not in self.have and n not in chosen]

    def values_to_save(self):
        uploads = {name: self.cleaned_data[name] for name in self.fields if self.cleaned_data.get(name)}
        return {"changes": {}, "uploads": uploads}


class DeclarationsTaskForm(TaskForm):
    true_and_complete = forms.BooleanField(
        label="The information in this application is true and complete",
        error_messages={"required": "Confirm that the information is true and complete"},
    )
    use_for_project = forms.BooleanField(
        label="We will spend any grant only on the project described",
        error_messages={"required": "Confirm that you will spend the grant only on the project described"},
    )
    monitoring = forms.BooleanField(
        label="We will report on how the money was spent and what it achieved",
        error_messages={"required": "Confirm that you will report on how the money was spent"},
    )
    declared_by_name = forms.CharField(
        label="Your full name", max_length=200, error_messages={"required": "Enter your full name"}
    )

    def values_to_save(self):
        changes = {}
        if "declared_by_name" in self.cleaned_data:
            changes["declared_by_name"] = self.cleaned_data["declared_by_name"]
        if all(self.cleaned_data.get(n) for n in ("true_and_complete", "use_for_project", "monitoring")):
            changes["declared_at"] = timezone.now()
        return {"changes": changes}


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why are you withdrawing? (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ResponseForm(forms.Form):
    response = forms.CharField(
        label="Your answer",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter your answer to our question"},
    )
    attachment = CheckedFileField(
        label="Attach a file (optional)",
        required=False,
        widget=forms.FileInput,
        help_text="If we asked for a document, or one helps your answer. PDF, Word (DOCX), Excel (XLSX) or an "
        "image, smaller than 10MB.",
    )
