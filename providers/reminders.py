"""Return reminders, each sent exactly once per return, kind and recipient.

How "exactly once" is kept, step by step:
1. Claim. The hourly beat task works out which reminder is due for each open return and INSERTs one Reminder row per
   recipient with status "pending" (INSERT ... ON CONFLICT DO NOTHING on UNIQUE(return, kind, recipient)). A second
   beat tick, a retried task or two workers racing insert nothing new: the database refuses the duplicate.
2. Send. The beat task queues the pending claims in chunks (CHUNK_SIZE per Celery task, so workers drain a few
   hundred broker messages, not one per email). A chunk opens one mail connection and then, for each claim in its own
   transaction, locks the claim's row (SELECT ... FOR UPDATE SKIP LOCKED, which also reads the return's status),
   marks it sent, hands the email to the mail server and commits. Whoever holds the lock is the only sender; anyone
   else skips it, and a row already marked sent is never picked up again. Sharing the connection changes nothing
   here: every email still has its own transaction, committed before the next one starts.
3. Recover. If a worker dies before a commit, PostgreSQL rolls that one mark back and drops the lock, so the claim is
   still pending; the claims the chunk had already committed stay sent. The next beat tick (or the broker
   redelivering the unacknowledged chunk) sends what is pending: every tick re-queues every pending claim, and extra
   copies of a queued chunk find its rows sent or locked and do nothing.

The residual risk, stated honestly: the email is handed to the mail server just before COMMIT. If the process dies,
or the database connection drops, in the few milliseconds between the mail server accepting the message and the
commit, the claim rolls back to pending and that one email is sent a second time. At most one email per worker
process is in that window at any moment, chunks or not. The opposite order (commit first, then send) would instead
lose the email in the same window; a duplicate reminder is the safer failure. Outside that window, every reminder
goes once and only once.

Which reminder is due: each return has milestones (10 and 3 days before the due date by default, the due date, then
every `overdue_interval_days` after it up to `overdue_reminder_limit`). Only the latest milestone that has passed is
claimed, so a beat that was down for a week sends the current reminder, not a backlog of stale ones.
"""

import datetime
import logging

from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.claimed_mail import FAILURES_BEFORE_GIVING_UP, send_chunk  # noqa: F401  (tests read the limit here)

from .models import MonitoringReturn, ProviderMembership, Reminder, ReportingPeriod
from .services import open_returns

log = logging.getLogger(__name__)


def milestones(period: ReportingPeriod) -> list[tuple[str, datetime.date]]:
    template = period.template
    due = period.due_on
    points = [(f"before_{n}", due - datetime.timedelta(days=n)) for n in template.reminder_offsets if n > 0]
    points.append(("due", due))
    points += [
        (f"overdue_{k}", due + datetime.timedelta(days=k * template.overdue_interval_days))
        for k in range(1, template.overdue_reminder_limit + 1)
    ]
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
    return ReportingPeriod.objects.filter(
        starts_on__lte=today,
        due_on__gte=today - datetime.timedelta(days=400),
    ).select_related("template", "year")


def claim_due_reminders(today: datetime.date | None = None) -> int:
    """Offer a pending claim for every reminder due today; the unique constraint drops those already claimed.

    Returns how many were offered, not how many were new (ON CONFLICT DO NOTHING does not say)."""
    today = today or timezone.localdate()
    periods = [p for p in _periods_in_play(today) if current_kind(p, today)]
    for period in periods:
        open_returns(period=period)
    returns = MonitoringReturn.objects.filter(
        period__in=periods, status__in=MonitoringReturn.OPEN
    ).select_related("period__template", "service__provider", "service__contract_manager")
    members: dict[int, list[str]] = {}
    for provider_id, email in (
        ProviderMembership.objects.filter(provider__services__returns__in=returns, user__is_active=True)
        .values_list("provider_id", "user__email")
        .distinct()
    ):
        members.setdefault(provider_id, []).append(email)
    claims = []
    for ret in returns:
        kind = current_kind(ret.period, today)
        claims += [
            Reminder(monitoring_return=ret, kind=kind, recipient=r) for r in recipients(ret, kind, members)
        ]
    Reminder.objects.bulk_create(claims, ignore_conflicts=True)
    return len(claims)


