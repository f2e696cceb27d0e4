"""Hostile values posted to every applicant task page and every staff assessment form: never a server error, and
a value the form refuses never reaches the database.

Hypothesis picks, for each field of the form, a hostile value (tests.robustness.forms.HOSTILE: huge and negative
numbers, "74, 626", 1e400, NaN, NUL, 10,000 characters, right-to-left text, formulas), a plausible one, random
text, two values at once, or nothing at all. Each example runs in a savepoint that is rolled back, so every one
starts from the same application.
"""

from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications import services
from applications.forms import (
    BudgetTaskForm,
    DeclarationsTaskForm,
    DocumentsTaskForm,
    OrganisationTaskForm,
    ProjectTaskForm,
)
from applications.models import (
    Application,
    Assessment,
    Award,
    InformationRequest,
    RoundRingFence,
    Score,
    Status,
)
from applications.workflow import move
from audit.models import AuditEvent
from funds.models import BudgetLine
from tests.applications.factories import (
    RoundFactory,
    area_line,
    complete_application,
    grants_officer,
    submitted_application,
)
from tests.robustness.forms import HOSTILE

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PLAUSIBLE = [
    "yes",
    "no",
    "none",
    "on",
    "approve",
    "decline",
    "continue",
    "later",
    "add_row",
    "0",
    "3",
    "5",
    "6",
    "500",
    "1000",
    "1,000",
    "2500.50",
    "10000",
    "10000.01",
    "Hi-vis jackets",
    "Sam Jones",
    "07700 900 982",
    "Because it meets every criterion",
]
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)


def posted(names: list[str], plausible: list[str]):
    """A POST body: each field gets one value, two values, or is left out."""
    one = st.one_of(st.sampled_from(HOSTILE), st.sampled_from(PLAUSIBLE + plausible), TEXT)
    return st.fixed_dictionaries(
        {}, optional={name: st.one_of(one, st.lists(one, min_size=2, max_size=2)) for name in names}
    )


class _RollBack(Exception):
    pass


@contextmanager
def rolled_back():
    try:
        with transaction.atomic():
            yield
            raise _RollBack
    except _RollBack:
        pass


def _tally(record_property, request, response):
    counts = request.node.__dict__.setdefault("_hostile_counts", {"requests": 0, "server_errors": 0})
    counts["requests"] += 1
    counts["server_errors"] += response.status_code >= 500
    request.node.user_properties[:] = [
        p for p in request.node.user_properties if not p[0].startswith("robustness_")
    ]
    record_property("robustness_requests", counts["requests"])
    record_property("robustness_server_errors", counts["server_errors"])


def _no_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, dict):
        return all(_no_nul(k) and _no_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_no_nul(v) for v in value)
    return True


# --- The applicant's task pages ------------------------------------------------------------------------------------

TASK_FORMS = {
    "organisation": OrganisationTaskForm,
    "project": ProjectTaskForm,
    "budget": BudgetTaskForm,
    "documents": DocumentsTaskForm,
    "declarations": DeclarationsTaskForm,
}


def _stored(application: Application, name: str):
    """What the database holds for one field of a task form, to compare before and after a refusal."""
    if name.startswith("q_"):
        return application.answers.get(name[2:])
    if name.startswith("item_"):
        return list(application.budget_items.values_list("order", "description", "amount"))
    if name in ("true_and_complete", "use_for_project", "monitoring"):
        return application.declared_at
    if name in ("area", "ring_fence"):
        return getattr(application, f"{name}_id")
    if name.startswith("has_"):
        return None  # an unticked box is an answer (not confirmed), so a refusal does change it
    return getattr(application, name, None)


@pytest.fixture
def draft(db):
    round_ = RoundFactory(maximum_grant=Decimal("10000"))
    RoundRingFence.objects.create(
        round=round_,
        theme="Street Watch",
        line=BudgetLine.objects.create(
            budget=round_.budget, kind=BudgetLine.Kind.RING_FENCE, name="Street Watch", amount=Decimal("1000")
        ),
    )
    return complete_application(round_=round_, amount=Decimal("5000"))


