"""Section 6 of the annual report ("Financial Planning, Resources and Grant Giving") as a Word document and as a
workbook: the same tables, cell for cell, in the report's order; the narrative figures from the records; the top-up
sentence from the budget ledger; the copied total label caught; built by a Celery task that says how far it has got."""

import io
import os
import shutil
import subprocess
import time
from decimal import Decimal

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from exports import runner
from exports.models import ExportJob
from exports.registry import builder_for, register
from funds.models import BudgetEntry, FinancialYear, FundingSource, ReportTable
from reports.exports.builders import SECTION6_DOCUMENT, SECTION6_WORKBOOK
from reports.exports.section6 import document_bytes, workbook_bytes
from reports.printed import EXCEL_FORMATS, Cell, Format, Style
from reports.section6 import SECTION_TITLE, Heading, Paragraph, build_section6
from tests.factories import BudgetFactory, BudgetLineFactory, FundingSourceFactory, FundingStreamFactory

pytestmark = pytest.mark.django_db

FORMAT_OF = {excel: fmt for fmt, excel in EXCEL_FORMATS.items()}  # "#,##0" is a count or thousands: same text


def document_tables(blob: bytes) -> list[list[list[str]]]:
    return [
        [[cell.text for cell in row.cells] for row in table.rows]
        for table in Document(io.BytesIO(blob)).tables
    ]


def sheet_text(sheet) -> list[list[str]]:
    """A table's sheet as a reader sees it: each number printed in its cell's format."""
    rows = []
    for row in sheet.iter_rows(min_row=2):
        texts = []
        for cell in row:
            if isinstance(cell.value, int | float | Decimal):
                texts.append(Cell(Decimal(str(cell.value)), FORMAT_OF[cell.number_format]).text)
            else:
                texts.append("" if cell.value is None else str(cell.value))
        rows.append(texts)
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


def to_pdf(path, outdir) -> bytes:
    if shutil.which("soffice") is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "LibreOffice (soffice) must be installed in CI: .ci/run installs libreoffice-writer-nogui"
            )
        pytest.skip("LibreOffice is not installed here")
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{outdir}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (outdir / f"{path.stem}.pdf").read_bytes()


# --- The demo's 2024/25 ---------------------------------------------------------------------------------------------


def test_the_2024_25_document_opens_in_libreoffice_and_its_tables_equal_the_workbook_s(full_demo, tmp_path):
    from reports.finance_reports import commissioned_spend_by_stream
    from reports.report_figures import annual_figures

    year = FinancialYear.objects.get(start_year=2024)
    section = build_section6(year)
    document, workbook = document_bytes(section, at=_now()), workbook_bytes(section, at=_now())

    # The report's order: the section's heading, the precept table if the year has one, then the streams' tables.
    assert section.blocks[0] == Heading(SECTION_TITLE, 1)
    streams = [b.text for b in section.blocks if isinstance(b, Heading) and b.level == 3]
    assert streams == [
        "Helping Communities Fund",
        "Prevention and Intervention",
        "Community Safety Fund",
        "Victims Fund",
        "IDVA/ISVA",
    ]
    titles = [t.title for t in section.tables]
    budget_titles = [t for t in titles if t.startswith(tuple(f"Table {n}." for n in range(4, 9)))]
    assert [t.split(".")[0] for t in budget_titles] == ["Table 4", "Table 5", "Table 6", "Table 7", "Table 8"]

    # The document's tables are the workbook's sheets, cell for cell, in the same order, as a reader sees them.
    opened = Document(io.BytesIO(document))
    assert opened.core_properties.title == f"Section 6: {SECTION_TITLE} 2024/25"
    assert [p.text for p in opened.paragraphs if p.style.name == "Caption"] == titles
    book = load_workbook(io.BytesIO(workbook), data_only=True)
    assert book.sheetnames[-2:] == ["Narrative", "Checks"]
    sheets = book.worksheets[: len(section.tables)]
    assert [s["A1"].value for s in sheets] == titles
    from_document = document_tables(document)
    assert from_document == [t.as_text() for t in section.tables]
    assert from_document == [
        sheet_text(s)[: len(t.rows) + 1] for s, t in zip(sheets, section.tables, strict=True)
    ]
    assert from_document[titles.index(budget_titles[3])][-1] == ["Total Victims Fund Budget", "£3,775,558"]

    # Totals bold, amounts right-aligned, a header row Word repeats on every page.
    victims = opened.tables[titles.index(budget_titles[3])]
    assert victims.style.name == "Table Grid"
    assert all(run.bold for run in victims.rows[-1].cells[0].paragraphs[0].runs)
    assert victims.rows[1].cells[1].paragraphs[0].alignment == 2  # WD_ALIGN_PARAGRAPH.RIGHT
    assert victims.rows[0]._tr.trPr.xpath("./w:tblHeader")

    # The narrative figures are the pack's: victims supported and spend on commissioned services.
    figures = annual_figures(year)
    text = " ".join(section.paragraphs)
    assert f"supported {figures.new_victims:,.0f} new victims" in text
    assert f"{figures.new_and_existing_victims:,.0f} new and existing victims" in text
    assert "In 2024/25 the Helping Communities Fund had a pot of £400,000." in text
    assert "funded 52 projects" in text
    # The pack's spend on commissioned services (once £0) is the streams' spend added up.
    assert figures.commissioned_spend == sum(commissioned_spend_by_stream(year).values()) > 0
    assert "In 2024/25 the Victims Fund paid for" in text

    # Table 8 prints Table 7's total label: the Checks sheet names both tables.
    checks = [row[0] for row in book["Checks"].iter_rows(min_row=3, values_only=True)]
    assert any(
        "Table 7. Victims Fund Budget 24-25" in problem
        and "Table 8. Independent Domestic Violence" in problem
        for problem in checks
    )

    path = tmp_path / "section-6.docx"
    path.write_bytes(document)
    pdf = to_pdf(path, tmp_path)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    if shutil.which("pdftotext"):
        words = subprocess.run(
            ["pdftotext", str(tmp_path / "section-6.pdf"), "-"], capture_output=True, text=True
        )
        assert "Total Victims Fund Budget" in words.stdout


