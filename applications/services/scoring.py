"""An application's overall score, stored on the application so the staff list can sort and filter by it through an
index instead of computing every row's score on every page.

The score is a percentage: the points its completed assessments gave (each criterion's score times its weight), over
what they could have given (completed assessments x the round's total criteria weight x the scoring scale), x 100,
rounded to two decimal places. Assessments not yet completed (and conflicted ones, which never complete) do not count;
with no completed assessment there is no score (None), which the list shows as "—".

Every write that changes any part of that (an assessment completed or re-scored, a round's criteria or weights or
scoring scale changed) calls `recompute_score` or `recompute_round_scores` inside its own transaction, so the stored
score is never out of step with the scores it is made of.
"""

from decimal import Decimal

from django.db.models import Count, DecimalField, Expression, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, NullIf
from django.db.models.functions import Round as RoundTo

from ..models import Application, Assessment, Criterion, Round, Score

PERCENT = DecimalField(max_digits=5, decimal_places=2)


def score_expression() -> Expression:
    """The score of the application in the outer query, as SQL: usable in `update()` and in bulk loaders alike.

    No joins outside the subqueries, because an UPDATE cannot join. Integer arithmetic until the division, which is
    numeric (never float), so 62.5 stays 62.5. A round whose criteria weigh nothing, or whose scale is 0, has no
    score rather than a division by zero.
    """
    completed = Assessment.objects.filter(application=OuterRef("pk"), completed_at__isnull=False).order_by()
    assessors = Subquery(completed.values("application").annotate(n=Count("pk")).values("n"))
    points = Subquery(
        Score.objects.filter(assessment__application=OuterRef("pk"), assessment__completed_at__isnull=False)
        .order_by()
        .values("assessment__application")
        .annotate(p=Sum(F("score") * F("criterion__weight")))
        .values("p")
    )
    total_weight = Subquery(
        Criterion.objects.filter(round=OuterRef("round_id"))
        .order_by()
        .values("round")
        .annotate(w=Sum("weight"))
        .values("w")
    )
    scale = Subquery(Round.objects.filter(pk=OuterRef("round_id")).values("scoring_scale"))
    numeric = DecimalField(max_digits=20, decimal_places=6)
    return RoundTo(
        Cast(points, numeric)
        * Decimal(100)
        / NullIf(assessors * total_weight * scale, 0, output_field=numeric),
        2,
        output_field=PERCENT,
    )


def recompute_scores(applications: QuerySet[Application]) -> int:
    """Store the score of every application in `applications` in one UPDATE; returns how many rows it touched."""
    return applications.order_by().update(score=score_expression())


def recompute_score(application: Application) -> Decimal | None:
    """Store `application`'s score from its completed assessments and set it on the instance too.

    The row is locked first so that two assessors finishing at once queue here: the second one's UPDATE then runs
    with a fresh snapshot and counts the first one's assessment, instead of overwriting its score.
    """
    rows = Application.objects.select_for_update().filter(pk=application.pk)
    list(rows.values_list("pk"))
    recompute_scores(rows)
    application.score = rows.values_list("score", flat=True).get()
    return application.score


def recompute_round_scores(round_: Round) -> int:
    """After a round's criteria, weights or scoring scale change: every application's score in the round again.
    The round is locked so an assessment completed at the same time is counted with the weights it was given."""
    Round.objects.select_for_update().filter(pk=round_.pk).values_list("pk").get()
    return recompute_scores(Application.objects.filter(round_id=round_.pk))
