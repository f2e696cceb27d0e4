"""Section 6 of the annual report as a Word document and as a workbook, both written from the same blocks
(reports.section6), so a table reads the same, cell for cell, in either.

The document: the section's heading, its paragraphs, and each table as a Word table ("Table Grid") with its title as a
caption above, a header row repeated on every page, bold heading, subtotal and total rows, amounts right-aligned.
The workbook: a sheet a table in the same order, then "Narrative" (every heading and sentence, with where each table
goes) and "Checks".

A closed year's files are reproducible byte for byte: both are stamped with the time the year was closed.
"""

import datetime
import io
import zipfile

from django.utils import timezone
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from exports.cells import set_text
from funds.models import FinancialYear
from reports.printed import PrintedTable, Style
from reports.section6 import SECTION_TITLE, Heading, Paragraph, Progress, Section6, build_section6

from .budget_tables import _sheet_name, _write_printed_table, save_reproducibly, stamp_for

TABLE_STYLE = "Table Grid"  # in python-docx's default template, so Word and LibreOffice both draw its borders
NO_PROBLEMS = (
    "No problems found: every table adds up, no budget is over-allocated and every total label is its own."
)


def document_title(year: FinancialYear) -> str:
    return f"Section 6: {SECTION_TITLE} {year}"


# --- The Word document ------------------------------------------------------------------------------------------------


def _repeat_as_header(row) -> None:
    # Word's "repeat as header row at the top of each page"; screen readers also announce it as the header.
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _fill(cell, text: str, *, bold: bool, right: bool) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _add_table(document, table: PrintedTable) -> None:
    if table.intro:
        document.add_paragraph(table.intro)
    document.add_paragraph(table.title, style="Caption")
    columns = len(table.headings)
    word = document.add_table(rows=1, cols=columns)
    word.style = TABLE_STYLE
    word.alignment = WD_TABLE_ALIGNMENT.LEFT
    header = word.rows[0]
    _repeat_as_header(header)
    for col, heading in enumerate(table.headings):
        _fill(header.cells[col], heading, bold=True, right=col > 0)
    for row in table.rows:
        cells = word.add_row().cells
        bold = row.style != Style.ITEM
        for col in range(columns):
            printed = row.cells[col] if col < len(row.cells) else None
            if printed is None:
                continue
            _fill(cells[col], printed.text, bold=bold, right=printed.is_number)
    for note in table.notes:
        document.add_paragraph(note)


def build_document(section: Section6):
    document = Document()
    for block in section.blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=block.level)
        elif isinstance(block, Paragraph):
            document.add_paragraph(block.text)
        else:
            _add_table(document, block)
    properties = document.core_properties
    properties.title = document_title(section.year)
    properties.subject = f"The annual report {section.year}: grants"
    properties.keywords = str(section.year)
    properties.author = properties.last_modified_by = ""
    properties.comments = ""
    properties.revision = 1
    return document


def _restamped(blob: bytes, at: datetime.datetime) -> bytes:
    """The same parts in the same order, each dated `at` (the ZIP format's clock starts in 1980), so the same
    section and `at` always give the same bytes."""
    stamp = max(at, datetime.datetime(1980, 1, 1)).timetuple()[:6]
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(blob)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for part in source.infolist():
            info = zipfile.ZipInfo(part.filename, date_time=stamp)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, part.external_attr
            target.writestr(info, source.read(part.filename))
    return out.getvalue()


def document_bytes(section: Section6, *, at: datetime.datetime) -> bytes:
    utc = timezone.localtime(at, datetime.UTC).replace(tzinfo=None, microsecond=0)
    document = build_document(section)
    document.core_properties.created = document.core_properties.modified = utc
    document.core_properties.last_printed = utc
    built = io.BytesIO()
    document.save(built)
    return _restamped(built.getvalue(), utc)


# --- The workbook -----------------------------------------------------------------------------------------------------


def _write_narrative(sheet, section: Section6, sheet_names: dict[str, str]) -> None:
    set_text(sheet.cell(row=1, column=1), document_title(section.year))
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    row = 3
    for block in section.blocks:
        if isinstance(block, Heading):
            set_text(sheet.cell(row=row, column=1), block.text)
            sheet.cell(row=row, column=1).font = Font(bold=True, size={1: 13, 2: 12}.get(block.level, 11))
        elif isinstance(block, Paragraph):
            set_text(sheet.cell(row=row, column=1), block.text)
        else:
            if block.intro:
                set_text(sheet.cell(row=row, column=1), block.intro)
                sheet.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
                row += 1
            set_text(sheet.cell(row=row, column=1), f"{block.title} (sheet “{sheet_names[block.key]}”)")
            sheet.cell(row=row, column=1).font = Font(italic=True)
        sheet.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    sheet.column_dimensions["A"].width = 120


def _write_checks(sheet, section: Section6) -> None:
    set_text(sheet.cell(row=1, column=1), f"Checks on Section 6 {section.year}")
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    set_text(sheet.cell(row=2, column=1), "Problem")
    sheet.cell(row=2, column=1).font = Font(bold=True)
    for offset, problem in enumerate(section.problems or [NO_PROBLEMS]):
        set_text(sheet.cell(row=3 + offset, column=1), problem)
    sheet.column_dimensions["A"].width = 120


def build_section6_workbook(section: Section6) -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheet_names = {}
    for table in section.tables:
        sheet = workbook.create_sheet(title=_sheet_name(table))  # openpyxl numbers a repeated name
        sheet_names[table.key] = sheet.title
        _write_printed_table(sheet, table)
    _write_narrative(workbook.create_sheet(title="Narrative"), section, sheet_names)
    _write_checks(workbook.create_sheet(title="Checks"), section)
    workbook.properties.title = document_title(section.year)
    workbook.properties.keywords = str(section.year)
    return workbook


def workbook_bytes(section: Section6, *, at: datetime.datetime) -> bytes:
    out = io.BytesIO()
    save_reproducibly(build_section6_workbook(section), out, at=at)
    return out.getvalue()


# --- What the export builders call ------------------------------------------------------------------------------------


def write_section6(year: FinancialYear, *, as_document: bool, progress: Progress | None = None) -> bytes:
    """The year's section as a .docx (as_document) or an .xlsx. `progress` hears every step of building the section,
    then the writing of the file as the last of them."""
    steps = {"total": 0}

    def building(done: int, total: int, step: str) -> None:
        steps["total"] = total
        if progress is not None:
            progress(done, total + 1, step)

    section = build_section6(year, progress=building)
    if progress is not None:
        total = steps["total"]
        progress(total, total + 1, "Writing the Word document" if as_document else "Writing the spreadsheet")
    at = stamp_for(year)
    return document_bytes(section, at=at) if as_document else workbook_bytes(section, at=at)
