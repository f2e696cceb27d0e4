"""The stored score: the same percentage the staff list used to compute for every row, kept up to date by the writes
that change it, and what the list, its sort, its filter and its export show from it."""

import datetime
import importlib
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db.models import Count, F, FloatField, OuterRef, Subquery, Sum
from django.db.models.functions import Cast
from django.utils import timezone
from openpyxl import load_workbook

from applications import services
from applications.models import Application, Assessment, Criterion, Round, Score
from applications.tables import StaffApplicationTable
from exports.models import ExportJob
from tests.applications.factories import RoundFactory, grants_officer, submitted_application
from tests.applications.factories import assessor as make_assessor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def old_formula_scores() -> dict[int, float | None]:
    """The list's score as it was computed before it was stored (float, per row, three correlated subqueries)."""
    total_weight = Subquery(
        Round.objects.filter(pk=OuterRef("round_id")).annotate(w=Sum("criteria__weight")).values("w")
    )
    assessors = (
        Assessment.objects.filter(application=OuterRef("pk"), completed_at__isnull=False)
        .order_by()
        .values("application")
        .annotate(n=Count("pk"))
        .values("n")
    )
    points = (
        Score.objects.filter(assessment__application=OuterRef("pk"), assessment__completed_at__isnull=False)
        .order_by()
        .values("assessment__application")
        .annotate(p=Sum(F("score") * F("criterion__weight")))
        .values("p")
    )
    rows = Application.objects.annotate(
        old=Cast(Subquery(points), FloatField())
        * 100.0
        / (
            Cast(Subquery(assessors), FloatField())
            * Cast(total_weight, FloatField())
            * Cast(F("round__scoring_scale"), FloatField())
        )
    )
    return dict(rows.values_list("pk", "old"))


def assert_stored_scores_match_the_old_formula():
    old = old_formula_scores()
    stored = dict(Application.objects.values_list("pk", "score"))
    for pk, expected in old.items():
        if expected is None:
            assert stored[pk] is None, pk
        else:
            assert stored[pk] == Decimal(f"{expected:.2f}"), (pk, stored[pk], expected)
            assert f"{stored[pk]:.0f}" == f"{expected:.0f}"  # the list's "62%" is the same as before


@pytest.fixture
def officer(db):
    return grants_officer(full_name="Grace Officer")


def in_assessment(round_=None):
    application = submitted_application(round_=round_) if round_ else submitted_application()
    services.screen(
        application_id=application.pk,
        eligible=True,
        reason="Meets the criteria",
        by=grants_officer(),
    )
    return application


def assess(application, marks: list[int], assessor=None):
    """One assessor declares no conflict and scores every criterion of the round, in order."""
    assessor = assessor or make_assessor()
    assessment = services.declare_conflict(
        application_id=application.pk, assessor=assessor, has_conflict=False
    )
    criteria = list(application.round.criteria.all())
    services.score_application(
        assessment_id=assessment.pk,
        by=assessor,
        scores={c.pk: (m, "Reason") for c, m in zip(criteria, marks, strict=True)},
    )
    application.refresh_from_db()
    return application


def test_an_application_nobody_has_assessed_has_no_score():
    application = in_assessment()
    assert application.score is None
    assert_stored_scores_match_the_old_formula()


def test_one_assessors_weighted_score_is_stored_when_they_finish(officer):
    # The factory's round: Need (weight 2), Value for money (weight 1), scored 0 to 5.
    application = in_assessment()
    assess(application, [4, 3], assessor=officer)
    assert application.score == Decimal("73.33")  # (4x2 + 3x1) / (3 x 5) = 11/15
    assert_stored_scores_match_the_old_formula()


def test_two_assessors_scores_are_averaged():
    application = in_assessment()
    assess(application, [4, 3])
    assess(application, [5, 2])
    assert application.score == Decimal("76.67")  # (11 + 12) / (2 x 15)
    assert_stored_scores_match_the_old_formula()


def test_an_assessment_not_yet_finished_or_conflicted_does_not_count():
    application = in_assessment()
    assess(application, [5, 5])
    services.declare_conflict(application_id=application.pk, assessor=make_assessor(), has_conflict=False)
    services.declare_conflict(
        application_id=application.pk,
        assessor=make_assessor(),
        has_conflict=True,
        details="I chair its board",
    )
    half_done = Assessment.objects.create(
        application=application, assessor=UserFactory(is_staff=True), has_conflict=False
    )
    Score.objects.create(
        assessment=half_done, criterion=application.round.criteria.first(), score=0, comment="x"
    )
    services.recompute_score(application)
    assert application.score == Decimal("100.00")
    assert_stored_scores_match_the_old_formula()


def test_rescoring_an_assessment_replaces_its_score(officer):
    application = assess(in_assessment(), [1, 1], assessor=officer)
    assert application.score == Decimal("20.00")
    assess(application, [5, 0], assessor=officer)
    assert application.score == Decimal("66.67")  # (5x2 + 0) / 15


def test_weights_scales_and_several_rounds_match_the_old_formula():
    heavy = RoundFactory(criteria=[], scoring_scale=4)
    for order, weight in enumerate([3, 2, 2, 2, 1, 1]):  # 11: scores with repeating decimals
        Criterion.objects.create(round=heavy, order=order, name=f"Criterion {order}", weight=weight)
    for marks in ([4, 3, 2, 1, 0, 4], [1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]):
        assess(in_assessment(heavy), marks)
    both = in_assessment(heavy)
    assess(both, [4, 4, 4, 4, 4, 4])
    assess(both, [2, 3, 1, 0, 4, 1])
    assess(in_assessment(), [3, 5])
    in_assessment(heavy)
    assert Application.objects.filter(score=Decimal("0.00")).count() == 1  # scored nought is not "no score"
    assert_stored_scores_match_the_old_formula()


