from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from funds import services
from funds.models import AuditEvent, Budget, BudgetLine, FinancialYear

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
        {"budget__year__id__exact": year.pk, "budget__stream__id__exact": Budget.objects.get(stream__slug="community-safety-fund").stream_id},
    ).content.decode()
    assert "Youth Offending" in page and "Hate Crime" not in page


def test_changing_a_line_in_admin_is_refused_below_its_committed_total(staff_client, demo_data):
    line = BudgetLine.objects.get(name="Solihull", budget__stream__slug="helping-communities-fund")
    services.commit_to_line(line_id=line.pk, amount=Decimal("5000"), reference="HCF-1")
    data = {
        "budget": line.budget_id, "kind": line.kind, "name": line.name, "area": line.area_id, "amount": "4000",
        "order": line.order, "section": "", "recorded_project_count": "",
    }
    response = staff_client.post(reverse("admin:funds_budgetline_change", args=[line.pk]), data, follow=True)
    assert "£5,000 committed, so its allocation cannot be less than that" in response.content.decode()
    line.refresh_from_db()
    assert line.amount == Decimal("6400.00")


def test_a_line_change_in_admin_is_audited(staff_client, demo_data, staff_user):
    line = BudgetLine.objects.get(name="Solihull", budget__stream__slug="helping-communities-fund")
    data = {
        "budget": line.budget_id, "kind": line.kind, "name": line.name, "area": line.area_id, "amount": "7000",
        "order": line.order, "section": "", "recorded_project_count": "2",
    }
    staff_client.post(reverse("admin:funds_budgetline_change", args=[line.pk]), data)
    event = AuditEvent.objects.get(action="line.saved")
    assert (event.actor, event.before["amount"], event.after["amount"]) == (staff_user, "6400.00", "7000.00")


def test_the_admin_import_lists_row_errors_and_writes_nothing(staff_client, demo_data):
    year = FinancialYear.objects.get(start_year=2024)
    upload = SimpleUploadedFile(
        "lines.csv", b'stream,priority,line,area,amount\nVictims Fund,,Hate Crime,,1\nVictims Fund,,Road Crime,,"74, 626"\n'
    )
    page = staff_client.post(reverse("admin:funds_budgetline_import"), {"year": year.pk, "file": upload}).content.decode()
    assert "Nothing was imported" in page
    assert "Row 3: amount &quot;74, 626&quot;" in page
    assert BudgetLine.objects.get(name="Hate Crime").amount == Decimal("157500.00")


def test_the_admin_import_refuses_a_file_that_is_not_a_spreadsheet(staff_client, demo_data):
    year = FinancialYear.objects.get(start_year=2024)
    upload = SimpleUploadedFile("lines.pdf", b"%PDF-1.4")
    page = staff_client.post(reverse("admin:funds_budgetline_import"), {"year": year.pk, "file": upload}).content.decode()
    assert "must be a CSV (.csv) or Excel (.xlsx) file" in page


def test_the_admin_import_saves_and_says_what_changed(staff_client, demo_data):
    year = FinancialYear.objects.get(start_year=2024)
    upload = SimpleUploadedFile("lines.csv", b"stream,priority,line,area,amount\nVictims Fund,,Hate Crime,,160000\n")
    response = staff_client.post(
        reverse("admin:funds_budgetline_import"), {"year": year.pk, "file": upload}, follow=True
    )
    assert "Imported: 0 to add, 1 to change, 0 unchanged." in response.content.decode()
    assert BudgetLine.objects.get(name="Hate Crime").amount == Decimal("160000.00")


def test_finance_can_transfer_between_streams_in_admin_and_a_bad_amount_is_explained(staff_client, demo_data):
    source = Budget.objects.get(stream__slug="community-safety-fund")
    target = Budget.objects.get(stream__slug="victims-fund")
    url = reverse("admin:funds_budget_transfer", args=[source.pk])

    page = staff_client.post(url, {"to_budget": target.pk, "amount": "271, 410", "note": "Top-up"}).content.decode()
    assert "Enter an amount in pounds, like 1,250 or 1250.50" in page

    staff_client.post(url, {"to_budget": target.pk, "amount": "£271,410", "note": "Top-up victims' services"})
    from funds.selectors import budget_totals

    assert budget_totals(source.pk).pot == Decimal("3697890.00")
    assert budget_totals(target.pk).pot == Decimal("4046968.00")
