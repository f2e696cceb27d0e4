"""The staff page that makes 360Giving files, end to end through the export job."""

import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from applications import demo as applications_demo
from applications.models import Round
from core.templatetags.govuk import pounds
from exports.models import ExportJob
from funds.models import FinancialYear, FundingStream, Office
from tests.factories import UserFactory
from transparency.exports import read_xlsx

from .schema import errors

pytestmark = pytest.mark.django_db
URL = reverse("transparency:giving360")


@pytest.fixture
def demo(demo_grants):
    return FinancialYear.objects.get(start_year=2024)


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_says_how_many_grants_and_how_much_money_would_be_published(staff_client, demo):
    total = sum(amount for _, amount in applications_demo.PUBLISHED_AWARDS.values())
    assert f"52 grants totalling {pounds(total)} would be published for 2024/25." in page(
        staff_client.get(URL)
    )
    hcf_round = Round.objects.get(slug="helping-communities-fund-2024-25")
    assert "52 grants totalling" in page(staff_client.get(URL, {"year": demo.pk, "round": hcf_round.pk}))
    reserve = Round.objects.get(slug="helping-communities-reserve-round")
    assert "There are no approved grants for 2024/25" in page(
        staff_client.get(URL, {"year": demo.pk, "round": reserve.pk})
    )


def test_staff_get_a_valid_360giving_workbook_through_an_export_job(
    staff_client, demo, django_capture_on_commit_callbacks
):
    stream = FundingStream.objects.get(slug="helping-communities-fund")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            URL, {"year": demo.pk, "stream": stream.pk, "format": "xlsx", "action": "create"}
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("exports:job", args=[job.pk])
    assert job.status == ExportJob.Status.READY, job.error
    assert "Download 360giving-2024-25-helping-communities-fund.xlsx" in page(staff_client.get(response.url))
    download = staff_client.get(reverse("exports:download", args=[job.pk]))
    grants = read_xlsx(b"".join(download.streaming_content))
    assert len(grants) == 52
    assert errors(json.loads(json.dumps({"grants": grants}, default=float))) == []


def test_staff_get_the_json_package_through_an_export_job(
    staff_client, demo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(URL, {"year": demo.pk, "format": "json", "action": "create"})
    job = ExportJob.objects.get()
    package = json.load(
        io.BytesIO(b"".join(staff_client.get(reverse("exports:download", args=[job.pk])).streaming_content)),
        parse_float=Decimal,
    )
    assert errors(json.loads(json.dumps(package, default=float))) == []
    assert sum(g["amountAwarded"] for g in package["grants"]) == Decimal("253850")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"format": ""}, "Choose a file format"),
        ({"year": "999999", "format": "csv"}, "Choose a financial year from the list"),
        (
            {"stream": "victims-fund", "format": "csv"},
            "There are no approved grants to publish for 2024/25, Victims Fund",
        ),
        (
            {"stream": "victims-fund", "round": "helping-communities-fund-2024-25", "format": "csv"},
            "is part of Helping Communities Fund, not Victims Fund.",
        ),
    ],
)
def test_what_is_wrong_is_shown_in_the_error_summary_and_no_file_is_made(staff_client, demo, data, message):
    data = {"year": demo.pk, "action": "create", **data}
    if data.get("stream"):
        data["stream"] = FundingStream.objects.get(slug=data["stream"]).pk
    if data.get("round"):
        data["round"] = Round.objects.get(slug=data["round"]).pk
    html = page(staff_client.post(URL, data))
    assert "There is a problem" in html and message in html
    assert not ExportJob.objects.exists()


def test_without_a_360giving_prefix_the_page_says_so_and_makes_no_file(staff_client, demo):
    Office.objects.update(giving_prefix="")
    assert "Set the office&#x27;s 360Giving prefix" in page(staff_client.get(URL))
    html = page(staff_client.post(URL, {"year": demo.pk, "format": "json", "action": "create"}))
    assert "There is a problem" in html
    assert not ExportJob.objects.exists()


def test_checking_the_grants_makes_no_file(staff_client, demo):
    assert "52 grants totalling" in page(
        staff_client.post(URL, {"year": demo.pk, "format": "csv", "action": "check"})
    )
    assert not ExportJob.objects.exists()


def test_visitors_are_sent_to_sign_in_and_people_without_the_permission_refused_making_no_file(client, demo):
    posted = {"year": demo.pk, "format": "json", "action": "create"}
    for response in (client.get(URL), client.post(URL, posted)):
        assert response.status_code == 302 and "login" in response.url
    # Not staff at all, and staff whose role does not publish grants (finance): both refused.
    for person in (UserFactory(is_staff=False), UserFactory(is_staff=True, email="finance@opcc.example")):
        client.force_login(person)
        assert client.get(URL).status_code == 403
        assert client.post(URL, posted).status_code == 403
    assert not ExportJob.objects.exists()
