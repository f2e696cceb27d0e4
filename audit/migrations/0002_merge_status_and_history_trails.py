"""The other trails become audit events, so there is one: applications' status changes (ApplicationEvent), returns'
moves (ReturnTransition) and django-simple-history's snapshots of six funds models. Their tables are dropped after
this by applications.0009, providers.0002 and funds.0005.

- A status change keeps its time, person, from, to and reason: action "application.status" or "return.status",
  before/after {"status": ...}, note = the reason or comment. A return's action label ("accepted", ...) is not kept:
  providers.workflow.TRANSITIONS gives it from (from, to), as it did when the row was written.
- move() used to write both an ApplicationEvent and an "application.status" audit event for one change; the two are
  paired and kept as one audit event. Likewise a return's "return.submitted" and "return.reopened" events are folded
  into the move they described (their after-values are kept beside the new status).
- An email already sent about a status change keeps its mark in applications.StatusEmail.
- A snapshot becomes "history.<model>.created/changed/deleted" with before/after the fields that differ from the
  object's previous snapshot, actor = history_user, at = history_date, note = the change reason.

The functions take `apps` so tests can run them against the models of any migration state.
"""

import datetime
import decimal
import uuid
from collections import defaultdict, deque

from django.db import migrations

BATCH = 2000

APPLICATION_MOVED = "application.status"
RETURN_MOVED = "return.status"

# historical model -> (the model it records, {m2m name: (m2m history model, column holding the related id)})
HISTORIES = {
    "HistoricalBudget": ("budget", {}),
    "HistoricalBudgetEntry": ("budgetentry", {}),
    "HistoricalBudgetLine": ("budgetline", {}),
    "HistoricalCommitment": ("commitment", {}),
    "HistoricalDecision": (
        "decision",
        {
            "budgets": ("HistoricalDecision_budgets", "budget_id"),
            "lines": ("HistoricalDecision_lines", "budgetline_id"),
        },
    ),
    "HistoricalPayment": ("payment", {}),
}
HISTORY_COLUMNS = {
    "id",
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
}
HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _content_type(apps, app_label: str, model: str):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label=app_label, model=model)[0]


def _json(value):
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.date):  # datetimes too
        return value.isoformat()
    return value


def _save_new(AuditEvent, events: list) -> list:
    return AuditEvent.objects.bulk_create(events, batch_size=BATCH)


def application_events_to_audit(apps) -> dict:
    ApplicationEvent = apps.get_model("applications", "ApplicationEvent")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    StatusEmail = apps.get_model("applications", "StatusEmail")
    content_type = _content_type(apps, "applications", "application")

    # The audit events move() wrote beside each ApplicationEvent, queued per (application, from, to) in time order.
    written = defaultdict(deque)
    for event in AuditEvent.objects.filter(content_type=content_type, action=APPLICATION_MOVED).order_by(
        "at", "pk"
    ):
        key = (event.object_id, (event.before or {}).get("status"), (event.after or {}).get("status"))
        written[key].append(event)

    paired, new, emails = 0, [], []
    for old in ApplicationEvent.objects.order_by("at", "pk").iterator(chunk_size=BATCH):
        queue = written.get((old.application_id, old.from_status, old.to_status))
        if queue:
            event = queue.popleft()
            # The ApplicationEvent's time is the one retention counted from; the two differ by microseconds.
            AuditEvent.objects.filter(pk=event.pk).update(at=old.at)
            paired += 1
            if old.notified_at:
                emails.append(StatusEmail(event_id=event.pk, sent_at=old.notified_at))
            continue
        new.append(
            (
                AuditEvent(
                    action=APPLICATION_MOVED,
                    content_type=content_type,
                    object_id=old.application_id,
                    actor_id=old.by_id,
                    at=old.at,
                    before={"status": old.from_status},
                    after={"status": old.to_status},
                    note=old.reason,
                ),
                old.notified_at,
            )
        )
    created = _save_new(AuditEvent, [event for event, _ in new])
    emails += [
        StatusEmail(event_id=event.pk, sent_at=sent)
        for event, (_, sent) in zip(created, new, strict=True)
        if sent
    ]
    StatusEmail.objects.bulk_create(emails, batch_size=BATCH)
    return {
        "application events paired": paired,
        "application events added": len(created),
        "emails": len(emails),
    }