@pytest.mark.parametrize("task", list(TASK_FORMS))
def test_hostile_values_on_a_task_page_are_refused_with_a_message_and_change_nothing(
    task, draft, client, request, record_property
):
    client.force_login(draft.created_by)
    round_ = draft.round
    kwargs = {"rows": 3} if task == "budget" else {}
    names = list(TASK_FORMS[task](application=draft, **kwargs).fields) + ["rows"] * (task == "budget")
    plausible = [str(round_.areas.first().pk), str(round_.ring_fences.first().pk)]

    @EXAMPLES
    @given(
        data=posted(names, plausible), action=st.sampled_from(["continue", "later", "add_row", "", "x" * 300])
    )
    def check(data, action):
        with rolled_back():
            before = Application.objects.get(pk=draft.pk)
            # The same form the page builds, as the oracle for which fields it refuses.
            rows = _rows_the_page_builds(before, data) if task == "budget" else None
            oracle = TASK_FORMS[task](
                _as_querydict(data), application=before, **({"rows": rows} if rows else {})
            )
            refused = set(oracle.errors) if not oracle.is_valid() else set()
            stored_before = {name: _stored(before, name) for name in refused}

            response = client.post(f"/applications/{draft.pk}/{task}/", {**data, "action": action})
            _tally(record_property, request, response)

            assert response.status_code in (200, 302), response.status_code
            after = Application.objects.get(pk=draft.pk)
            for name in refused - {"__all__"}:
                assert _stored(after, name) == stored_before[name], f"{name} was refused but changed"
            if refused:
                assert task not in after.completed_tasks
            assert (
                after.amount_requested is None
                or round_.minimum_grant <= after.amount_requested <= round_.maximum_grant
            )
            assert all(
                Decimal("0") < amount <= round_.maximum_grant
                for amount in after.budget_items.values_list("amount", flat=True)
            )
            for value in (
                after.contact_name,
                after.contact_phone,
                after.project_title,
                after.project_summary,
                after.declared_by_name,
                after.answers,
                after.drafts,
            ):
                assert _no_nul(value)

    check()


def _rows_the_page_builds(application, data) -> int:
    from applications.views.drafting import _budget_rows, _initial

    class Posted:
        POST = _as_querydict(data)
        GET = {}

    return _budget_rows(Posted, application, _initial(application, "budget"))


def _as_querydict(data):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for name, value in data.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    return query


# --- The staff assessment pages ------------------------------------------------------------------------------------


def _snapshot(application_id: int) -> dict:
    return {
        "application": list(Application.objects.filter(pk=application_id).values()),
        "events": list(
            AuditEvent.objects.filter(
                content_type=ContentType.objects.get_for_model(Application), object_id=application_id
            )
            .order_by("pk")
            .values()
        ),
        "assessments": list(Assessment.objects.filter(application_id=application_id).order_by("pk").values()),
        "scores": list(
            Score.objects.filter(assessment__application_id=application_id).order_by("pk").values()
        ),
        "requests": list(
            InformationRequest.objects.filter(application_id=application_id).order_by("pk").values()
        ),
        "awards": list(Award.objects.filter(application_id=application_id).values()),
        "audit": AuditEvent.objects.count(),
    }


def _in_assessment(application, staff):
    with transaction.atomic():
        move(application, Status.IN_ASSESSMENT, by=staff, reason="Eligible")
    return application


@pytest.fixture
def staff_case(db):
    """For each staff action, an application at the stage where the form is offered, and the officer acting."""
    officer, colleague = grants_officer(), grants_officer()
    round_ = RoundFactory()
    area_line(round_, amount="100000")
    cases = {}
    cases["screen"] = cases["request_information"] = submitted_application(round_=round_)
    cases["conflict"] = _in_assessment(submitted_application(round_=round_), colleague)
    scoring = _in_assessment(submitted_application(round_=round_), colleague)
    services.declare_conflict(application_id=scoring.pk, assessor=officer, has_conflict=False)
    cases["score"] = scoring
    recommending = _in_assessment(submitted_application(round_=round_), colleague)
    assessment = services.declare_conflict(
        application_id=recommending.pk, assessor=officer, has_conflict=False
    )
    scores = {c.pk: (3, "Good") for c in round_.criteria.all()}
    services.score_application(assessment_id=assessment.pk, scores=scores, by=officer)
    cases["recommend"] = recommending
    deciding = _in_assessment(submitted_application(round_=round_), colleague)
    assessment = services.declare_conflict(application_id=deciding.pk, assessor=colleague, has_conflict=False)
    services.score_application(assessment_id=assessment.pk, scores=scores, by=colleague)
    services.recommend(application_id=deciding.pk, amount=Decimal("4000"), reason="Good", by=colleague)
    cases["decide"] = deciding
    return officer, cases


STAFF_FIELDS = {
    "screen": ("screen", ["eligible", "reason"]),
    "request_information": ("info", ["question"]),
    "conflict": ("conflict", ["has_conflict", "details"]),
    "score": ("score", None),  # one score and one comment per criterion
    "recommend": ("recommend", ["amount", "reason"]),
    "decide": ("decide", ["outcome", "reason", "decision", "line"]),
}