def test_changing_a_criterions_weight_in_the_admin_recomputes_the_rounds_scores(client):
    application = assess(in_assessment(), [4, 3])
    assert application.score == Decimal("73.33")
    round_ = application.round
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/applications/round/{round_.pk}/change/"
    data = FormValues.of(client.get(url).content.decode())
    need = round_.criteria.get(name="Need")
    key = next(k for k, v in data.items() if k.endswith("-id") and v == str(need.pk)).removesuffix("-id")
    data[f"{key}-weight"] = "1"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    application.refresh_from_db()
    assert application.score == Decimal("70.00")  # (4x1 + 3x1) / (2 x 5)
    assert_stored_scores_match_the_old_formula()


def test_the_scoring_scale_cannot_drop_below_scores_already_given(client):
    application = assess(in_assessment(), [4, 3])
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/applications/round/{application.round.pk}/change/"
    data = FormValues.of(client.get(url).content.decode())
    data["scoring_scale"] = "3"
    page = client.post(url, data).content.decode()
    assert "Assessors have already given scores up to 4. Choose a scale of 4 or more" in page
    data["scoring_scale"] = "10"
    assert client.post(url, data).status_code == 302
    application.refresh_from_db()
    assert application.score == Decimal("36.67")  # 11 / (3 x 10)


def test_the_list_shows_sorts_and_filters_by_the_stored_score(client):
    round_ = RoundFactory()
    best, middling, unscored = (in_assessment(round_) for _ in range(3))
    assess(best, [5, 4])  # 93.33
    assess(middling, [2, 2])  # 40.00
    client.force_login(grants_officer())
    page = client.get("/staff/applications/", {"sort": "-score"}).content.decode()
    assert page.index(best.reference) < page.index(middling.reference) < page.index(unscored.reference)
    assert "93%" in page and "40%" in page
    page = client.get("/staff/applications/", {"sort": "score"}).content.decode()
    assert page.index(unscored.reference) < page.index(middling.reference) < page.index(best.reference)
    page = client.get("/staff/applications/", {"min_score": "50"}).content.decode()
    assert best.reference in page and middling.reference not in page and unscored.reference not in page


def test_the_migration_fills_in_the_scores_of_applications_assessed_before_it():
    from django.apps import apps

    backfill = importlib.import_module("applications.migrations.0005_stored_score").backfill_scores
    heavy = RoundFactory(criteria=[], scoring_scale=4)
    for order, weight in enumerate([3, 2, 2, 2, 1, 1]):
        Criterion.objects.create(round=heavy, order=order, name=f"Criterion {order}", weight=weight)
    assess(in_assessment(heavy), [4, 3, 2, 1, 0, 4])
    both = in_assessment()
    assess(both, [4, 3])
    assess(both, [5, 2])
    in_assessment()
    Application.objects.update(score=None)  # as they were before the migration added the column
    backfill(apps, None)
    assert Application.objects.filter(score__isnull=False).count() == 2
    assert_stored_scores_match_the_old_formula()


def test_the_score_column_rounds_as_it_always_has():
    table = StaffApplicationTable([])
    # Halves go to the even number, as the float it replaces did ("62%", "68%").
    for stored, shown in [
        ("62.50", "62%"),
        ("67.50", "68%"),
        ("73.33", "73%"),
        ("0.00", "0%"),
        ("100.00", "100%"),
    ]:
        assert table.render_score(Decimal(stored)) == shown == f"{float(stored):.0f}%"
    assert table.columns["score"].default == "—"


def test_the_list_opens_newest_submitted_first_whatever_the_creation_order(client):
    round_ = RoundFactory()
    first, second = submitted_application(round_=round_), submitted_application(round_=round_)
    # Drafted long ago but sent today: it is the newest arrival.
    Application.objects.filter(pk=first.pk).update(
        submitted_at=timezone.now(), created_at=timezone.now() - datetime.timedelta(days=60)
    )
    client.force_login(grants_officer())
    page = client.get("/staff/applications/").content.decode()
    assert page.index(first.reference) < page.index(second.reference)


def test_the_export_writes_the_stored_score(client, django_capture_on_commit_callbacks):
    scored = assess(in_assessment(), [4, 3])
    unscored = in_assessment()
    client.force_login(grants_officer())
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/staff/applications/export/", {})
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.READY, job.error
    rows = list(load_workbook(job.file.open("rb")).active.values)
    score_column = rows[0].index("Score (%)")
    scores = {row[0]: row[score_column] for row in rows[1:]}
    assert scores[scored.reference] == 73.3 and scores[unscored.reference] is None


class FormValues(HTMLParser):
    """What a browser would post from the page's form: inputs, checked boxes, selected options, textareas."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str | list[str]] = {}
        self._select = self._textarea = None
        self._multiple = False

    @classmethod
    def of(cls, html: str) -> dict:
        parser = cls()
        parser.feed(html[html.index("<form") :])
        return parser.data

    def _add(self, name, value):
        if self._multiple:
            self.data.setdefault(name, []).append(value)
        else:
            self.data[name] = value

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self._multiple = False
            self._add(a["name"], a.get("value") or ("on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and a.get("name"):
            self._select, self._multiple = a["name"], "multiple" in a
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._multiple = a["name"], False
            self.data[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select, self._multiple = None, False
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data
