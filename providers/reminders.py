"""Return reminders, each sent exactly once per return, kind and recipient.

How "exactly once" is kept, step by step:
1. Claim. The hourly beat task works out which reminder is due for each open return and INSERTs one Reminder row per
   recipient with status "pending" (INSERT ... ON CONFLICT DO NOTHING on UNIQUE(return, kind, recipient)). A second
   beat tick, a retried task or two workers racing insert nothing new: the database refuses the duplicate.
2. Send. One task per pending claim locks its row (SELECT ... FOR UPDATE SKIP LOCKED), marks it sent, sends the email
   and commits. Whoever holds the lock is the only sender; anyone else skips it, and a row already marked sent is
   never picked up again.
3. Recover. If a worker dies before the commit, PostgreSQL rolls the mark back and drops the lock, so the claim is
   still pending and the next beat tick sends it (every tick re-queues every pending claim; extra copies of a
   queued task find the row sent or locked and do nothing).

The residual risk, stated honestly: the email is handed to the mail server just before COMMIT. If the process dies,
or the database connection drops, in the few milliseconds between the mail server accepting the message and the
commit, the claim rolls back to pending and that one email is sent a second time. The opposite order (commit first,
then send) would instead lose the email in the same window; a duplicate reminder is the safer failure. Outside that
window, every reminder goes once and only once.

Which reminder is due: each return has milestones (10 and 3 days before the due date by default, the due date, then
every `overdue_interval_days` after it up to `overdue_reminder_limit`). Only the latest milestone that has passed is
claimed, so a beat that was down for a week sends the current reminder, not a backlog of stale ones.
"""

import datetime
import logging

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import MonitoringReturn, ProviderMembership, ReportingPeriod, Reminder
from .services import open_returns

log = logging.getLogger(__name__)


def milestones(period: ReportingPeriod) -> list[tuple[str, datetime.date]]:
    template = period.template
    due = period.due_on
    points = [(f"before_{n}", due - datetime.timedelta(days=n)) for n in template.reminder_offsets if n > 0]
    points.append(("due", due))
    points += [(f"overdue_{k}", due + datetime.timedelta(days=k * template.overdue_interval_days))
               for k in range(1, template.overdue_reminder_limit + 1)]
    return sorted(points, key=lambda p: p[1])


def current_kind(period: ReportingPeriod, today: datetime.date) -> str | None:
    passed = [kind for kind, day in milestones(period) if day <= today]
    return passed[-1] if passed else None


def recipients(ret: MonitoringReturn, kind: str, members: dict[int, list[str]]) -> list[str]:
    people = list(members.get(ret.service.provider_id, []))
    if ret.service.provider.contact_email:
        people.append(ret.service.provider.contact_email)
    if kind.startswith("overdue") and ret.service.contract_manager_id:
        people.append(ret.service.contract_manager.email)
    return sorted({p.strip().lower() for p in people if p})


def _periods_in_play(today: datetime.date):
    # A period is in play from its start until its last possible overdue reminder; 400 days covers any template.
    return ReportingPeriod.objects.filter(starts_on__lte=today, due_on__gte=today - datetime.timedelta(days=400),
                                          ).select_related("template", "year")


def claim_due_reminders(today: datetime.date | None = None) -> int:
    """Offer a pending claim for every reminder due today; the unique constraint drops those already claimed.

    Returns how many were offered, not how many were new (ON CONFLICT DO NOTHING does not say)."""
    today = today or timezone.localdate()
    periods = [p for p in _periods_in_play(today) if current_kind(p, today)]
    for period in periods:
        open_returns(period=period)
    returns = MonitoringReturn.objects.filter(period__in=periods, status__in=MonitoringReturn.OPEN).select_related(
        "period__template", "service__provider", "service__contract_manager")
    members: dict[int, list[str]] = {}
    for provider_id, email in ProviderMembership.objects.filter(
            provider__services__returns__in=returns, user__is_active=True).values_list("provider_id", "user__email").distinct():
        members.setdefault(provider_id, []).append(email)
    claims = []
    for ret in returns:
        kind = current_kind(ret.period, today)
        claims += [Reminder(monitoring_return=ret, kind=kind, recipient=r) for r in recipients(ret, kind, members)]
    Reminder.objects.bulk_create(claims, ignore_conflicts=True)
    return len(claims)


def pending_ids() -> list[int]:
    return list(Reminder.objects.filter(status=Reminder.Status.PENDING).order_by("pk").values_list("pk", flat=True))


def send(reminder_id: int) -> bool:
    """Send one claimed reminder if nobody has. True if this call sent it."""
    with transaction.atomic():
        reminder = (Reminder.objects.select_for_update(skip_locked=True)
                    .filter(pk=reminder_id, status=Reminder.Status.PENDING).first())
        if reminder is None:
            return False  # already sent, skipped, or being sent by another worker right now
        ret = MonitoringReturn.objects.select_related("period__template", "service__provider").get(
            pk=reminder.monitoring_return_id)
        if not ret.is_open:
            reminder.status = Reminder.Status.SKIPPED
            reminder.save(update_fields=["status"])
            return False
        reminder.status, reminder.sent_at = Reminder.Status.SENT, timezone.now()
        reminder.attempts += 1
        reminder.save(update_fields=["status", "sent_at", "attempts"])
        subject, body = message(ret, reminder.kind)
        # Last step before COMMIT: if sending raises, the mark rolls back and the claim stays pending for a retry.
        send_mail(subject, body, None, [reminder.recipient])
    log.info("Sent %s reminder for return %s to %s", reminder.kind, ret.pk, reminder.recipient)
    return True


def message(ret: MonitoringReturn, kind: str) -> tuple[str, str]:
    service, period = ret.service, ret.period
    due = f"{period.due_on:%-d %B %Y}"
    if kind.startswith("before"):
        subject = f"{service.name}: {period.label} monitoring return due on {due}"
        opening = f"The {period.label} monitoring return for {service.name} is due on {due}."
    elif kind == "due":
        subject = f"{service.name}: {period.label} monitoring return due today"
        opening = f"The {period.label} monitoring return for {service.name} is due today, {due}."
    else:
        subject = f"Overdue: {service.name} {period.label} monitoring return"
        opening = (f"The {period.label} monitoring return for {service.name} ({service.provider}) was due on {due} "
                   f"and has not been submitted. You can still submit it: a late return is accepted and marked late.")
    body = (f"{opening}\n\nSign in to PCC Grants and go to your provider page (/provider/returns/{ret.pk}/) to complete "
            f"it. A second person at your organisation signs it off before it is submitted.\n\n"
            f"Reference: return {ret.pk}, reminder {kind}\n")
    return subject, body
