import time
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from openpyxl import load_workbook

from accounts import roles
from exports.models import ExportJob
from funds.models import Budget, FinancialYear
from tests.factories import BudgetFactory, BudgetLineFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_staff_dashboard_flags_the_over_allocated_budget(staff_client, demo_data):
    page = staff_client.get(reverse("reports:dashboard")).content.decode()
    assert "Budgets 2024/25" in page
    assert (
        "Helping Communities Fund 2024/25: lines total £415,418, which is £15,418 more than the £400,000 pot"
        in page
    )
    assert "Over-allocated by £15,418" in page


def test_the_budget_page_lists_lines_with_their_committed_and_remaining(staff_client, demo_data):
    budget = Budget.objects.get(stream__slug="idva-isva")
    page = staff_client.get(reverse("funds:budget", args=[budget.pk])).content.decode()
    assert "ISVA&#x27;s" in page and "£2,253,495" in page and "£2,929,309" in page


def test_dashboard_queries_stay_flat_as_budgets_and_lines_grow(staff_client, django_assert_max_num_queries):
    year = FinancialYear.objects.create(start_year=2030)

    def grow(n):
        for _ in range(n):
            BudgetLineFactory.create_batch(3, budget=BudgetFactory(year=year, pot=Decimal("1000")))

    grow(2)
    with django_assert_max_num_queries(11):
        staff_client.get(reverse("reports:dashboard"), {"year": year.pk})
    grow(20)
    with django_assert_max_num_queries(11):
        assert staff_client.get(reverse("reports:dashboard"), {"year": year.pk}).status_code == 200


@pytest.mark.parametrize("name", ["reports:dashboard", "reports:budget_tables"])
def test_people_who_are_not_staff_are_refused_and_visitors_sent_to_sign_in(client, name):
    assert client.get(reverse(name)).url.startswith(reverse("login"))
    client.force_login(UserFactory())
    assert client.get(reverse(name)).status_code == 403


def test_a_bad_year_on_the_export_page_is_an_error_message_not_a_crash(staff_client, demo_data):
    response = staff_client.post(reverse("reports:budget_tables"), {"year": "999999"})
    assert response.status_code == 200
    assert "Choose a financial year from the list" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_workbook_is_built_by_a_real_worker_and_offered_for_download(client, celery_worker, demo_data):
    officer = UserFactory(is_staff=True)
    officer.groups.add(Group.objects.get(name=roles.FINANCE_OFFICER))
    client.force_login(officer)
    year = FinancialYear.objects.get(start_year=2024)

    response = client.post(reverse("reports:budget_tables"), {"year": year.pk})
    job = ExportJob.objects.get()
    assert response.url == reverse("exports:job", args=[job.pk])

    deadline = time.monotonic() + 30
    while job.status == ExportJob.Status.PENDING and time.monotonic() < deadline:
        time.sleep(0.2)
        job.refresh_from_db()
    assert job.status == ExportJob.Status.READY, job.error
    assert (
        "Download budget-tables-2024-25.xlsx"
        in client.get(reverse("exports:job", args=[job.pk])).content.decode()
    )

    download = client.get(reverse("exports:download", args=[job.pk]))
    book = load_workbook(__import__("io").BytesIO(b"".join(download.streaming_content)), data_only=True)
    assert book["Checks"]["A3"].value.endswith("£15,418 more than the £400,000 pot")

    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404
    assert client.get(reverse("exports:job", args=[job.pk])).status_code == 404


def test_with_no_broker_the_workbook_is_built_in_process_and_ready_at_once(
    staff_client, demo_data, django_capture_on_commit_callbacks
):
    year = FinancialYear.objects.get(start_year=2024)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("reports:budget_tables"), {"year": year.pk})
    response = staff_client.get(response.url)
    assert "Your file is ready." in response.content.decode()
    assert ExportJob.objects.get().status == ExportJob.Status.READY