# --- Small books ----------------------------------------------------------------------------------------------------


@pytest.fixture
def books():
    """2022/23 with a Community Safety Fund and a Victims Fund, each with its table, in the report's order."""
    year = FinancialYear.objects.get_or_create(start_year=2022)[0]
    police = FundingSourceFactory(name="Police fund", kind=FundingSource.Kind.POLICE_FUND)
    streams = {
        name: FundingStreamFactory(name=name, slug=slug, source=police, area_kind="", report_order=order)
        for name, slug, order in (
            ("Victims Fund", "victims", 4),
            ("Community Safety Fund", "csf", 3),
        )
    }
    budgets = {
        name: BudgetFactory(stream=s, year=year, pot=Decimal("1000000")) for name, s in streams.items()
    }
    for name, budget in budgets.items():
        BudgetLineFactory(budget=budget, name=f"{name} work", amount=Decimal("500000"))
    for number, name, total in (
        (6, "Community Safety Fund", "Total Community Safety Funding"),
        (7, "Victims Fund", "Total Victims Fund Budget"),
    ):
        ReportTable.objects.create(
            year=year,
            stream=streams[name],
            number=number,
            title=f"{name} Budget {{year}}",
            label_heading="Priority area",
            amount_heading="{year_short}",
            total_label=total,
        )
    return {"year": year, "streams": streams, "budgets": budgets}


def victims_table(section):
    return next(t for t in section.tables if t.title.startswith("Table 7."))


def test_the_tables_follow_the_streams_report_order_not_their_numbers(books):
    books["streams"]["Victims Fund"].report_order = 1
    books["streams"]["Victims Fund"].save()
    titles = [t.title for t in build_section6(books["year"]).tables]
    assert titles == ["Table 7. Victims Fund Budget 2022/23", "Table 6. Community Safety Fund Budget 2022/23"]


def test_a_top_up_from_reserves_is_explained_before_the_victims_fund_table(books):
    reserves = FundingSourceFactory(name="Reserves", kind=FundingSource.Kind.RESERVES)
    BudgetEntry.objects.create(
        budget=books["budgets"]["Victims Fund"],
        kind=BudgetEntry.Kind.TOP_UP,
        amount=Decimal("300000"),
        source=reserves,
    )
    section = build_section6(books["year"])
    assert (
        victims_table(section).intro
        == "In 2022/23 the Victims Fund was topped up with £300,000 from reserves."
    )
    assert victims_table(section).intro in section.paragraphs


def test_a_transfer_from_the_community_safety_fund_is_explained_as_community_safety_funding(books):
    csf, victims = books["budgets"]["Community Safety Fund"], books["budgets"]["Victims Fund"]
    BudgetEntry.objects.create(
        budget=csf, kind=BudgetEntry.Kind.TRANSFER_OUT, amount=Decimal("-271410"), counterpart=victims
    )
    BudgetEntry.objects.create(
        budget=victims, kind=BudgetEntry.Kind.TRANSFER_IN, amount=Decimal("271410"), counterpart=csf
    )
    section = build_section6(books["year"])
    assert victims_table(section).intro == (
        "In 2022/23 the Victims Fund was topped up with £271,410 of community safety funding."
    )
    community_safety = next(t for t in section.tables if t.title.startswith("Table 6."))
    assert community_safety.intro == ""  # money out is no top-up


