"""The applicant's application: start, task list, task pages, check answers, submit, confirmation, downloads."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from audit.services import record_event
from core import uploads
from core.ratelimit import ratelimit

from .. import questions, selectors, services
from ..forms import (
    BudgetTaskForm,
    DeclarationsTaskForm,
    DocumentsTaskForm,
    OrganisationTaskForm,
    ProjectTaskForm,
    StartApplicationForm,
)
from ..models import Application, Round, Status
from ..next_steps import next_steps_for
from ..workflow import WITHDRAWABLE

# The documents the Documents task asks for; files answering the round's own questions show with their answers.
REQUIRED_DOCUMENT_KINDS = {"governing_document", "safeguarding_policy", "accounts"}

TASK_PAGES = {
    # task: (form, template, title)
    "organisation": (OrganisationTaskForm, "applications/tasks/organisation.html", "About your organisation"),
    "project": (ProjectTaskForm, "applications/tasks/project.html", "Your project"),
    "budget": (BudgetTaskForm, "applications/tasks/budget.html", "Budget"),
    "documents": (DocumentsTaskForm, "applications/tasks/documents.html", "Documents"),
    "declarations": (DeclarationsTaskForm, "applications/tasks/declarations.html", "Declarations"),
}


def start(request, slug):
    round_ = get_object_or_404(Round, slug=slug)
    if not round_.is_open():
        return render(request, "applications/round_closed.html", {"round": round_}, status=200)
    organisations = selectors.organisations_of(request.user)
    if not organisations.exists():
        messages.info(request, "Tell us about your organisation before you start an application")
        return redirect(f"{_url('applications:organisation_create')}?next={request.path}")
    form = StartApplicationForm(
        request.POST if request.method == "POST" else None,
        organisations=organisations,
        initial={"organisation": organisations.first()} if organisations.count() == 1 else None,
    )
    if request.method == "POST" and form.is_valid():
        application = services.start_application(
            round_=round_, organisation=form.cleaned_data["organisation"], by=request.user
        )
        return redirect("applications:detail", pk=application.pk)
    return render(request, "applications/start.html", {"round": round_, "form": form})


def _url(name, *args):
    from django.urls import reverse

    return reverse(name, args=args)


def _own(request, pk) -> Application:
    return get_object_or_404(selectors.applications_of_member(request.user), pk=pk)


def task_list_or_status(request, pk):
    application = get_object_or_404(
        selectors.applications_of_member(request.user)
        .select_related("award")
        .prefetch_related("information_requests", "documents"),
        pk=pk,
    )
    if application.status == Status.DRAFT:
        services.keep_form_version(application)
        tasks = [(name, title, application.task_status(name)) for name, title in application.tasks]
        return render(
            request,
            "applications/task_list.html",
            {
                "application": application,
                "tasks": tasks,
                "is_open": application.round.is_open(),
                "completed_count": sum(1 for _, _, s in tasks if s == "Completed"),
            },
        )
    award = getattr(application, "award", None)
    return render(
        request,
        "applications/status.html",
        {
            "application": application,
            "next_steps": next_steps_for(application),
            "can_withdraw": application.status in WITHDRAWABLE,
            "status_changes": selectors.status_changes(application),
            "information_requests": selectors.information_requests_with_files(application),
            "award": award,
            "reports": list(award.reports.all()) if award else [],
            "payments": list(award.payments.select_related("payment")) if award else [],
            "award_paid": sum((p.amount for p in award.payments.all() if p.payment_id), Decimal("0"))
            if award
            else None,
        },
    )


def _initial(application: Application, task: str) -> dict:
    if task in application.drafts:
        return dict(application.drafts[task])
    if task == "organisation":
        initial = {"contact_name": application.contact_name, "contact_phone": application.contact_phone}
        initial.update({f"has_{v}": True for v in application.meets_requirements})
        return initial
    if task == "project":
        initial = {
            "project_title": application.project_title,
            "project_summary": application.project_summary,
            "area": application.area_id,
            "amount_requested": f"{application.amount_requested:,.2f}".replace(".00", "")
            if application.amount_requested is not None
            else "",
        }
        if application.round.ring_fences.exists() and "project" in application.completed_tasks:
            initial["ring_fence"] = str(application.ring_fence_id) if application.ring_fence_id else "none"
        return initial
    if task == "budget":
        initial = {}
        for n, item in enumerate(application.budget_items.all(), start=1):
            initial[f"item_{n}_description"] = item.description
            initial[f"item_{n}_amount"] = f"{item.amount:,.2f}".replace(".00", "")
        return initial
    if task == "declarations":
        if application.declared_at:
            return {
                "true_and_complete": True,
                "use_for_project": True,
                "monitoring": True,
                "declared_by_name": application.declared_by_name,
            }
        return {"declared_by_name": application.declared_by_name}
    return {}


def _budget_rows(request, application, initial) -> int:
    filled = max([int(k.split("_")[1]) for k in initial if k.startswith("item_") and initial[k]] or [0])
    asked = request.POST.get("rows") or request.GET.get("rows") or initial.get("rows") or 0
    try:
        asked = int(asked)
    except (TypeError, ValueError):
        asked = 0
    return min(max(3, filled + 1, asked), 20)


def task(request, pk, task):
    application = _own(request, pk)
    if application.status != Status.DRAFT:
        messages.info(request, "This application has been submitted, so it can no longer be changed")
        return redirect("applications:detail", pk=pk)
    services.keep_form_version(application)
    section = questions.section_of(application.form, task)
    if section is not None:
        return _section_task(request, application, section)
    if task not in TASK_PAGES:
        raise Http404
    form_class, template, title = TASK_PAGES[task]
    initial = _initial(application, task)
    kwargs = {"application": application}
    if task == "budget":
        kwargs["rows"] = _budget_rows(request, application, initial)
    if request.method != "POST":
        form = form_class(initial=initial, **kwargs)
        return _render_task(request, template, title, application, form)

    action = request.POST.get("action", "continue")
    if task == "budget" and action == "add_row":
        kwargs["rows"] = min(kwargs["rows"] + 1, 20)
    form = form_class(request.POST, request.FILES, **kwargs)
    valid = form.is_valid()
    if task == "documents" and action == "continue" and valid:
        for name in form.missing():
            form.add_error(name, f"Upload your {form.fields[name].label.lower()}")
        valid = not form.errors
    raw = {
        name: request.POST.get(name)
        for name in form.fields
        if name in request.POST and not name.startswith(("governing_", "safeguarding_", "accounts"))
    }
    if task == "budget":
        raw["rows"] = str(kwargs["rows"])
    try:
        services.save_task(
            application_id=application.pk,
            task=task,
            raw=raw,
            complete=action == "continue" and valid,
            by=request.user,
            **form.values_to_save(),
        )
    except services.AlreadySubmitted:
        messages.info(request, "This application has been submitted, so it can no longer be changed")
        return redirect("applications:detail", pk=pk)
    if not application.round.is_open():
        return render(request, "applications/round_closed.html", {"round": application.round, "saved": True})
    # Only the budget has rows; elsewhere a made-up action continues.
    if task == "budget" and action == "add_row":
        return _render_task(
            request, template, title, application, form_class(initial=raw, **kwargs), focus_row=kwargs["rows"]
        )
    # A refused file is never saved, so "come back later" must not say it was: show the page with the reason.
    refused_upload = task == "documents" and bool(form.errors)
    return _after_saving(
        request,
        application,
        action,
        valid=valid,
        refused_upload=refused_upload,
        show_again=lambda: _render_task(request, template, title, application, form),
    )


def _after_saving(
    request, application: Application, action: str, *, valid: bool, refused_upload: bool, show_again
):
    """Where a task page goes once its answers are saved, for the fixed tasks and the round's own sections alike: to
    the dashboard on "Save and come back later", back to the page while anything is wrong, else to the task list."""
    if action == "later" and not refused_upload:
        messages.success(
            request,
            "Your answers have been saved. You can come back and finish them before the round closes.",
        )
        return redirect("applications:dashboard")
    if not valid or refused_upload:
        return show_again()
    return redirect("applications:detail", pk=application.pk)


def _section_task(request, application: Application, section: dict):
    """A section of the round's own questions (applications.questions): the same save, come back later and continue
    as the fixed tasks, with "Add another row" for a repeating group."""
    key, title = section["key"], section["title"]
    template = "applications/tasks/section.html"
    if request.method != "POST":
        initial = {**questions.initial_for(section, application.answers), **application.drafts.get(key, {})}
        form = questions.SectionForm(initial=initial, section=section, answers=application.answers)
        return _render_task(request, template, title, application, form, section=section)

    action = request.POST.get("action", "continue")
    rows = questions.posted_rows({"sections": [section]}, request.POST, action)
    adding = action.removeprefix("add_row:") if action.startswith("add_row:") else None
    form = questions.SectionForm(
        request.POST, request.FILES, section=section, answers=application.answers, rows=rows
    )
    valid = form.is_valid()
    multiple = {f"q_{q['key']}" for q in section["questions"] if q["kind"] == "multiple_choice"}
    # What was typed, kept so nothing is lost when it did not pass; lists (checkboxes) are always valid choices.
    raw = {
        name: request.POST.get(name)
        for name in form.fields
        if name in request.POST
        and name not in multiple
        and not isinstance(form.fields[name], forms.FileField)
    }
    saved = form.values_to_save()
    try:
        services.save_task(
            application_id=application.pk,
            task=key,
            raw=raw,
            complete=action == "continue" and valid,
            by=request.user,
            changes={"answers": saved["answers"]},
            uploads=saved["uploads"],
        )
    except services.AlreadySubmitted:
        messages.info(request, "This application has been submitted, so it can no longer be changed")
        return redirect("applications:detail", pk=application.pk)
    if not application.round.is_open():
        return render(request, "applications/round_closed.html", {"round": application.round, "saved": True})
    application.refresh_from_db()
    if adding in rows:
        initial = {
            name: (request.POST.getlist(name) if name in multiple else request.POST.get(name))
            for name in form.fields
        }
        form = questions.SectionForm(initial=initial, section=section, answers=application.answers, rows=rows)
        return _render_task(
            request, template, title, application, form, section=section, focus_row=rows[adding]
        )
    refused_upload = any(
        isinstance(form.fields[name], forms.FileField) for name in form.errors if name in form.fields
    )
    return _after_saving(
        request,
        application,
        action,
        valid=valid,
        refused_upload=refused_upload,
        show_again=lambda: _render_task(request, template, title, application, form, section=section),
    )


def _render_task(request, template, title, application, form, focus_row=None, section=None):
    return render(
        request,
        template,
        {
            "application": application,
            "form": form,
            "title": title,
            "documents": {d.kind: d for d in application.documents.all()},
            "focus_row": focus_row,
            "section": section,
        },
    )


@ratelimit("submit_application", key="user", what="You have tried to submit too many times in the last hour.")
def check_answers(request, pk):
    application = _own(request, pk)
    if application.status != Status.DRAFT:
        return redirect("applications:detail", pk=pk)
    problems = []
    if request.method == "POST":
        try:
            services.submit_application(application_id=application.pk, by=request.user)
        except services.AlreadySubmitted:
            pass  # a second click: show the same confirmation, send nothing twice
        except services.RoundClosed as exc:
            return render(request, "applications/round_closed.html", {"round": exc.round, "saved": True})
        except services.IncompleteApplication as exc:
            problems = exc.problems
        if not problems:
            return redirect("applications:confirmation", pk=pk)
    else:
        problems = services.submission_problems(application)
    return render(
        request,
        "applications/check_answers.html",
        {
            "application": application,
            "problems": problems,
            "submitted_attempt": request.method == "POST",
            "sections": questions.answered_sections(application.form, application.answers),
            "budget_items": list(application.budget_items.all()),
            "documents": [d for d in application.documents.all() if d.kind in REQUIRED_DOCUMENT_KINDS],
            "is_open": application.round.is_open(),
        },
    )


def confirmation(request, pk):
    application = _own(request, pk)
    if application.status == Status.DRAFT:
        return redirect("applications:detail", pk=pk)
    return render(request, "applications/confirmation.html", {"application": application})


def download(request, pk, document_pk):
    """Applicants and staff alike download through here (the staff detail page links to it)."""
    document = get_object_or_404(
        selectors.documents_visible_to(request.user), pk=document_pk, application_id=pk
    )
    # The shown name is cleaned again here: rows stored before names were cleaned may hold control characters.
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=uploads.display_name(document.original_name),
        content_type=document.content_type,
    )
    # Reading someone's documents is itself worth an audit trail; only reads that were allowed get here. The kind, not
    # the applicant's own file name, says what was read: a name can be personal and the audit trail outlives it.
    record_event(
        "document.downloaded",
        obj=document,
        by=request.user,
        after={"application": document.application_id, "kind": document.kind, "size": document.size},
    )
    return response
