from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from funds import selectors, services
from funds.models import Budget, BudgetLine, FinancialYear, FundingStream

pytestmark = pytest.mark.django_db


def test_the_budget_list_shows_pound_columns_and_the_overrun(staff_client, demo_data):
    page = staff_client.get(reverse("admin:funds_budget_changelist")).content.decode()
    assert "£415,418" in page and "£400,000" in page
    assert "OVER-ALLOCATED: lines exceed the pot by £15,418" in page


def test_the_budget_page_has_its_lines_inline_and_read_only_totals(staff_client, demo_data):
    budget = Budget.objects.get(stream__slug="helping-communities-fund")
    page = staff_client.get(reverse("admin:funds_budget_change", args=[budget.pk])).content.decode()
    assert "LPA Reserve" in page and "Left to commit" in page and "£91,568" in page


def test_lines_can_be_filtered_by_year_stream_and_area(staff_client, demo_data):
    year = FinancialYear.objects.get(start_year=2024)
    page = staff_client.get(
        reverse("admin:funds_budgetline_changelist"),
        {
            "budget__year__id__exact": year.pk,
            "budget__stream__id__exact": Budget.objects.get(stream__slug="community-safety-fund").stream_id,
        },
    ).content.decode()
    assert "Youth Offending" in page and "Hate Crime" not in page


def test_changing_a_line_in_admin_is_refused_below_its_committed_total(staff_client, demo_data):
    line = BudgetLine.objects.get(name="Solihull", budget__stream__slug="helping-communities-fund")
    services.commit_to_line(line_id=line.pk, amount=Decimal("5000"), reference="HCF-1")
    data = {
        "budget": line.budget_id,
        "kind": line.kind,
        "name": line.name,
        "area": line.area_id,
        "amount": "4000",
        "order": line.order,
        "section": "",
        "recorded_project_count": "",
        "change_reason": "Cut",
    }
    response = staff_client.post(reverse("admin:funds_budgetline_change", args=[line.pk]), data, follow=True)
    assert "£5,000 committed, so its allocation cannot be less than that" in response.content.decode()
    line.refresh_from_db()
    assert line.amount == Decimal("6400.00")


def test_a_line_change_in_admin_is_audited(staff_client, demo_data, staff_user):
    line = BudgetLine.objects.get(name="Solihull", budget__stream__slug="helping-communities-fund")
    data = {
        "budget": line.budget_id,
        "kind": line.kind,
        "name": line.name,
        "area": line.area_id,
        "amount": "7000",
        "order": line.order,
        "section": "",
        "recorded_project_count": "2",
        "change_reason": "Second project agreed",
    }
    response = staff_client.post(reverse("admin:funds_budgetline_change", args=[line.pk]), data)
    assert response.status_code == 302, response.content.decode()
    event = AuditEvent.objects.get(action="line.saved")
    assert (event.actor, event.before["amount"], event.after["amount"], event.note) == (
        staff_user,
        "6400.00",
        "7000.00",
        "Second project agreed",
    )


def test_the_admin_import_lists_row_errors_and_writes_nothing(
    staff_client, demo_data, django_capture_on_commit_callbacks
):
    year = FinancialYear.objects.get(start_year=2024)
    upload = SimpleUploadedFile(
        "lines.csv",
        b'stream,priority,line,area,amount\nVictims Fund,,Hate Crime,,1\nVictims Fund,,Road Crime,,"74, 626"\n',
    )
    with django_capture_on_commit_callbacks(execute=True):  # with no broker the import's job runs on commit
        response = staff_client.post(
            reverse("admin:funds_budgetline_import"), {"year": year.pk, "file": upload}
        )
    page = staff_client.get(response.url).content.decode()
    assert "Nothing was imported" in page
    assert "Row 3: amount &quot;74, 626&quot;" in page
    assert BudgetLine.objects.get(name="Hate Crime").amount == Decimal("157500.00")


def test_the_admin_import_refuses_a_file_that_is_not_a_spreadsheet(staff_client, demo_data):
    year = FinancialYear.objects.get(start_year=2024)
    upload = SimpleUploadedFile("lines.pdf", b"%PDF-1.4")
    page = staff_client.post(
        reverse("admin:funds_budgetline_import"), {"year": year.pk, "file": upload}
    ).content.decode()
    assert "must be a CSV (.csv) or Excel (.xlsx) file" in page


def test_the_admin_import_saves_and_says_what_changed(
    staff_client, demo_data, django_capture_on_commit_callbacks
):
    year = FinancialYear.objects.get(start_year=2024)
    upload = SimpleUploadedFile(
        "lines.csv", b"stream,priority,line,area,amount\nVictims Fund,,Hate Crime,,160000\n"
    )
    with django_capture_on_commit_callbacks(execute=True):  # with no broker the import's job runs on commit
        job_page = staff_client.post(
            reverse("admin:funds_budgetline_import"), {"year": year.pk, "file": upload}
        ).url
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(job_page, {"action": "confirm"})
    page = staff_client.get(job_page).content.decode()
    assert "What was imported" in page and "0 to add, 1 to change, 0 unchanged" in page
    assert BudgetLine.objects.get(name="Hate Crime").amount == Decimal("160000.00")


