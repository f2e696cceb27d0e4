from django.db import models
from django.db.models import Q
from django.utils import timezone


class Message(models.Model):
    """A Celery task to run once the change that asked for it has committed (outbox.services).

    The row is written in the same transaction as the change, so the work is recorded if and only if the change is.
    Handing it to the broker happens after the commit and may fail (Redis away) or be lost (a worker killed, Redis
    restarted): until the task says it finished (`done_at`), the sweep sends it again, later each time."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    # Optional: the same intent written twice (a retried request, say) is one message.
    key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the sweep next sends it if it is not done by then; a short grace at first, so the commit's own hand-over
    # goes first.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text="Last handed to the broker")
    attempts = models.PositiveIntegerField(default=0, help_text="Times handed to the broker")
    done_at = models.DateTimeField(null=True, blank=True, help_text="When the task said it had finished")
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sweep's query: what is not done and due. Done rows, nearly all of them, stay out of the index.
            models.Index(fields=["next_attempt_at"], name="outbox_due", condition=Q(done_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"
