"""End-of-grant reports: when they fall due, the grantee's saving and submitting, and staff accepting them or asking
for changes. Every move goes through applications.grant_reports.TRANSITIONS and is recorded in the audit trail."""

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from audit.services import record_event, record_status_change

from .. import questions
from ..grant_reports import EDITABLE, REVIEW, STATUS_CHANGED, Actor, allowed, report_periods
from ..models import Award, Document, FormPurpose, GrantReport, Membership, Round
from .documents import save_document
from .forms import current_form_version, live_definition

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import User

S = GrantReport.Status

# Awards that report: finance has approved them (and they may since have been paid or closed). One awaiting finance
# has no project yet; a cancelled one has none any more.
REPORTING_AWARDS = (Award.Status.COMMITTED, Award.Status.PAID, Award.Status.CLOSED)


class ReportRuleError(Exception):
    """A change to a report refused; the message is for the person who asked."""


class IncompleteReport(ReportRuleError):
    def __init__(self, unanswered: list[dict]):
        self.unanswered = unanswered
        self.problems = [f"Answer the question “{q['text']}”" for q in unanswered]
        super().__init__("; ".join(self.problems))


# --- When reports fall due -------------------------------------------------------------------------------------------


def schedule_reports(award: Award, *, by: "User | None" = None) -> list[GrantReport]:
    """Make the award's reports from its round's report frequency, each due report_due_days after its period ends.
    Safe to run again: a period the award already has a report for (UNIQUE(award, period_end)) is left alone, so a
    report already started keeps its answers. Returns the reports made now."""
    round_ = Round.objects.select_related("budget__year").get(pk=award.application.round_id)
    have = set(GrantReport.objects.filter(award=award).values_list("period_end", flat=True))
    due_after = datetime.timedelta(days=round_.report_due_days)
    new = [
        GrantReport(award=award, period_start=start, period_end=end, due_on=end + due_after, final=final)
        for start, end, final in report_periods(round_)
        if end not in have
    ]
    if not new:
        return []
    GrantReport.objects.bulk_create(new, ignore_conflicts=True)
    record_event(
        "grant_report.scheduled",
        obj=award,
        by=by,
        after={"due": [f"{r.due_on:%Y-%m-%d}" for r in new]},
    )
    return new


@transaction.atomic
def schedule_round_reports(*, round_id: int, by: "User") -> int:
    """Set the report due dates of every approved award of a round, for awards approved before the round asked for
    reports (or before reports existed). Returns how many reports were made."""
    if not by.has_perm(REVIEW):
        raise ReportRuleError("Only OPCC staff who review grant reports can set their due dates.")
    awards = Award.objects.filter(application__round_id=round_id, status__in=REPORTING_AWARDS).select_related(
        "application"
    )
    return sum(len(schedule_reports(award, by=by)) for award in awards)


# --- Moves -----------------------------------------------------------------------------------------------------------


def _is_member(user: "User", report: GrantReport) -> bool:
    return Membership.objects.filter(
        user=user, user__is_active=True, organisation_id=report.award.application.organisation_id
    ).exists()


def _check_actor(actor: Actor, report: GrantReport, by: "User") -> None:
    if actor == Actor.REVIEWER:
        if not by.has_perm(REVIEW):
            raise ReportRuleError("Only OPCC staff who review grant reports can do that.")
        return
    if not _is_member(by, report):
        raise ReportRuleError("Only people at the organisation the grant was awarded to can do that.")


def move(
    report: GrantReport, to_status: str, *, by: "User", reason: str = "", after: dict | None = None
) -> None:
    """Check the move against the table and the person, record it, and set the status (the caller saves)."""
    rule = allowed(report.status, to_status)
    if rule is None:
        raise ReportRuleError(
            f"A report that is {report.get_status_display().lower()} cannot be {S(to_status).label.lower()}."
        )
    _action, actor = rule
    _check_actor(actor, report, by)
    record_status_change(
        STATUS_CHANGED,
        obj=report,
        from_status=report.status,
        to_status=to_status,
        by=by,
        reason=reason,
        after=after,
    )
    report.status = to_status


def _lock(report_id: int) -> GrantReport:
    return (
        GrantReport.objects.select_for_update(of=("self",))
        .select_related("award__application", "form_version")
        .get(pk=report_id)
    )