def test_finance_can_transfer_between_streams_in_admin_and_a_bad_amount_is_explained(staff_client, demo_data):
    source = Budget.objects.get(stream__slug="community-safety-fund")
    target = Budget.objects.get(stream__slug="victims-fund")
    line = source.lines.order_by("-amount").first()
    line.amount -= 5000
    services.save_line(line=line)  # leaves £5,000 of the pot unallocated
    url = reverse("admin:funds_budget_transfer", args=[source.pk])

    page = staff_client.post(
        url, {"to_budget": target.pk, "amount": "271, 410", "note": "Top-up"}
    ).content.decode()
    assert "Enter an amount in pounds, like 1,250 or 1250.50" in page

    page = staff_client.post(url, {"to_budget": target.pk, "amount": "£5,000.01", "note": "Top-up"}).content
    assert "would leave Community Safety Fund 2024/25 over-allocated by £0.01" in page.decode()

    staff_client.post(url, {"to_budget": target.pk, "amount": "£5,000", "note": "Top up victims' services"})
    assert selectors.budget_totals(source.pk).pot == Decimal("3964300.00")
    assert selectors.budget_totals(target.pk).pot == Decimal("3780558.00")


# --- The budget page as a browser submits it: every field of the form, the inline management forms, one new row per
# "Add another" click copied from the hidden template row, exactly as Django admin's inlines.js does.


class _FormFields(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select, self._textarea = None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or attrs.get("disabled") is not None:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type", "text") not in ("submit", "button", "image", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append(
                [name, attrs.get("value") or ("on" if attrs.get("type") == "checkbox" else "")]
            )
        elif tag == "select" and name:
            self._select = [name, None]
            self.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            if self._select[1] is None or "selected" in attrs:
                self._select[1] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            self.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None:
                self._textarea[1] = self._textarea[1].removeprefix("\n")
            self._textarea = None


