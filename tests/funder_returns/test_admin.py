"""The funder's form is data: the office edits its sections and questions in admin and the next return follows,
with no change of code; a question that points at the wrong kind of row is refused with a message."""

from decimal import Decimal

import pytest

from funder_returns import services
from funder_returns.models import ReturnQuestion, ReturnSection
from providers.models import Measure
from tests.funder_returns.test_pages import signed_in

pytestmark = pytest.mark.django_db
ADD_SECTION = "/admin/funder_returns/returnsection/add/"


def section_form(world, **question):
    return {
        "template": world.template.pk,
        "heading": "Referrals",
        "order": 9,
        "questions-TOTAL_FORMS": 1,
        "questions-INITIAL_FORMS": 0,
        "questions-MIN_NUM_FORMS": 0,
        "questions-MAX_NUM_FORMS": 1000,
        **{f"questions-0-{k}": v for k, v in {"order": 1, "theme": "", **question}.items()},
    }


def test_a_question_added_in_admin_is_in_the_next_return_built(world, client):
    world.accepted("Refuge", 1, {"referrals_received": 7})
    world.accepted("Counselling", 2, {"referrals_received": 4})
    before = services.prepare_return(
        template_id=world.template.pk, year_id=world.year.pk, period_code="H1", by=world.commissioner
    )
    assert not before.figures.filter(label="Victims referred").exists()

    response = signed_in(client, world.commissioner).post(
        ADD_SECTION,
        section_form(
            world,
            label="Victims referred",
            source=ReturnQuestion.Source.MEASURE,
            measure=world.measure("referrals_received").pk,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    after = services.prepare_return(
        template_id=world.template.pk, year_id=world.year.pk, period_code="H1", by=world.commissioner
    )
    figure = after.figures.get(label="Victims referred")
    assert figure.section_heading == "Referrals"
    assert figure.value == Decimal(11)


def test_a_question_taking_a_measure_from_another_monitoring_template_is_refused(world, client):
    elsewhere = Measure.objects.exclude(template=world.victims).exclude(kind=Measure.Kind.TEXT).first()

    response = signed_in(client, world.commissioner).post(
        ADD_SECTION,
        section_form(world, label="Caseload", source=ReturnQuestion.Source.MEASURE, measure=elsewhere.pk),
    )

    assert response.status_code == 200
    assert (
        "Choose a measure from Victims&#x27; services, the monitoring template this return is filled from"
        in (response.content.decode())
    )
    assert not ReturnSection.objects.filter(heading="Referrals").exists()


@pytest.mark.parametrize(
    ("source", "where", "field", "message"),
    [
        (ReturnQuestion.Source.MEASURE, {}, "measure", "Choose the measure this figure adds up."),
        (ReturnQuestion.Source.OPTION, {}, "option", "Choose the breakdown option this figure counts."),
        (ReturnQuestion.Source.SPEND, {"measure": "new_victims"}, "measure", "Leave it blank."),
        (ReturnQuestion.Source.MEASURE, {"measure": "notes"}, "measure", "A text measure has no figure"),
    ],
)
def test_a_question_says_what_is_wrong_with_it(world, source, where, field, message):
    from django.core.exceptions import ValidationError

    question = ReturnQuestion(
        section=world.questions["spend"].section,
        label="A figure",
        source=source,
        measure=world.measure(where["measure"]) if "measure" in where else None,
    )
    with pytest.raises(ValidationError) as caught:
        question.full_clean()
    assert any(message in m for m in caught.value.message_dict[field])
