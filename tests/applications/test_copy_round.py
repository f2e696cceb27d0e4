"""A round is copied, forms and criteria included, to start next year's; its ring fences stay with last year's
budget."""

import datetime
import html
from types import SimpleNamespace

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from applications import services
from applications.models import FormPurpose, Question, QuestionKind, Round, RoundRingFence, Section
from audit.models import AuditEvent
from funds.models import BudgetLine
from tests.applications.factories import RoundFactory, grants_officer, staff_in
from tests.factories import AreaFactory, BudgetFactory, FinancialYearFactory, FundingStreamFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:applications_round_changelist")


def at(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


@pytest.fixture
def last_year():
    stream = FundingStreamFactory(name="Victims Fund")
    old = BudgetFactory(stream=stream, year=FinancialYearFactory(start_year=2024), pot="100000")
    new = BudgetFactory(stream=stream, year=FinancialYearFactory(start_year=2025), pot="120000")
    reserve = BudgetLine.objects.create(budget=old, kind=BudgetLine.Kind.RESERVE, name="Reserve", amount=1000)
    BudgetLine.objects.create(budget=new, kind=BudgetLine.Kind.RESERVE, name="Reserve", amount=1000)
    fence = BudgetLine.objects.create(
        budget=old, kind=BudgetLine.Kind.RING_FENCE, name="Domestic abuse", amount=5000
    )
    areas = [AreaFactory(name="Coventry"), AreaFactory(name="Walsall")]
    round_ = RoundFactory(
        budget=old,
        name="Victims Fund 2024/25",
        areas=areas,
        questions=[],
        opens_at=at(2024, 5, 1, 9),
        closes_at=at(2024, 6, 28, 17),
        default_line=reserve,
        projects_end_on=datetime.date(2025, 3, 31),
    )
    RoundRingFence.objects.create(round=round_, theme="Domestic abuse", line=fence)
    about = Section.objects.create(round=round_, order=1, title="Who you support")
    report = Section.objects.create(round=round_, order=1, title="What you did", purpose=FormPurpose.REPORT)
    by_and_for = Question.objects.create(
        round=round_, section=about, order=1, kind=QuestionKind.YES_NO, text="Are you a by and for service?"
    )
    Question.objects.create(
        round=round_,
        section=about,
        order=2,
        kind=QuestionKind.SINGLE_CHOICE,
        text="Which community?",
        options="Black and minoritised\nDeaf and disabled\nLGBT+",
        shown_if=by_and_for,
        shown_if_value="Yes",
    )
    team = Question.objects.create(
        round=round_, section=about, order=3, kind=QuestionKind.REPEATING_GROUP, text="Your staff"
    )
    Question.objects.create(
        round=round_, section=about, order=4, kind=QuestionKind.MONEY, text="Salary", group=team
    )
    Question.objects.create(
        round=round_,
        section=report,
        order=1,
        kind=QuestionKind.WHOLE_NUMBER,
        text="Victims supported",
        output="Victims supported",
    )
    return SimpleNamespace(round=round_, new_budget=new, areas=areas)


def copy(last_year, by, **overrides):
    values = {
        "round_id": last_year.round.pk,
        "name": "Victims Fund 2025/26",
        "slug": "victims-fund-2025-26",
        "budget_id": last_year.new_budget.pk,
        "opens_at": at(2025, 5, 1, 9),
        "closes_at": at(2025, 6, 27, 17),
        "by": by,
        **overrides,
    }
    return services.copy_round(**values)


def test_a_copy_has_the_rounds_forms_with_conditions_and_groups_pointing_at_its_own_questions(last_year):
    new = copy(last_year, grants_officer())

    old = last_year.round
    assert [(s.purpose, s.title) for s in new.sections.order_by("purpose", "order")] == [
        (s.purpose, s.title) for s in old.sections.order_by("purpose", "order")
    ]
    asked = {q.text: q for q in new.questions.select_related("section", "group", "shown_if")}
    assert set(asked) == set(old.questions.values_list("text", flat=True))
    assert all(q.section.round_id == new.pk for q in asked.values())
    assert asked["Which community?"].shown_if == asked["Are you a by and for service?"]
    assert asked["Which community?"].shown_if_value == "Yes"
    assert asked["Salary"].group == asked["Your staff"]
    assert asked["Victims supported"].output == "Victims supported"
    # The old round's questions still point at their own.
    assert old.questions.get(text="Salary").group.round_id == old.pk
    # And the copy's forms read the same as the old round's, question for question.
    for purpose in FormPurpose.values:
        assert _without_keys(services.live_definition(new, purpose)) == _without_keys(
            services.live_definition(old, purpose)
        )


def _without_keys(value):
    """A form definition with its ids left out, so two rounds' forms compare by what they ask."""
    if isinstance(value, dict):
        return {k: _without_keys(v) for k, v in value.items() if k not in ("key", "question")}
    if isinstance(value, list):
        return [_without_keys(v) for v in value]
    return value


def test_a_copy_takes_the_criteria_and_set_up_but_not_the_ring_fences(last_year):
    new = copy(last_year, grants_officer())

    old = last_year.round
    assert list(new.criteria.values_list("order", "name", "weight")) == list(
        old.criteria.values_list("order", "name", "weight")
    )
    assert not new.ring_fences.exists()
    assert old.ring_fences.count() == 1
    assert set(new.areas.all()) == set(last_year.areas)
    assert (new.organisation_types, new.requirements) == (old.organisation_types, old.requirements)
    assert new.default_line == BudgetLine.objects.get(budget=last_year.new_budget, name="Reserve")
    assert new.projects_end_on == datetime.date(2026, 3, 31)
    event = AuditEvent.objects.get(action="round.copied")
    assert (
        event.object_id == new.pk and event.after["copied_from"] == old.pk and event.after["questions"] == 5
    )


def test_a_copy_is_refused_by_someone_who_may_not_set_up_rounds(last_year):
    with pytest.raises(services.RoundCopyError, match="permission"):
        copy(last_year, staff_in(roles.ASSESSOR))
    assert not Round.objects.filter(slug="victims-fund-2025-26").exists()


def test_a_copy_opening_outside_its_budgets_years_is_refused(last_year):
    with pytest.raises(services.RoundCopyError, match="Victims Fund budget for 2025/26"):
        copy(last_year, grants_officer(), opens_at=at(2024, 5, 1, 9))
    assert not Round.objects.filter(slug="victims-fund-2025-26").exists()


def _action(client, last_year, **form):
    return client.post(
        CHANGELIST,
        {
            "action": "copy_selected",
            ACTION_CHECKBOX_NAME: [str(last_year.round.pk)],
            **({"confirm": "yes", **form} if form else {}),
        },
    )


def test_a_grants_officer_copies_a_round_from_the_rounds_list(client, last_year):
    client.force_login(grants_officer())
    asked = _action(client, last_year)
    assert asked.status_code == 200
    page = html.unescape(asked.content.decode())
    assert "Ring-fenced themes are not copied" in page
    assert f'<option value="{last_year.new_budget.pk}" selected>' in asked.content.decode()

    response = _action(
        client,
        last_year,
        name="Victims Fund 2025/26",
        slug="victims-fund-2025-26",
        budget=last_year.new_budget.pk,
        opens_on="1/5/2025",
        closes_on="27/6/2025",
    )

    assert response.status_code == 302
    new = Round.objects.get(slug="victims-fund-2025-26")
    # At the copied round's own times of day.
    assert (new.opens_at, new.closes_at) == (at(2025, 5, 1, 9), at(2025, 6, 27, 17))
    assert new.questions.count() == 5
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Ring-fenced themes were not copied" in m for m in said)


def test_the_copy_form_refuses_dates_outside_the_budgets_years_and_a_used_address(client, last_year):
    client.force_login(grants_officer())

    response = _action(
        client,
        last_year,
        name="Victims Fund 2025/26",
        slug=last_year.round.slug,
        budget=last_year.new_budget.pk,
        opens_on="1/5/2027",
        closes_on="27/6/2027",
    )

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Another round already has this web address. Choose another" in page
    assert (
        "The round's money is in the Victims Fund budget for 2025/26 (1 April 2025 to 31 March 2026). "
        "Choose an opening date in that year: no later year that is still open has a Victims Fund budget"
        in page
    )
    assert Round.objects.count() == 1


def test_only_people_who_may_add_rounds_are_offered_the_copy(client, last_year):
    client.force_login(staff_in(roles.ASSESSOR))
    page = client.get(CHANGELIST).content.decode()
    assert "copy_selected" not in page
    client.force_login(grants_officer())
    assert "copy_selected" in client.get(CHANGELIST).content.decode()
