"""The one audit trail: every change to money, a decision or a status, and every sensitive read."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """Append-only record of what happened to a subject: who, when, what it was before and after, and why.

    A status change is an event whose `before` and `after` hold {"status": ...} and whose note is the reason."""

    action = models.CharField(max_length=80, db_index=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("content_type", "object_id")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A default rather than auto_now_add, so rows brought in from older trails and bulk-loaded history keep their time.
    at = models.DateTimeField(default=timezone.now, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="audit_subject_idx"),
            # The trail in its own order, newest first: a page of it, at any offset, walks this index alone.
            models.Index(fields=["-at", "-id"], name="audit_newest_first_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