def test_without_a_top_up_there_is_no_sentence(books):
    assert victims_table(build_section6(books["year"])).intro == ""


def test_a_total_label_copied_from_another_table_is_a_check_naming_both_until_it_is_corrected(
    books, staff_client
):
    csf_table = ReportTable.objects.get(year=books["year"], number=6)
    csf_table.total_label = "Total Victims Fund Budget"
    csf_table.save()
    problems = build_section6(books["year"]).problems
    copied = [p for p in problems if "the same total label" in p]
    assert copied == [
        "“Table 6. Community Safety Fund Budget 2022/23” and “Table 7. Victims Fund Budget 2022/23” print the same "
        "total label, “Total Victims Fund Budget”: give each table its own total label in its definition, so a reader "
        "can tell the totals apart."
    ]
    page = staff_client.get(reverse("reports:budget_tables"), {"year": books["year"].pk}).content.decode()
    assert "the same total label" in page and "Table 6. Community Safety Fund Budget 2022/23" in page
    book = load_workbook(io.BytesIO(workbook_bytes(build_section6(books["year"]), at=_now())))
    assert copied[0] in [row[0] for row in book["Checks"].iter_rows(min_row=3, values_only=True)]

    csf_table.total_label = "Total Community Safety Funding"
    csf_table.save()
    assert not [p for p in build_section6(books["year"]).problems if "the same total label" in p]


def test_every_total_label_is_its_own_table_s_definition(books):
    ReportTable.objects.filter(number=7).update(total_label="Victims Fund Total")
    totals = [t.total_label for t in build_section6(books["year"]).tables]
    assert totals == ["Total Community Safety Funding", "Victims Fund Total"]


def test_total_rows_are_bold_in_the_document_and_the_workbook_keeps_numbers(books):
    section = build_section6(books["year"])
    document = Document(io.BytesIO(document_bytes(section, at=_now())))
    last = document.tables[-1].rows[-1]
    assert last.cells[0].text == "Total Victims Fund Budget" and last.cells[0].paragraphs[0].runs[0].bold
    assert victims_table(section).rows[-1].style == Style.TOTAL
    sheet = load_workbook(io.BytesIO(workbook_bytes(section, at=_now()))).worksheets[1]
    assert sheet.cell(row=sheet.max_row, column=2).value == 500000
    assert sheet.cell(row=sheet.max_row, column=2).number_format == EXCEL_FORMATS[Format.POUNDS]


def test_a_closed_year_s_files_are_the_same_bytes_every_time(books):
    import datetime

    from django.utils import timezone

    FinancialYear.objects.filter(pk=books["year"].pk).update(
        closed_at=timezone.make_aware(datetime.datetime(2023, 6, 30, 17, 0, 12))
    )
    params = {"year_id": books["year"].pk}
    for kind in (SECTION6_DOCUMENT, SECTION6_WORKBOOK):
        first = builder_for(kind)(params, progress=lambda *step: None)[1]
        time.sleep(2.1)  # past the ZIP format's two-second clock, so a file stamped with "now" would differ
        assert builder_for(kind)(params, progress=lambda *step: None)[1] == first
    document = builder_for(SECTION6_DOCUMENT)(params, progress=lambda *step: None)[1]
    created = Document(io.BytesIO(document)).core_properties.created
    assert created == datetime.datetime(2023, 6, 30, 16, 0, 12, tzinfo=datetime.UTC)


def _now():
    from django.utils import timezone

    return timezone.now()


# --- Progress -------------------------------------------------------------------------------------------------------


def test_the_builder_tells_each_step_with_the_stream_it_is_on(books):
    steps = []
    builder_for(SECTION6_DOCUMENT)({"year_id": books["year"].pk}, progress=lambda *step: steps.append(step))
    assert steps == [
        (0, 5, "Reading the budget tables"),
        (1, 5, "Community Safety Fund"),
        (2, 5, "Victims Fund"),
        (3, 5, "Checks"),
        (4, 5, "Writing the Word document"),
    ]


SEEN: list[tuple] = []


@register("tests.section6_progress", reports_progress=True)
def build_with_steps(params: dict, progress) -> tuple[str, bytes]:
    for done, step in enumerate(["Reading the budget tables", "Victims Fund"]):
        progress(done, 2, step)
        job = ExportJob.objects.get(pk=params["job"])
        SEEN.append((job.progress_done, job.progress_total, job.progress_step, job.progress_text))
    return "steps.csv", b"ok\n"


