"""The grantee's end-of-grant report: every section of the round's report form on one page, saved as a draft or
submitted; read-only once it is with the office."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from .. import questions, selectors
from ..grant_reports import EDITABLE, is_overdue
from ..models import GrantReport
from ..questions import SectionForm
from ..services import grant_reports as services


def _own_report(request, pk: int, report_pk: int) -> GrantReport:
    """A report of an award of the person's own organisations; anyone else's is simply not found."""
    return get_object_or_404(
        GrantReport.objects.select_related("award__application__round", "form_version").filter(
            award__application__in=selectors.applications_of_member(request.user)
        ),
        pk=report_pk,
        award__application_id=pk,
    )


def _forms(report: GrantReport, form: dict, *, data=None, files=None, draft=False, rows=None) -> list:
    """(section, form) for each section of the report form, bound to what was posted when there is a post."""
    out = []
    for section in form["sections"]:
        if data is None:
            initial = questions.initial_for(section, report.answers)
            keys = {f"q_{q['key']}" for q in section["questions"]}
            initial.update({k: v for k, v in report.drafts.items() if _belongs(k, keys)})
            out.append(
                (
                    section,
                    SectionForm(
                        section=section, answers=report.answers, initial=initial, rows=rows, lenient=draft
                    ),
                )
            )
        else:
            out.append(
                (
                    section,
                    SectionForm(
                        data, files, section=section, answers=report.answers, rows=rows, lenient=draft
                    ),
                )
            )
    return out


def _belongs(name: str, keys: set[str]) -> bool:
    """Whether a posted name (q_12, q_12_day, q_12_1_13) is one of this section's questions'."""
    return any(name == key or name.startswith(f"{key}_") for key in keys)


def grant_report(request, pk: int, report_pk: int):
    report = _own_report(request, pk, report_pk)
    application = report.award.application
    form = services.report_form(report)
    editable = report.status in EDITABLE
    if request.method == "POST" and editable:
        action = request.POST.get("action", "save")
        # Every repeating group keeps the rows it was posted with, one more where "Add another row" was pressed.
        rows = questions.posted_rows(form, request.POST, action)
        adding = action.startswith("add_row:")
        submitting = action == "submit"
        sections = _forms(
            report, form, data=request.POST, files=request.FILES, draft=not submitting, rows=rows
        )
        bound = [f for _, f in sections]
        valid = all(f.is_valid() for f in bound)
        answers, uploads = {}, {}
        for f in bound:
            saved = f.values_to_save()
            answers.update(saved["answers"])
            uploads.update(saved["uploads"])
        # What was typed, kept so nothing is lost when some of it did not pass. Checkboxes are left out: a list is
        # saved as an answer whenever its choices are the question's.
        multiple = {f"q_{q['key']}" for q in questions.all_questions(form) if q["kind"] == "multiple_choice"}
        raw = (
            {k: v for k, v in request.POST.items() if k.startswith("q_") and k not in multiple}
            if not valid
            else {}
        )
        try:
            report = services.save_report(
                report_id=report.pk, answers=answers, uploads=uploads, raw=raw, by=request.user
            )
            if valid and submitting:
                services.submit_report(report_id=report.pk, by=request.user)
                messages.success(request, "Report submitted. We will tell you when we have read it.")
                return redirect("applications:detail", pk=application.pk)
        except services.IncompleteReport as exc:
            # A question asked because of an answer in another section: each section was complete on its own.
            for _, f in sections:
                for q in exc.unanswered:
                    if f"q_{q['key']}" in f.fields:
                        f.add_error(f"q_{q['key']}", f"Answer the question: {q['text']}")
            if not any(f.errors for f in bound):
                bound[0].add_error(None, str(exc))
        except services.ReportRuleError as exc:
            messages.info(request, str(exc))
            return redirect("applications:grant_report", pk=application.pk, report_pk=report.pk)
        else:
            if valid and not adding:
                messages.success(
                    request, "Your answers have been saved. You can come back to the report later."
                )
                return redirect("applications:grant_report", pk=application.pk, report_pk=report.pk)
    else:
        sections = _forms(report, form) if editable else []
    return render(
        request,
        "applications/grant_report.html",
        {
            "application": application,
            "report": report,
            "editable": editable,
            "overdue": is_overdue(report, timezone.localdate()),
            "sections": sections,
            "forms": [f for _, f in sections],
            "has_errors": any(f.is_bound and f.errors for _, f in sections),
            "answered": [] if editable else questions.answered_sections(form, report.answers),
        },
    )
