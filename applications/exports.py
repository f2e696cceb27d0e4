"""Excel export of the staff applications list, built by a Celery task through the exports app."""

import io
from decimal import Decimal

from openpyxl import Workbook

from exports.cells import text_cell
from exports.registry import register

from . import questions
from .filters import StaffApplicationFilter
from .models import FormVersion
from .selectors import staff_applications

HEADINGS = [
    "Reference",
    "Organisation",
    "Round",
    "Area",
    "Status",
    "Requested (£)",
    "Recommended (£)",
    "Score (%)",
    "Submitted",
]


@register("applications.list")
def build_application_list(params: dict) -> tuple[str, bytes]:
    qs = StaffApplicationFilter(params, queryset=staff_applications()).qs.order_by("reference")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Applications")
    # One column per question asked, across every version of the forms of the rounds in the list, in form order.
    versions = {
        v.pk: v
        for v in FormVersion.objects.filter(pk__in=qs.values("form_version_id").distinct())
        .select_related("round")
        .order_by("round__opens_at", "round_id", "number")
    }
    columns = questions.export_columns(v.definition for v in versions.values())
    texts = [q["text"] for q in columns]
    round_of = {}
    for v in versions.values():
        for q in questions.all_questions(v.definition):
            round_of.setdefault(q["key"], v.round.name)
    # Two rounds asking the same words get a column each, told apart by the round.
    headings = [
        f"{t} ({round_of[q['key']]})" if texts.count(t) > 1 else t
        for t, q in zip(texts, columns, strict=True)
    ]
    sheet.append(HEADINGS + [text_cell(sheet, h) for h in headings])
    asked = {pk: {q["key"]: q for q in questions.all_questions(v.definition)} for pk, v in versions.items()}
    labels = dict(qs.model._meta.get_field("status").choices)
    rows = qs.values_list(
        "reference",
        "organisation__name",
        "round__name",
        "area__name",
        "status",
        "amount_requested",
        "recommended_amount",
        "score",
        "submitted_at",
        "form_version_id",
        "answers",
    )
    for (
        ref,
        org,
        round_name,
        area,
        status,
        requested,
        recommended,
        score,
        submitted,
        version,
        answers,
    ) in rows.iterator():
        own = asked.get(version, {})
        answer_cells = [
            _answer_cell(sheet, own[q["key"]], answers.get(q["key"])) if q["key"] in own else None
            for q in columns
        ]
        sheet.append(
            [
                ref,
                text_cell(sheet, org),
                round_name,
                area or "",
                labels[status],
                requested,
                recommended,
                round(score, 1) if score is not None else None,
                submitted.replace(tzinfo=None) if submitted else None,
                *answer_cells,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return "applications.xlsx", buffer.getvalue()


def _answer_cell(sheet, question: dict, value):
    """Counts and money as numbers, so the sheet adds them up; everything else as text, never a formula."""
    if question["kind"] in ("whole_number", "money") and isinstance(value, str):
        try:
            return int(value) if question["kind"] == "whole_number" else Decimal(value)
        except (ValueError, ArithmeticError):
            pass
    return text_cell(sheet, questions.display(question, value))
