"""The one writer of the audit trail. Every app records what happened through `record_event`."""

from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


def record_event(
    action: str,
    *,
    obj: models.Model | None = None,
    by: "AbstractBaseUser | AnonymousUser | None" = None,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEvent:
    # Audit sits below accounts, so it names the user by Django's base class; the column holds AUTH_USER_MODEL.
    return AuditEvent.objects.create(  # type: ignore[misc]  # the plugin wants accounts.User for `actor`
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=obj.pk if obj is not None else None,
        actor=by if by is not None and by.is_authenticated else None,
        before=before,
        after=after,
        note=note,
    )


def record_status_change(
    action: str,
    *,
    obj: models.Model,
    from_status: str,
    to_status: str,
    by: "AbstractBaseUser | AnonymousUser | None" = None,
    reason: str = "",
    after: dict | None = None,
) -> AuditEvent:
    """One event per move of a status; `after` may carry what else the move set, beside the new status."""
    return record_event(
        action,
        obj=obj,
        by=by,
        before={"status": from_status},
        after={**(after or {}), "status": to_status},
        note=reason,
    )
