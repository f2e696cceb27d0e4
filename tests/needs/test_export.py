"""The allocation workbook, read back the way another program would read it."""

import io
import time
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from exports.registry import builder_for
from needs import services

pytestmark = pytest.mark.django_db


def _workbook(assessment):
    filename, content = builder_for("needs.allocation")({"assessment_id": assessment.pk})
    return filename, load_workbook(io.BytesIO(content), data_only=True)


def test_the_allocation_sheet_lists_each_area_and_totals_exactly_the_pot(idva):
    filename, workbook = _workbook(idva)
    sheet = workbook["Allocation"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    headings, body, total = rows[0], rows[1:-1], rows[-1]
    assert filename == f"needs-allocation-{idva.pk}.xlsx"
    assert headings == (
        "Area",
        "ONS code",
        "Female population",
        "Female population weight",
        "MARAC referrals",
        "MARAC referrals weight",
        "Recorded demand",
        "Recorded demand weight",
        "Share %",
        "Allocation £",
        "Current £",
        "Difference £",
    )
    expected = {r.area.name: r for r in services.run(idva).rows}
    assert [r[0] for r in body] == list(expected)
    birmingham = body[0]
    assert birmingham[1] == "E08000025"
    assert birmingham[2] == 580000 and birmingham[3] == 0.4
    for row in body:
        assert row[9] == expected[row[0]].allocation
        assert row[11] == row[9] - row[10]
    assert total[0] == "Total"
    assert total[9] == 675814 == sum(r[9] for r in body)
    assert total[10] == 675814 and total[11] == 0
    assert sheet.cell(row=3, column=10).number_format == '"£"#,##0'


def test_the_method_sheet_explains_the_weights_and_the_rounding(idva):
    _, workbook = _workbook(idva)
    text = " ".join(str(c.value) for c in workbook["Method"]["A"] if c.value)
    assert "Female population weight 0.4; MARAC referrals weight 0.3; Recorded demand weight 0.3" in text
    assert "largest remainder" in text
    assert "illustrative" in text


def test_an_area_name_that_looks_like_a_formula_stays_text(idva):
    from funds.models import Area

    Area.objects.filter(kind="local_authority", name="Dudley").update(name='=HYPERLINK("x")')
    _, workbook = _workbook(idva)
    names = [c.value for c in workbook["Allocation"]["A"]]
    assert '=HYPERLINK("x")' in names


@pytest.mark.django_db(transaction=True)
def test_the_export_is_built_by_a_real_worker(client, staff_user, idva, celery_worker):
    from django.urls import reverse

    from exports.models import ExportJob

    client.force_login(staff_user)
    client.post(reverse("needs:export", args=[idva.pk]))
    job = ExportJob.objects.get(kind="needs.allocation")

    for _ in range(100):
        job.refresh_from_db()
        if job.status != ExportJob.Status.PENDING:
            break
        time.sleep(0.1)
    assert job.status == ExportJob.Status.READY, job.error
    workbook = load_workbook(job.file.open("rb"), data_only=True)
    assert workbook["Allocation"].cell(row=10, column=10).value == 675814
    assert Decimal(workbook["Allocation"].cell(row=10, column=10).value) == idva.pot
