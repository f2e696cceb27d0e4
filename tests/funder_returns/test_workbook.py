"""The return as a spreadsheet: the return as the funder sees it, the trace of each figure, the gaps and the
sign-off stamp; anything people typed is text, never a formula."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from exports.models import ExportJob
from funder_returns import services
from funder_returns.exports import WORKBOOK, return_workbook
from funder_returns.models import FunderReturn
from providers.models import MonitoringReturn

pytestmark = pytest.mark.django_db


def rows(sheet):
    return [tuple(c for c in row) for row in sheet.iter_rows(values_only=True)]


def signed_off(world):
    funder_return = services.prepare_return(
        template_id=world.template.pk, year_id=world.year.pk, period_code="H1", by=world.commissioner
    )
    services.move(return_id=funder_return.pk, to_status=FunderReturn.Status.READY, by=world.commissioner)
    return services.move(return_id=funder_return.pk, to_status=FunderReturn.Status.SIGNED_OFF, by=world.cfo)


def test_the_workbook_holds_the_return_its_trace_its_gaps_and_the_sign_off(world):
    q1 = world.accepted("Refuge", 1, {"new_victims": 10})
    world.accepted("Counselling", 1, {"new_victims": 5})
    world.accepted("Outreach", 2, {"new_victims": 1}, status=MonitoringReturn.Status.SUBMITTED)
    payment = world.pay("Refuge", "25000", datetime.date(2024, 7, 15), reference="PR-2024-07-15")
    funder_return = signed_off(world)

    name, data = return_workbook({"return_id": funder_return.pk})
    book = load_workbook(io.BytesIO(data))

    assert name.endswith(".xlsx")
    assert book.sheetnames == ["Return", "Trace", "Gaps"]
    summary = rows(book["Return"])
    assert summary[0][0] == "Ministry of Justice victims' services grant return"
    assert (
        "Sign-off",
        f"Signed off by Cfo, Chief Finance Officer, on {datetime.date.today():%-d %B %Y}",
        None,
    ) in [r[:3] for r in summary]
    answers = {r[0]: r[1] for r in summary}
    assert answers["New victims"] == 15
    assert answers["Total spend"] == 25000
    assert answers["Services funded"] == 3
    trace = rows(book["Trace"])
    assert ("Victims supported", "New victims", "Provider return", q1.pk, None, None) in [
        r[:6] for r in trace
    ]
    assert ("Spend", "Total spend", "Payment", None, payment.pk, None) in [r[:6] for r in trace]
    assert sum(r[7] for r in trace if r[1] == "New victims") == 15
    gaps = rows(book["Gaps"])
    assert ("Haven Aid", "Outreach", "Q1 2024/25", "No return opened") in gaps
    assert ("Haven Aid", "Outreach", "Q2 2024/25", "Submitted") in gaps


def test_names_people_typed_are_written_as_text_not_formulas(world):
    world.services["Refuge"].provider.__class__.objects.filter(
        pk=world.services["Refuge"].provider_id
    ).update(name='=HYPERLINK("http://evil")')
    world.accepted("Refuge", 1, {"new_victims": 10})
    funder_return = services.prepare_return(
        template_id=world.template.pk, year_id=world.year.pk, period_code="H1", by=world.commissioner
    )

    book = load_workbook(io.BytesIO(return_workbook({"return_id": funder_return.pk})[1]))

    cells = [
        c for row in book["Trace"].iter_rows() for c in row if str(c.value or "").startswith("=HYPERLINK")
    ]
    assert cells and all(c.data_type == "s" for c in cells)
    gap_cells = [c for row in book["Gaps"].iter_rows() for c in row if str(c.value or "").startswith("=")]
    assert gap_cells and all(c.data_type == "s" for c in gap_cells)


def test_a_draft_says_it_is_not_signed_off(world):
    funder_return = services.prepare_return(
        template_id=world.template.pk, year_id=world.year.pk, period_code="H1", by=world.commissioner
    )

    book = load_workbook(io.BytesIO(return_workbook({"return_id": funder_return.pk})[1]))

    assert ("Sign-off", "Not signed off: draft") in [r[:2] for r in rows(book["Return"])]


def test_downloading_queues_the_workbook_for_the_person_asking(world, client):
    funder_return = services.prepare_return(
        template_id=world.template.pk, year_id=world.year.pk, period_code="H1", by=world.commissioner
    )
    from tests.funder_returns.test_pages import signed_in

    response = signed_in(client, world.auditor).post(f"/staff/funder-returns/{funder_return.pk}/download/")

    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/staff/exports/{job.pk}/"
    assert job.kind == WORKBOOK and job.params == {"return_id": funder_return.pk}
    assert job.requested_by == world.auditor
