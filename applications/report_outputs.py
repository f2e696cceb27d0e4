"""What grants delivered: the outputs in accepted grant reports added up for a financial year, by round and by area,
and the reports staff chose as case studies.

An output is a whole-number question on a round's report form with `output` set ("Young people reached"); every
accepted report's answer to it counts under that name, whichever round or form version it was asked on. Reports
count in the year of their award's round's budget, as the year's grants do.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from funds.models import FinancialYear

from . import questions
from .models import FormVersion, GrantReport

NO_AREA = "Area not given"


@dataclass
class OutputRow:
    name: str
    values: list[int]  # one per output, in Delivered.outputs' order


@dataclass
class CaseStudy:
    report_id: int
    application_id: int
    reference: str
    organisation: str
    project: str
    round: str
    area: str
    story: str  # the report's first long answer, as the grantee wrote it


@dataclass
class Delivered:
    outputs: list[str] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    by_round: list[OutputRow] = field(default_factory=list)
    by_area: list[OutputRow] = field(default_factory=list)
    reports: int = 0
    case_studies: list[CaseStudy] = field(default_factory=list)

    @property
    def output_totals(self) -> list[tuple[str, int]]:
        return list(zip(self.outputs, self.totals, strict=True))


def accepted_reports(year: FinancialYear) -> QuerySet[GrantReport]:
    return GrantReport.objects.filter(
        status=GrantReport.Status.ACCEPTED, award__application__round__budget__year=year
    )


def _outputs_of(definition: dict) -> list[tuple[str, str]]:
    """(question key, output name) of a form's counted questions."""
    return [
        (q["key"], q["output"])
        for q in questions.all_questions(definition)
        if q["kind"] == "whole_number" and q.get("output")
    ]


def _first_long_answer(definition: dict, answers: dict) -> str:
    for q in questions.all_questions(definition):
        if q["kind"] == "long_text" and questions.is_shown(q, answers) and answers.get(q["key"]):
            return str(answers[q["key"]])
    return ""


def delivered_in_year(year: FinancialYear) -> Delivered:
    """The year's outputs and case studies. Two queries, however many reports: the reports' answers with their
    round and area, then the form versions they were answered on."""
    rows = list(
        accepted_reports(year)
        .order_by("award__application__reference", "pk")
        .values_list(
            "pk",
            "answers",
            "form_version_id",
            "case_study",
            "award__application_id",
            "award__application__reference",
            "award__application__project_title",
            "award__application__organisation__name",
            "award__application__round__name",
            "award__application__area__name",
        )
    )
    definitions = dict(
        FormVersion.objects.filter(pk__in={r[2] for r in rows if r[2]}).values_list("pk", "definition")
    )
    totals: dict[str, int] = defaultdict(int)
    by_round: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_area: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    case_studies = []
    for (
        pk,
        answers,
        version_id,
        case_study,
        application_id,
        reference,
        project,
        organisation,
        round_,
        area,
    ) in rows:
        definition = definitions.get(version_id, {"sections": []})
        area = area or NO_AREA
        for key, output in _outputs_of(definition):
            value = answers.get(key)
            if value in (None, ""):
                continue
            number = int(value)  # stored as digits only (applications.questions)
            totals[output] += number
            by_round[round_][output] += number
            by_area[area][output] += number
        if case_study:
            case_studies.append(
                CaseStudy(
                    report_id=pk,
                    application_id=application_id,
                    reference=reference or "",
                    organisation=organisation,
                    project=project,
                    round=round_,
                    area=area,
                    story=_first_long_answer(definition, answers),
                )
            )
    outputs = sorted(totals, key=str.casefold)

    def table(counts: dict[str, dict[str, int]]) -> list[OutputRow]:
        return [
            OutputRow(name, [counts[name].get(o, 0) for o in outputs])
            for name in sorted(counts, key=lambda n: (n == NO_AREA, n.casefold()))
        ]

    return Delivered(
        outputs=outputs,
        totals=[totals[o] for o in outputs],
        by_round=table(by_round),
        by_area=table(by_area),
        reports=len(rows),
        case_studies=case_studies,
    )
