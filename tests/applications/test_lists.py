from decimal import Decimal

import pytest
from openpyxl import load_workbook

from applications import services
from applications.models import Application
from exports.models import ExportJob
from tests.applications.factories import (
    OrganisationFactory,
    RoundFactory,
    complete_application,
    grants_officer,
    member_of,
)

pytestmark = pytest.mark.django_db

STAFF_LIST_QUERIES = (
    9  # measured: 9 for 3 rows and for 30 (the office named in the header, two for permissions)
)
DASHBOARD_QUERIES = 9  # measured: 9 for 3 applications and for 30 (one is the office named in the header)


def _submitted(round_, n, organisation=None):
    for _ in range(n):
        a = complete_application(
            round_=round_,
            organisation=organisation,
            user=organisation.memberships.first().user if organisation else None,
        )
        services.submit_application(application_id=a.pk, by=a.created_by)


@pytest.mark.parametrize("rows", [3, 30])
def test_staff_list_makes_the_same_number_of_queries_for_3_or_30_rows(
    client, rows, django_assert_max_num_queries
):
    round_ = RoundFactory()
    _submitted(round_, rows)
    client.force_login(grants_officer())
    with django_assert_max_num_queries(STAFF_LIST_QUERIES):
        response = client.get("/staff/applications/?sort=-score")
    assert response.status_code == 200
    assert response.content.decode().count('href="/staff/applications/') >= min(rows, 25)


@pytest.mark.parametrize("rows", [3, 30])
def test_applicant_dashboard_makes_the_same_number_of_queries_for_3_or_30_applications(
    client, rows, django_assert_max_num_queries
):
    round_ = RoundFactory()
    organisation = OrganisationFactory(area=round_.areas.first())
    user = member_of(organisation)
    _submitted(round_, rows, organisation=organisation)
    client.force_login(user)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        response = client.get("/applications/")
    assert response.content.decode().count("Checking eligibility") == rows


def test_staff_list_filters_by_area_status_and_amount(client):
    round_ = RoundFactory()
    _submitted(round_, 2)
    big = complete_application(round_=round_, amount=Decimal("9000"))
    big = services.submit_application(application_id=big.pk, by=big.created_by)
    client.force_login(grants_officer())
    page = client.get("/staff/applications/", {"min_amount": "8,000", "status": "submitted"}).content.decode()
    assert big.reference in page
    assert page.count("HCF-") == 1
    page = client.get("/staff/applications/", {"min_amount": "12k"}).content.decode()
    assert "not abbreviated like 12k" in page


def test_the_filtered_list_exports_to_excel_through_a_task(client, django_capture_on_commit_callbacks):
    round_ = RoundFactory()
    _submitted(round_, 2)
    only = Application.objects.order_by("pk").first()
    only.organisation.name = '=HYPERLINK("http://evil")'
    only.organisation.save()
    client.force_login(grants_officer())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/applications/export/", {"status": "submitted", "min_amount": "1"})
    job = ExportJob.objects.get()
    assert response.url == f"/staff/exports/{job.pk}/"
    job.refresh_from_db()
    assert job.status == ExportJob.Status.READY, job.error
    sheet = load_workbook(job.file.open("rb")).active
    rows = list(sheet.values)
    assert rows[0][0] == "Reference" and len(rows) == 3
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == '=HYPERLINK("http://evil")')
    assert cell.data_type == "s"