def report_form(report: GrantReport) -> dict:
    """The report form the report is answered on: its frozen version once started, else the round's form as it is."""
    if report.form_version is not None:
        return report.form_version.definition
    return live_definition(report.award.application.round, FormPurpose.REPORT)


@transaction.atomic
def save_report(
    *,
    report_id: int,
    answers: dict,
    uploads: "dict[str, UploadedFile] | None" = None,
    raw: dict | None = None,
    by: "User",
) -> GrantReport:
    """Keep what the grantee typed. `answers` are the answers that passed their checks, by question key (None removes
    one); `uploads` the files chosen, by question key; `raw` what was typed when some answers did not pass, kept so the
    page shows it again (empty when everything passed)."""
    report = _lock(report_id)
    if not _is_member(by, report):
        raise ReportRuleError("Only people at the organisation the grant was awarded to can do that.")
    if report.status not in EDITABLE:
        raise ReportRuleError(
            f"This report is {report.get_status_display().lower()}, so its answers cannot be changed now."
        )
    if report.form_version_id is None:
        report.form_version = current_form_version(
            round_id=report.award.application.round_id, purpose=FormPurpose.REPORT
        )
    if report.status != S.IN_PROGRESS:
        move(report, S.IN_PROGRESS, by=by)
    asked = {q["key"] for q in questions.all_questions(report_form(report))}
    unknown = (set(answers) | set(uploads or {})) - asked
    if unknown:
        raise ValueError(f"The report form has no question {', '.join(sorted(unknown))}")
    merged = {k: v for k, v in {**report.answers, **answers}.items() if v is not None}
    for key, upload in (uploads or {}).items():
        document = save_document(
            application=report.award.application,
            kind=Document.Kind.ANSWER,
            upload=upload,
            by=by,
            question=key,
            grant_report=report,
        )
        merged[key] = {"document": document.pk, "name": document.original_name}
    report.answers = merged
    # A NUL cannot be typed, and PostgreSQL refuses it in JSON: keep everything else exactly as sent.
    report.drafts = {name: str(value).replace("\x00", "") for name, value in (raw or {}).items()}
    report.save()
    return report


@transaction.atomic
def submit_report(*, report_id: int, by: "User", now: datetime.datetime | None = None) -> GrantReport:
    """Send the report to the office. Refused, with every question still to answer, while a required one is not."""
    report = _lock(report_id)
    if report.form_version is None:
        raise ReportRuleError("Answer the report's questions before you submit it.")
    if report.drafts:
        raise ReportRuleError(
            "Some answers have not been saved because they need correcting. Correct them first."
        )
    missing = questions.unanswered(report.form_version.definition, report.answers)
    if missing:
        raise IncompleteReport(missing)
    now = now or timezone.now()
    move(report, S.SUBMITTED, by=by, after={"submitted_at": now.isoformat()})
    report.submitted_at, report.submitted_by = now, by
    report.save()
    return report


@transaction.atomic
def accept_report(*, report_id: int, by: "User") -> GrantReport:
    report = _lock(report_id)
    move(report, S.ACCEPTED, by=by)
    report.reviewed_at, report.reviewed_by = timezone.now(), by
    report.save()
    return report


@transaction.atomic
def request_changes(*, report_id: int, by: "User", feedback: str) -> GrantReport:
    feedback = (feedback or "").strip()
    if not feedback:
        raise ReportRuleError("Say what the organisation needs to change")
    report = _lock(report_id)
    move(report, S.CHANGES_REQUESTED, by=by, reason=feedback)
    report.feedback = feedback
    report.reviewed_at, report.reviewed_by = timezone.now(), by
    report.save()
    return report


@transaction.atomic
def mark_case_study(*, report_id: int, by: "User", on: bool = True) -> GrantReport:
    """Choose an accepted report as a case study to publish, or take it off the list."""
    if not by.has_perm(REVIEW):
        raise ReportRuleError("Only OPCC staff who review grant reports can choose case studies.")
    report = _lock(report_id)
    if report.status != S.ACCEPTED:
        raise ReportRuleError("Only an accepted report can be a case study.")
    if report.case_study != on:
        record_event(
            "grant_report.case_study",
            obj=report,
            by=by,
            before={"case_study": report.case_study},
            after={"case_study": on},
        )
        report.case_study = on
        report.save(update_fields=["case_study"])
    return report