def test_the_runner_records_a_builder_s_progress_on_the_job_as_it_goes(staff_user):
    SEEN.clear()
    job = ExportJob.objects.create(kind="tests.section6_progress", title="Steps", requested_by=staff_user)
    job.params = {"job": job.pk}
    job.save()
    assert runner.build(job.pk).status == ExportJob.Status.READY
    assert SEEN == [
        (0, 2, "Reading the budget tables", "Step 1 of 2: Reading the budget tables"),
        (1, 2, "Victims Fund", "Step 2 of 2: Victims Fund"),
    ]


def test_a_builder_without_progress_is_called_as_before(staff_user):
    @register("tests.section6_plain")
    def plain(params: dict) -> tuple[str, bytes]:
        return "plain.csv", b"ok\n"

    job = ExportJob.objects.create(kind="tests.section6_plain", title="Plain", requested_by=staff_user)
    assert runner.build(job.pk).status == ExportJob.Status.READY


def test_the_job_page_says_which_step_the_build_is_on_in_text(staff_client, staff_user):
    job = ExportJob.objects.create(
        kind=SECTION6_DOCUMENT,
        title="Annual report section 6 Word document 2024/25",
        requested_by=staff_user,
        progress_done=2,
        progress_total=8,
        progress_step="Victims Fund",
    )
    page = staff_client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "Step 3 of 8: Victims Fund" in page and "Check again" in page
    status = staff_client.get(
        reverse("exports:job", args=[job.pk]), headers={"Accept": "application/json"}
    ).json()
    assert status == {"status": "pending", "progress": "Step 3 of 8: Victims Fund"}


@pytest.mark.django_db(transaction=True)
def test_the_word_document_is_built_by_a_real_worker_which_records_its_steps(client, celery_worker):
    from tests.factories import UserFactory

    year = FinancialYear.objects.get_or_create(start_year=2023)[0]
    stream = FundingStreamFactory(name="Victims Fund", area_kind="")
    BudgetLineFactory(
        budget=BudgetFactory(stream=stream, year=year, pot=Decimal("1000")), amount=Decimal("900")
    )
    ReportTable.objects.create(
        year=year,
        stream=stream,
        number=7,
        title="Victims Fund Budget {year_short}",
        label_heading="Priority area",
        amount_heading="{year_short}",
        total_label="Total Victims Fund Budget",
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True, email="section6@opcc.example"))
    response = client.post(reverse("reports:budget_tables"), {"year": year.pk, "file": "section6-document"})
    job = ExportJob.objects.get(kind=SECTION6_DOCUMENT)
    assert response.url == reverse("exports:job", args=[job.pk])
    for _ in range(200):
        job.refresh_from_db()
        if job.status != ExportJob.Status.PENDING:
            break
        time.sleep(0.1)
    assert job.status == ExportJob.Status.READY, job.error
    assert (job.progress_done, job.progress_total, job.progress_step) == (3, 4, "Writing the Word document")
    assert job.filename == "annual-report-section-6-2023-24.docx"
    assert document_tables(job.file.open("rb").read())[0][-1] == ["Total Victims Fund Budget", "£900"]


# --- The page -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["abc", "999999", "", "-1", "1; drop table"])
def test_a_bad_year_never_fails_the_page(staff_client, year):
    for button in ("section6-document", "section6-workbook", "nonsense"):
        response = staff_client.post(reverse("reports:budget_tables"), {"year": year, "file": button})
        assert response.status_code == 200
    assert staff_client.get(reverse("reports:budget_tables"), {"year": year}).status_code == 200
    assert not ExportJob.objects.exists()


def test_the_page_offers_section_6_as_a_word_document_and_a_spreadsheet(staff_client, books):
    page = staff_client.get(reverse("reports:budget_tables"), {"year": books["year"].pk}).content.decode()
    assert "Download Section 6 as a Word document" in page and "Download Section 6 as a spreadsheet" in page
    response = staff_client.post(
        reverse("reports:budget_tables"), {"year": books["year"].pk, "file": "section6-workbook"}
    )
    assert ExportJob.objects.get().kind == SECTION6_WORKBOOK
    assert response.status_code == 302


def test_paragraphs_and_headings_come_in_the_report_s_order(books):
    section = build_section6(books["year"])
    kinds = [type(b).__name__ for b in section.blocks]
    assert kinds[:4] == ["Heading", "Heading", "Paragraph", "Heading"]
    assert isinstance(section.blocks[3], Heading) and section.blocks[3].text == "Community Safety Fund"
    assert not any(
        isinstance(b, Paragraph) and "pot" in b.text for b in section.blocks
    )  # no rounds, no grants sentence