def return_transitions_to_audit(apps) -> dict:
    ReturnTransition = apps.get_model("providers", "ReturnTransition")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    content_type = _content_type(apps, "providers", "monitoringreturn")

    # Events the services wrote beside some moves, queued per (return, action) in time order.
    written = defaultdict(deque)
    for event in AuditEvent.objects.filter(
        content_type=content_type, action__in=["return.submitted", "return.reopened"]
    ).order_by("at", "pk"):
        written[(event.object_id, event.action)].append(event)

    folded, new = 0, []
    for old in ReturnTransition.objects.order_by("at", "pk").iterator(chunk_size=BATCH):
        if old.to_status == "submitted":
            queue = written.get((old.monitoring_return_id, "return.submitted"))
        elif (old.from_status, old.to_status) == ("accepted", "changes_requested"):
            queue = written.get((old.monitoring_return_id, "return.reopened"))
        else:
            queue = None
        if queue:
            event = queue.popleft()
            event.action = RETURN_MOVED
            event.actor_id = old.by_id
            event.at = old.at
            event.before = {"status": old.from_status}
            event.after = {**(event.after or {}), "status": old.to_status}
            event.note = old.comment
            event.save(update_fields=["action", "actor", "at", "before", "after", "note"])
            folded += 1
            continue
        new.append(
            AuditEvent(
                action=RETURN_MOVED,
                content_type=content_type,
                object_id=old.monitoring_return_id,
                actor_id=old.by_id,
                at=old.at,
                before={"status": old.from_status},
                after={"status": old.to_status},
                note=old.comment,
            )
        )
    created = _save_new(AuditEvent, new)
    return {"return moves folded": folded, "return moves added": len(created)}


def history_to_audit(apps) -> dict:
    AuditEvent = apps.get_model("audit", "AuditEvent")
    counts = {}
    for historical_name, (model_name, m2m) in HISTORIES.items():
        Historical = apps.get_model("funds", historical_name)
        content_type = _content_type(apps, "funds", model_name)
        fields = [f for f in Historical._meta.concrete_fields if f.name not in HISTORY_COLUMNS]
        related = {}
        for name, (m2m_model, column) in m2m.items():
            ids = defaultdict(list)
            for history_id, related_id in apps.get_model("funds", m2m_model).objects.values_list(
                "history_id", column
            ):
                ids[history_id].append(related_id)
            related[name] = ids

        previous, batch, added = {}, [], 0
        for row in Historical.objects.order_by("id", "history_date", "history_id").iterator(chunk_size=BATCH):
            snapshot = {f.name: _json(getattr(row, f.attname)) for f in fields}
            for name, ids in related.items():
                snapshot[name] = sorted(ids.get(row.history_id, []))
            kind = HISTORY_TYPES[row.history_type]
            before_snapshot = previous.get(row.id)
            if kind == "deleted":
                before, after = before_snapshot or snapshot, None
            elif kind == "created" or before_snapshot is None:
                before, after = None, snapshot
            else:
                changed = [k for k in snapshot if snapshot[k] != before_snapshot.get(k)]
                before = {k: before_snapshot.get(k) for k in changed}
                after = {k: snapshot[k] for k in changed}
            previous[row.id] = snapshot
            batch.append(
                AuditEvent(
                    action=f"history.{model_name}.{kind}",
                    content_type=content_type,
                    object_id=row.id,
                    actor_id=row.history_user_id,
                    at=row.history_date,
                    before=before,
                    after=after,
                    note=row.history_change_reason or "",
                )
            )
            if len(batch) >= BATCH:
                added += len(_save_new(AuditEvent, batch))
                batch = []
        added += len(_save_new(AuditEvent, batch))
        counts[f"history.{model_name}"] = added
    return counts


def merge_trails(apps, schema_editor):
    application_events_to_audit(apps)
    return_transitions_to_audit(apps)
    history_to_audit(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("applications", "0008_status_email"),
        ("providers", "0001_initial"),
        ("funds", "0004_auditevent_moves_to_audit"),
    ]

    # Going back leaves the audit events in place: the old tables come back empty.
    operations = [migrations.RunPython(merge_trails, migrations.RunPython.noop)]
