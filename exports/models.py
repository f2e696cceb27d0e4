from django.conf import settings
from django.db import models


class ExportJob(models.Model):
    """A workbook someone asked for, built by a Celery task and kept privately until they download it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=60)
    params = models.JSONField(default=dict, blank=True)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    filename = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    # Set when a worker claims the build (exports.runner); a job still pending long after it is one whose worker died.
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # How far a build that reports its progress has gone (exports.registry: a builder registered with
    # reports_progress=True), written by the runner as it goes, so the job's page can say "Step 3 of 8: Victims Fund".
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_step = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def progress_text(self) -> str:
        """Like "Step 3 of 8: Victims Fund", while a build that reports its progress is running; else empty."""
        if self.status != self.Status.PENDING or not self.progress_total:
            return ""
        text = f"Step {min(self.progress_done + 1, self.progress_total)} of {self.progress_total}"
        return f"{text}: {self.progress_step}" if self.progress_step else text