class AdminForm:
    def __init__(self, html: str, form_id: str):
        parser = _FormFields(form_id)
        parser.feed(html)
        self.fields = {name: value or "" for name, value in parser.fields}

    def set(self, **values):
        self.fields.update({name.replace("__", "-"): str(value) for name, value in values.items()})

    def add_row(self, prefix: str, **values) -> int:
        index = int(self.fields[f"{prefix}-TOTAL_FORMS"])
        template = f"{prefix}-__prefix__-"
        for name, value in list(self.fields.items()):
            if name.startswith(template):
                self.fields[f"{prefix}-{index}-{name.removeprefix(template)}"] = value
        for name, value in values.items():
            self.fields[f"{prefix}-{index}-{name}"] = str(value)
        self.fields[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
        return index

    def row_of(self, prefix: str, pk: int) -> int:
        return next(
            int(n.split("-")[1])
            for n, v in self.fields.items()
            if n.startswith(f"{prefix}-") and n.endswith("-id") and v == str(pk)
        )

    def data(self, button: str = "_save") -> dict:
        return {**self.fields, button: "Save"}


def test_finance_can_add_a_budget_with_its_pot_and_lines_in_admin(staff_client, demo_data, staff_user):
    url = reverse("admin:funds_budget_add")
    form = AdminForm(staff_client.get(url).content.decode(), "budget_form")
    stream = FundingStream.objects.get(slug="victims-fund")
    year = FinancialYear.objects.get(start_year=2025)
    form.set(stream=stream.pk, year=year.pk, notes="Set up by hand", change_reason="The 2025/26 grant letter")
    form.add_row("entries", kind="allocation", amount="120000.00", note="MoJ grant letter")
    form.add_row("lines", kind="priority", name="Hate Crime", amount="70000", order=1)
    form.add_row("lines", kind="reserve", name="Reserve", amount="50000", order=2)
    form.add_row("lines")  # "Add another" pressed once too often: a blank row is ignored

    response = staff_client.post(url, form.data())

    assert response.status_code == 302, response.content.decode()[:3000]
    budget = Budget.objects.get(stream=stream, year=year)
    totals = selectors.budget_totals(budget.pk)
    assert (totals.pot, totals.allocated) == (Decimal("120000.00"), Decimal("120000.00"))
    assert sorted(budget.lines.values_list("name", "amount")) == [
        ("Hate Crime", Decimal("70000.00")),
        ("Reserve", Decimal("50000.00")),
    ]
    entry = budget.entries.get()
    assert (entry.created_by, entry.note) == (staff_user, "MoJ grant letter")
    assert AuditEvent.objects.filter(action="budget.pot_changed", object_id=budget.pk).count() == 1
    assert AuditEvent.objects.filter(action="line.saved", actor=staff_user).count() == 2


def _unused_line(budget: Budget) -> BudgetLine:
    """A line nothing points at (no commitment, award, contract, ring-fence or needs assessment), so it may be deleted."""
    from django.contrib.admin.utils import NestedObjects

    for line in budget.lines.order_by("pk"):
        collector = NestedObjects(using="default")
        collector.collect([line])
        if not collector.protected:
            return line
    raise AssertionError(f"{budget} has no unused line")


def test_finance_can_edit_lines_delete_an_unused_one_and_top_up_the_pot_in_admin(
    staff_client, demo_data, staff_user
):
    budget = Budget.objects.get(stream__slug="victims-fund")
    unused = _unused_line(budget)
    changed = budget.lines.exclude(pk=unused.pk).order_by("pk").first()
    pot_before = selectors.budget_totals(budget.pk).pot
    url = reverse("admin:funds_budget_change", args=[budget.pk])
    form = AdminForm(staff_client.get(url).content.decode(), "budget_form")
    form.set(
        **{
            f"lines__{form.row_of('lines', changed.pk)}__amount": "12345.67",
            f"lines__{form.row_of('lines', unused.pk)}__DELETE": "on",
            "change_reason": "Hate crime moved to the reserve",
        }
    )
    form.add_row("entries", kind="top_up", amount="5000", note="In-year top-up")

    response = staff_client.post(url, form.data("_continue"))

    assert response.status_code == 302, response.content.decode()[:3000]
    assert not BudgetLine.objects.filter(pk=unused.pk).exists()
    changed.refresh_from_db()
    assert changed.amount == Decimal("12345.67")
    assert selectors.budget_totals(budget.pk).pot == pot_before + 5000
    assert AuditEvent.objects.filter(
        action="line.deleted",
        actor=staff_user,
        before__line=str(unused),
        note="Hate crime moved to the reserve",
    ).exists()


def test_a_line_in_the_budget_admin_cannot_drop_below_or_be_deleted_with_what_is_committed(
    staff_client, demo_data
):
    budget = Budget.objects.get(stream__slug="helping-communities-fund")
    solihull = budget.lines.get(name="Solihull")
    services.commit_to_line(line_id=solihull.pk, amount=Decimal("5000"), reference="HCF-1")
    url = reverse("admin:funds_budget_change", args=[budget.pk])

    form = AdminForm(staff_client.get(url).content.decode(), "budget_form")
    form.set(**{f"lines__{form.row_of('lines', solihull.pk)}__amount": "4000", "change_reason": "Cut"})
    page = staff_client.post(url, form.data()).content.decode()
    assert "Solihull has £5,000 committed, so its allocation cannot be less than that." in page

    form = AdminForm(staff_client.get(url).content.decode(), "budget_form")
    form.set(**{f"lines__{form.row_of('lines', solihull.pk)}__DELETE": "on", "change_reason": "Gone"})
    page = staff_client.post(url, form.data()).content.decode()
    assert "Deleting budget line Solihull (Helping Communities Fund 2024/25) would require deleting" in page

    with pytest.raises(
        services.BudgetRuleError, match=r"Solihull has £5,000 committed, so it cannot be deleted\."
    ):
        services.delete_line(line_id=solihull.pk)

    solihull.refresh_from_db()
    assert solihull.amount == Decimal("6400.00")


def test_a_pot_entry_with_the_wrong_sign_or_a_transfer_kind_is_refused_on_the_budget_page(
    staff_client, demo_data
):
    budget = Budget.objects.get(stream__slug="victims-fund")
    pot = selectors.budget_totals(budget.pk).pot
    url = reverse("admin:funds_budget_change", args=[budget.pk])
    for kind, amount in [
        ("top_up", "-5000"),
        ("reduction", "5000"),
        ("transfer_in", "5000"),
        ("top_up", "99999999999"),
    ]:
        form = AdminForm(staff_client.get(url).content.decode(), "budget_form")
        form.add_row("entries", kind=kind, amount=amount)
        response = staff_client.post(url, form.data())
        assert response.status_code == 200 and "Please correct the error" in response.content.decode(), (
            kind,
            amount,
        )
    assert selectors.budget_totals(budget.pk).pot == pot


def test_a_reduction_below_what_is_committed_is_refused_by_the_budget_rule(staff_client, demo_data):
    budget = Budget.objects.get(stream__slug="victims-fund")
    totals = selectors.budget_totals(budget.pk)
    line = budget.lines.order_by("-amount").first()
    services.commit_to_line(line_id=line.pk, amount=line.amount, reference="VF-1")
    committed = selectors.budget_totals(budget.pk).committed
    url = reverse("admin:funds_budget_change", args=[budget.pk])
    form = AdminForm(staff_client.get(url).content.decode(), "budget_form")
    form.add_row("entries", kind="reduction", amount=str(-(totals.pot - committed + 1)), note="Grant cut")
    page = staff_client.post(url, form.data(), follow=True).content.decode()
    assert "its pot cannot go below that" in page
    assert selectors.budget_totals(budget.pk).pot == totals.pot