@pytest.mark.parametrize("action", list(STAFF_FIELDS))
def test_hostile_values_on_a_staff_form_are_refused_with_a_message_and_change_nothing(
    action, staff_case, client, request, record_property
):
    officer, cases = staff_case
    application = cases[action]
    client.force_login(officer)
    prefix, fields = STAFF_FIELDS[action]
    if fields is None:
        criteria = list(application.round.criteria.all())
        fields = [f"score_{c.pk}" for c in criteria] + [f"comment_{c.pk}" for c in criteria]
    names = [f"{prefix}-{name}" for name in fields]
    plausible = [str(line.pk) for line in BudgetLine.objects.filter(budget=application.round.budget)]

    @EXAMPLES
    @given(data=posted(names, plausible))
    def check(data):
        with rolled_back():
            before = _snapshot(application.pk)

            response = client.post(f"/staff/applications/{application.pk}/{action}/", data)
            _tally(record_property, request, response)

            assert response.status_code in (200, 302), response.status_code
            if response.status_code == 200:  # refused: the page again, with the error summary
                assert "govuk-error-summary" in response.content.decode()
                assert _snapshot(application.pk) == before
            else:
                assert _no_nul(_snapshot(application.pk))

    check()


# --- Each server error the examples above found, as a plain regression test ----------------------------------------


def test_a_nul_byte_typed_on_a_task_page_is_refused_and_the_rest_of_the_draft_is_kept(draft, client):
    client.force_login(draft.created_by)
    response = client.post(
        f"/applications/{draft.pk}/organisation/",
        {"contact_name": "Sam\x00Jones", "contact_phone": "07700 900 982", "action": "continue"},
    )
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    draft.refresh_from_db()
    assert draft.contact_name == "Sam Jones" and draft.drafts["organisation"]["contact_name"] == "SamJones"


def test_a_budget_item_dearer_than_the_rounds_largest_grant_is_refused_with_the_limit(draft, client):
    client.force_login(draft.created_by)
    response = client.post(
        f"/applications/{draft.pk}/budget/",
        {
            "rows": "3",
            "item_1_description": "Coaches",
            "item_1_amount": "20,000",
            "item_2_description": "Kit",
            "item_2_amount": "1800",
            "action": "continue",
        },
    )
    assert response.status_code == 200
    assert "The cost of item 1 must be £10,000 or less" in response.content.decode()


def test_budget_rows_saved_for_later_with_an_error_leave_the_stored_rows_as_they_were(draft, client):
    client.force_login(draft.created_by)
    items = list(draft.budget_items.values_list("description", "amount"))
    for amount in ("99999999999999999999", "20000", "1e400"):
        response = client.post(
            f"/applications/{draft.pk}/budget/",
            {
                "rows": "3",
                "item_1_description": "Coaches",
                "item_1_amount": amount,
                "item_2_description": "Kit",
                "item_2_amount": "1800",
                "action": "later",
            },
        )
        assert response.status_code == 302
        assert list(draft.budget_items.values_list("description", "amount")) == items
        draft.refresh_from_db()
        assert draft.drafts["budget"]["item_1_amount"] == amount  # what was typed comes back on the page


def test_a_10000_character_answer_is_refused_with_the_limit(draft, client):
    client.force_login(draft.created_by)
    question = draft.round.questions.first()
    response = client.post(
        f"/applications/{draft.pk}/s{question.section_id}/",
        {f"q_{question.pk}": "x" * 10_000, "action": "continue"},
    )
    assert "Your answer must be 1,500 characters or fewer" in response.content.decode()
    draft.refresh_from_db()
    assert draft.answers[str(question.pk)] == "Young people"


def test_a_made_up_action_on_a_page_without_rows_saves_like_continue(draft, client):
    client.force_login(draft.created_by)
    response = client.post(
        f"/applications/{draft.pk}/organisation/",
        {"contact_name": "Sam Jones", "contact_phone": "07700 900 982", "action": "add_row"},
    )
    assert response.status_code in (200, 302)


def test_a_score_outside_the_scale_says_what_to_fix(staff_case, client):
    officer, cases = staff_case
    application = cases["score"]
    criterion = application.round.criteria.first()
    client.force_login(officer)
    response = client.post(
        f"/staff/applications/{application.pk}/score/",
        {f"score-score_{criterion.pk}": "99999999999999999999"},
    )
    assert f"Score for {criterion.name} must be between 0 and 5" in response.content.decode()


def test_a_recommended_amount_too_large_for_the_column_is_refused_and_changes_nothing(staff_case, client):
    officer, cases = staff_case
    application = cases["recommend"]
    client.force_login(officer)
    response = client.post(
        f"/staff/applications/{application.pk}/recommend/",
        {"recommend-amount": "99999999999999999999", "recommend-reason": "Good"},
    )
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.IN_ASSESSMENT and application.recommended_amount is None