def pending_ids() -> list[int]:
    return list(
        Reminder.objects.filter(status=Reminder.Status.PENDING).order_by("pk").values_list("pk", flat=True)
    )


# A chunk's sends share one mail connection; each still commits on its own (see the module docstring).
CHUNK_SIZE = 100


def chunks(ids: list[int], size: int = CHUNK_SIZE) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def send(reminder_id: int, *, mailer=None, returns: dict[int, MonitoringReturn] | None = None) -> bool:
    """Send one claimed reminder if nobody has. True if this call sent it.

    Two statements between BEGIN and COMMIT: the SELECT that locks the claim (SKIP LOCKED) and reads its return's
    status, then one UPDATE; the email goes last, just before COMMIT. Only the claim's row is locked: locking the
    return too would make other workers skip its other recipients' claims. `mailer` is an open mail backend to reuse,
    `returns` the returns with what the email says about them (service, provider, period), both passed by send_batch;
    without them this call opens its own connection and reads the return once more."""
    with transaction.atomic():
        claim = (
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=reminder_id, status=Reminder.Status.PENDING)
            .values_list("kind", "recipient", "monitoring_return_id", "monitoring_return__status")
            .first()
        )
        if claim is None:
            return False  # already sent, skipped, or being sent by another worker right now
        kind, recipient, return_id, return_status = claim
        if return_status not in MonitoringReturn.OPEN:
            Reminder.objects.filter(pk=reminder_id).update(status=Reminder.Status.SKIPPED)
            return False
        Reminder.objects.filter(pk=reminder_id).update(
            status=Reminder.Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
        )
        ret = (returns or {}).get(return_id) or _returns_for([reminder_id])[return_id]
        subject, body = message(ret, kind)
        # Last step before COMMIT: if sending raises, the mark rolls back and the claim stays pending for a retry.
        (mailer or mailers.default).send_messages([EmailMessage(subject, body, None, [recipient])])
    log.info("Sent %s reminder for return %s to %s", kind, return_id, recipient)
    return True


def _returns_for(reminder_ids: list[int]) -> dict[int, MonitoringReturn]:
    """The claims' returns with their service, provider and period, for the emails' wording. Read once per batch: none
    of it decides whether a reminder goes (send() reads the return's status afresh under the claim's lock)."""
    returns = (
        MonitoringReturn.objects.filter(
            pk__in=Reminder.objects.filter(pk__in=reminder_ids).values("monitoring_return_id"),
        )
        .select_related("period", "service__provider")
        .order_by()
    )
    return {ret.pk: ret for ret in returns}


def send_batch(reminder_ids: list[int]) -> int:
    """Send a chunk of claims over one mail connection, each in its own transaction. Returns how many this call sent.

    A claim that fails to send stays pending for the next tick and the chunk moves on (one refused address must not
    hold up the others); after FAILURES_BEFORE_GIVING_UP failures in a row the rest are left for the next tick too."""
    returns = _returns_for(reminder_ids)
    return send_chunk(
        reminder_ids,
        lambda reminder_id, mailer: send(reminder_id, mailer=mailer, returns=returns),
        what="reminder",
    )


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
        opening = (
            f"The {period.label} monitoring return for {service.name} ({service.provider}) was due on {due} "
            f"and has not been submitted. You can still submit it: a late return is accepted and marked late."
        )
    body = (
        f"{opening}\n\nSign in to PCC Grants and go to your provider page (/provider/returns/{ret.pk}/) to complete "
        f"it. A second person at your organisation signs it off before it is submitted.\n\n"
        f"Reference: return {ret.pk}, reminder {kind}\n"
    )
    return subject, body
