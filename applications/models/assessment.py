from django.conf import settings
from django.db import models
from django.db.models import Q

from .applications import Application
from .rounds import Criterion


class Assessment(models.Model):
    """One assessor's view of one application. The conflict declaration comes first; a conflict ends it."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assessments")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    has_conflict = models.BooleanField()
    conflict_details = models.TextField(blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "declared_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "assessor"], name="one_assessment_per_assessor"),
            models.CheckConstraint(
                condition=Q(has_conflict=False) | Q(completed_at__isnull=True),
                name="conflicted_assessment_never_completed",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment of application {self.application_id} by user {self.assessor_id}"


class Score(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="one_score_per_criterion")
        ]

    def __str__(self) -> str:
        return f"Score {self.score} on criterion {self.criterion_id}"
