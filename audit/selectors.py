"""Reads of the audit trail: everything about one subject, and the status changes a timeline shows."""

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from .models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


@dataclass(frozen=True)
class StatusChange:
    """One move of a subject's status as a timeline shows it: who, when, from, to and why."""

    pk: int  # the audit event's id
    from_status: str  # the stored value, or the member of the choices it was read with
    to_status: str
    by: "AbstractBaseUser | None"  # the user (settings.AUTH_USER_MODEL), or None for the system
    at: datetime.datetime
    reason: str

    @classmethod
    def from_event(cls, event: AuditEvent, choices: type[models.TextChoices] | None = None) -> "StatusChange":
        frm: str = (event.before or {})["status"]
        to: str = (event.after or {})["status"]
        if choices is not None:
            frm, to = choices(frm), choices(to)
        return cls(pk=event.pk, from_status=frm, to_status=to, by=event.actor, at=event.at, reason=event.note)


def trail_of(obj: models.Model) -> QuerySet[AuditEvent]:
    """Every event about `obj`, oldest first."""
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).order_by("at", "pk")


def status_changes_of(
    obj: models.Model, *, action: str, choices: type[models.TextChoices] | None = None
) -> list[StatusChange]:
    """The moves of `obj`'s status recorded under `action`, oldest first. `choices` (a TextChoices class) turns the
    stored values into its members, so a template can print `change.to_status.label`."""
    events = trail_of(obj).filter(action=action).select_related("actor")
    return [StatusChange.from_event(e, choices) for e in events]


def trail(
    *,
    actor_id: int | None = None,
    content_type_id: int | None = None,
    action: str = "",
    since: datetime.datetime | None = None,
    before: datetime.datetime | None = None,
    subjects: models.Q | None = None,
) -> QuerySet[AuditEvent]:
    """The whole trail, newest first, narrowed by whichever filters are given: who acted, the kind of object, the
    action, from `since` (inclusive) up to `before` (exclusive), and `subjects` (a condition on the events' subject,
    such as reports' search by reference or name). The person and the kind are joined, since every reader shows them.
    """
    events = AuditEvent.objects.select_related("actor", "content_type").order_by("-at", "-pk")
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if content_type_id is not None:
        events = events.filter(content_type_id=content_type_id)
    if action:
        events = events.filter(action=action)
    if since is not None:
        events = events.filter(at__gte=since)
    if before is not None:
        events = events.filter(at__lt=before)
    if subjects is not None:
        events = events.filter(subjects)
    return events
