"""Setting rounds up: copying last year's round, its forms and criteria, to start next year's."""

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import record_event
from funds.models import Budget, BudgetLine

from ..models import Criterion, Question, Round, Section

if TYPE_CHECKING:
    from accounts.models import User

# What a copy takes from the round it copies; the name, web address, budget and dates are the new round's own.
COPIED_FIELDS = [
    "reference_prefix",
    "summary",
    "what_it_funds",
    "minimum_grant",
    "maximum_grant",
    "organisation_types",
    "requirements",
    "scoring_scale",
    "decision_required_over",
    "contact_email",
    "open_call",
    "report_frequency",
    "report_due_days",
    "illustrative",
]
QUESTION_FIELDS = [
    "order",
    "kind",
    "text",
    "hint",
    "required",
    "max_words",
    "options",
    "max_rows",
    "shown_if_value",
    "output",
]


class RoundCopyError(Exception):
    """A copy refused by a rule; the message says why."""


def _moved(day: datetime.date | None, years: int) -> datetime.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year without one
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def copy_round(
    *,
    round_id: int,
    name: str,
    slug: str,
    budget_id: int,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    by: "User",
) -> Round:
    """A new round like this one: its set-up, areas, sections and questions of both forms (each condition and
    repeating group pointing at the new round's own questions) and its assessment criteria.

    Not its ring-fenced themes: each is a line of the old budget, so the new year's are set up on the new round.
    The default line becomes the line of the same name in the new budget, if it has one."""
    if not by.has_perm("applications.add_round"):
        raise RoundCopyError("You do not have permission to set up rounds")
    source = Round.objects.select_related("budget__year", "default_line").get(pk=round_id)
    budget = Budget.objects.select_related("stream", "year").get(pk=budget_id)
    if budget.stream_id != source.budget.stream_id:
        raise RoundCopyError(f"Choose a {budget.stream} budget: the round copied is paid from that stream")
    years = budget.year.start_year - source.budget.year.start_year
    new = Round(
        **{field: getattr(source, field) for field in COPIED_FIELDS},
        name=name,
        slug=slug,
        budget=budget,
        opens_at=opens_at,
        closes_at=closes_at,
        projects_start_on=_moved(source.projects_start_on, years),
        projects_end_on=_moved(source.projects_end_on, years),
        default_line=BudgetLine.objects.filter(
            budget=budget, name=source.default_line.name, kind=source.default_line.kind
        ).first()
        if source.default_line
        else None,
    )
    try:
        new.full_clean()
    except ValidationError as exc:
        raise RoundCopyError(" ".join(exc.messages)) from exc
    new.save()
    new.areas.set(source.areas.all())

    sections = {}
    for section in source.sections.all():
        sections[section.pk] = Section.objects.create(
            round=new,
            purpose=section.purpose,
            order=section.order,
            title=section.title,
            description=section.description,
        )
    old_questions = list(source.questions.all())
    copies = Question.objects.bulk_create(
        Question(
            round=new,
            section=sections[question.section_id],
            **{field: getattr(question, field) for field in QUESTION_FIELDS},
        )
        for question in old_questions
    )
    # A condition or a column points at a question of the old round: pointed at its copy now that every copy exists.
    copy_of = {old.pk: copy.pk for old, copy in zip(old_questions, copies, strict=True)}
    for old, copy in zip(old_questions, copies, strict=True):
        copy.group_id = copy_of.get(old.group_id) if old.group_id else None
        copy.shown_if_id = copy_of.get(old.shown_if_id) if old.shown_if_id else None
    Question.objects.bulk_update(copies, ["group", "shown_if"])
    criteria = Criterion.objects.bulk_create(
        Criterion(round=new, order=c.order, name=c.name, description=c.description, weight=c.weight)
        for c in source.criteria.all()
    )
    record_event(
        "round.copied",
        obj=new,
        by=by,
        after={
            "copied_from": source.pk,
            "budget": budget.pk,
            "sections": len(sections),
            "questions": len(copies),
            "criteria": len(criteria),
        },
    )
    return new
