"""Grant report reminders, each sent exactly once per report, kind and recipient.

The same scheme as monitoring returns' reminders (providers.reminders has the whole argument):
1. Claim. The hourly beat task works out which reminder is due for each open report and INSERTs one ReportReminder
   row per recipient, "pending" (ON CONFLICT DO NOTHING on UNIQUE(report, kind, recipient)). A second tick, a retried
   task or two workers racing insert nothing new.
2. Send. Pending claims are queued in chunks; each claim is sent in its own transaction that locks its row (SELECT
   ... FOR UPDATE SKIP LOCKED, reading the report's status with it), marks it sent and hands the email to the mail
   server just before COMMIT. Whoever holds the lock is the only sender.
3. Recover. A worker that dies before COMMIT leaves its claim pending, and the next tick queues it again. The one
   residual risk is the milliseconds between the mail server accepting and the commit: a duplicate, never a loss.

Which reminder is due: 14 days before the due date, on it, then 14 and 28 days after it. Only the latest milestone
that has passed is claimed, and only for reports due in the window below, so a beat that was down for a few days
sends the current reminder, and setting due dates for last year's awards (applications.services.grant_reports.
schedule_round_reports) emails nobody about reports that fell due long ago.
"""

import datetime
import logging

from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.claimed_mail import FAILURES_BEFORE_GIVING_UP, send_chunk  # noqa: F401  (tests read the limit here)

from .grant_reports import EDITABLE
from .models import GrantReport, Membership, ReportReminder

log = logging.getLogger(__name__)

BEFORE_DAYS = 14
OVERDUE_DAYS = (14, 28)
# A report is in play from BEFORE_DAYS before it is due until a week after its last overdue reminder.
GRACE_DAYS = 7


def milestones(due_on: datetime.date) -> list[tuple[str, datetime.date]]:
    return [
        (f"before_{BEFORE_DAYS}", due_on - datetime.timedelta(days=BEFORE_DAYS)),
        ("due", due_on),
        *[(f"overdue_{n}", due_on + datetime.timedelta(days=n)) for n in OVERDUE_DAYS],
    ]


def current_kind(due_on: datetime.date, today: datetime.date) -> str | None:
    passed = [kind for kind, day in milestones(due_on) if day <= today]
    return passed[-1] if passed else None


def _reports_in_play(today: datetime.date):
    return GrantReport.objects.filter(
        status__in=EDITABLE,
        due_on__lte=today + datetime.timedelta(days=BEFORE_DAYS),
        due_on__gte=today - datetime.timedelta(days=OVERDUE_DAYS[-1] + GRACE_DAYS),
    ).select_related("award__application")


def claim_due_reminders(today: datetime.date | None = None) -> int:
    """Offer a pending claim for every reminder due today; the unique constraint drops those already claimed.
    Recipients are the active members of the organisation the grant was awarded to. Returns how many were offered."""
    today = today or timezone.localdate()
    reports = list(_reports_in_play(today))
    members: dict[int, list[str]] = {}
    for organisation_id, email in (
        Membership.objects.filter(
            organisation_id__in={r.award.application.organisation_id for r in reports}, user__is_active=True
        )
        .values_list("organisation_id", "user__email")
        .order_by()
    ):
        members.setdefault(organisation_id, []).append(email)
    claims = []
    for report in reports:
        kind = current_kind(report.due_on, today)
        people = sorted(
            {e.strip().lower() for e in members.get(report.award.application.organisation_id, []) if e}
        )
        claims += [ReportReminder(report=report, kind=kind, recipient=person) for person in people]
    ReportReminder.objects.bulk_create(claims, ignore_conflicts=True)
    return len(claims)


def pending_ids() -> list[int]:
    return list(
        ReportReminder.objects.filter(status=ReportReminder.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


CHUNK_SIZE = 100


def chunks(ids: list[int], size: int = CHUNK_SIZE) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def send(reminder_id: int, *, mailer=None, reports: dict[int, GrantReport] | None = None) -> bool:
    """Send one claimed reminder if nobody has. True if this call sent it. Locks only the claim's row."""
    with transaction.atomic():
        claim = (
            ReportReminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=reminder_id, status=ReportReminder.Status.PENDING)
            .values_list("kind", "recipient", "report_id", "report__status")
            .first()
        )
        if claim is None:
            return False  # already sent, skipped, or being sent by another worker right now
        kind, recipient, report_id, report_status = claim
        if report_status not in EDITABLE:
            ReportReminder.objects.filter(pk=reminder_id).update(status=ReportReminder.Status.SKIPPED)
            return False
        ReportReminder.objects.filter(pk=reminder_id).update(
            status=ReportReminder.Status.SENT, sent_at=timezone.now()
        )
        report = (reports or {}).get(report_id) or _reports_for([reminder_id])[report_id]
        subject, body = message(report, kind)
        # Last step before COMMIT: if sending raises, the mark rolls back and the claim stays pending for a retry.
        (mailer or mailers.default).send_messages([EmailMessage(subject, body, None, [recipient])])
    log.info("Sent %s reminder for grant report %s to %s", kind, report_id, recipient)
    return True


def _reports_for(reminder_ids: list[int]) -> dict[int, GrantReport]:
    """The claims' reports with what the email says about them, read once per batch."""
    reports = (
        GrantReport.objects.filter(
            pk__in=ReportReminder.objects.filter(pk__in=reminder_ids).values("report_id"),
        )
        .select_related("award__application__round")
        .order_by()
    )
    return {report.pk: report for report in reports}


def send_batch(reminder_ids: list[int]) -> int:
    """Send a chunk of claims over one mail connection, each in its own transaction. Returns how many were sent."""
    reports = _reports_for(reminder_ids)
    return send_chunk(
        reminder_ids,
        lambda reminder_id, mailer: send(reminder_id, mailer=mailer, reports=reports),
        what="report reminder",
    )


def message(report: GrantReport, kind: str) -> tuple[str, str]:
    application = report.award.application
    what = "end-of-grant report" if report.final else "progress report"
    project = application.project_title or application.reference
    due = f"{report.due_on:%-d %B %Y}"
    if kind.startswith("before"):
        subject = f"{application.reference}: your {what} is due on {due}"
        opening = f"The {what} for {project} ({application.round.name}) is due on {due}."
    elif kind == "due":
        subject = f"{application.reference}: your {what} is due today"
        opening = f"The {what} for {project} ({application.round.name}) is due today, {due}."
    else:
        subject = f"Overdue: {application.reference} {what}"
        opening = (
            f"The {what} for {project} ({application.round.name}) was due on {due} and we have not received it. "
            "You can still send it."
        )
    link = reverse("applications:grant_report", args=[application.pk, report.pk])
    body = (
        f"{opening}\n\nSign in to PCC Grants and go to {link} to tell us what your project delivered. You can save "
        f"your answers and come back to them before you submit.\n\n"
        f"Reference: {application.reference}, report {report.pk}, reminder {kind}\n"
    )
    return subject, body
