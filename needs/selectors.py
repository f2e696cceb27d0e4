"""Reads of needs assessments. Staff-only pages call these; there is no per-organisation scoping to apply."""

from django.db.models import QuerySet

from .models import NeedsAssessment


def assessments() -> QuerySet[NeedsAssessment]:
    return NeedsAssessment.objects.select_related(
        "pot_line__budget__stream", "pot_line__budget__year", "target_year", "adopted_decision"
    )
