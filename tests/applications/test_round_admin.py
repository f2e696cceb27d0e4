"""A grants officer sets up a round and builds its forms in admin, posting the pages as a browser would: who may
apply as ticked boxes, dates inside the years the round's money may be spent in, and each question checked with a
message that says what to fix."""

import datetime
import html
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from applications import services
from applications.models import Application, FormPurpose, Question, QuestionKind, Round, Section
from tests.applications.admin_pages import add_row, form_data, set_fields
from tests.applications.factories import OrganisationFactory, RoundFactory, grants_officer, staff_in
from tests.factories import AreaFactory, BudgetFactory, FinancialYearFactory, FundingStreamFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:applications_round_add")


def at(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


@pytest.fixture
def fund():
    """The Helping Communities Fund's 2024/25 budget, its 2025/26 one, and 2026/27 open with no budget of the
    fund's (another stream has one)."""
    stream = FundingStreamFactory(name="Helping Communities Fund")
    years = {y: FinancialYearFactory(start_year=y) for y in (2024, 2025, 2026)}
    budget = BudgetFactory(stream=stream, year=years[2024], pot="100000")
    BudgetFactory(stream=stream, year=years[2025])
    BudgetFactory(year=years[2026])
    return SimpleNamespace(stream=stream, years=years, budget=budget, area=AreaFactory(name="Coventry"))


@pytest.fixture
def round_(fund):
    return RoundFactory(
        budget=fund.budget,
        areas=[fund.area],
        questions=[],
        opens_at=at(2024, 5, 1, 9),
        closes_at=at(2024, 6, 28, 17),
    )


@pytest.fixture
def officer(client):
    person = grants_officer()
    client.force_login(person)
    return person


def change_url(round_) -> str:
    return reverse("admin:applications_round_change", args=[round_.pk])


def page_of(response) -> str:
    return html.unescape(response.content.decode())


def post(client, url: str, data: dict):
    data["_save"] = ["Save"]
    return client.post(url, data)


def errors_of(response) -> str:
    if response.status_code != 200 or response.context is None:
        return ""
    form = response.context.get("adminform")
    inlines = response.context.get("inline_admin_formsets") or []
    return str(form.form.errors if form else "") + "".join(str(i.formset.errors) for i in inlines)


# --- Setting a round up ------------------------------------------------------------------------------------------


def test_a_grants_officer_sets_up_a_round_by_ticking_who_may_apply(client, officer, fund):
    page = page_of(client.get(ADD))
    assert 'type="checkbox" name="organisation_types" value="constituted_group"' in page
    assert 'type="checkbox" name="requirements" value="bank_account"' in page
    assert "Save the round first: its sections can then be chosen here" in page
    data = set_fields(
        form_data(page, "round_form"),
        budget=fund.budget.pk,
        name="Helping Communities 2024/25",
        slug="helping-communities-2024-25",
        reference_prefix="HCX",
        summary="Small grants for community safety.",
        opens_at_0="01/05/2024",
        opens_at_1="09:00:00",
        closes_at_0="28/06/2024",
        closes_at_1="17:00:00",
        minimum_grant="250",
        maximum_grant="5000",
        areas=[str(fund.area.pk)],
        organisation_types=["registered_charity", "constituted_group"],
        requirements=["bank_account"],
    )

    response = post(client, ADD, data)

    assert response.status_code == 302, errors_of(response)
    created = Round.objects.get(slug="helping-communities-2024-25")
    assert created.organisation_types == ["registered_charity", "constituted_group"]
    assert created.requirements == ["bank_account"]
    shown = form_data(page_of(client.get(change_url(created))), "round_form")
    assert shown["organisation_types"] == ["registered_charity", "constituted_group"]
    assert shown["requirements"] == ["bank_account"]


def test_a_round_with_no_kind_of_organisation_ticked_is_refused(client, officer, round_):
    data = set_fields(form_data(page_of(client.get(change_url(round_))), "round_form"), organisation_types=[])
    data.pop("organisation_types")

    response = post(client, change_url(round_), data)

    assert response.status_code == 200
    assert "Choose at least one kind of organisation that may apply" in page_of(response)
    round_.refresh_from_db()
    assert round_.organisation_types


OUTSIDE_2024 = (
    "The round's money is in the Helping Communities Fund budget for 2024/25 (1 April 2024 to 31 March 2025). "
    "Choose an opening date in that year, or in a later open year with a Helping Communities Fund budget (2025/26)"
)


def test_a_round_opening_in_a_year_without_the_funds_budget_is_refused_with_the_reason(
    client, officer, round_
):
    data = set_fields(
        form_data(page_of(client.get(change_url(round_))), "round_form"),
        opens_at_0="01/05/2026",
        closes_at_0="28/06/2026",
    )

    response = post(client, change_url(round_), data)

    assert response.status_code == 200
    page = page_of(response)
    assert OUTSIDE_2024 in page
    assert OUTSIDE_2024.replace("an opening", "a closing") in page
    round_.refresh_from_db()
    assert round_.opens_at == at(2024, 5, 1, 9)


def test_a_round_may_take_applications_in_a_later_open_year_of_the_same_fund(client, officer, round_):
    data = set_fields(
        form_data(page_of(client.get(change_url(round_))), "round_form"),
        closes_at_0="30/04/2025",
    )

    response = post(client, change_url(round_), data)

    assert response.status_code == 302, errors_of(response)
    round_.refresh_from_db()
    assert round_.closes_at == at(2025, 4, 30, 17)


def test_a_later_year_once_closed_is_no_longer_offered(round_, fund):
    fund.years[2025].closed_at = timezone.now()
    fund.years[2025].save()
    round_.closes_at = at(2025, 4, 30, 17)

    with pytest.raises(ValidationError) as refused:
        round_.full_clean()

    assert refused.value.message_dict["closes_at"] == [
        "The round's money is in the Helping Communities Fund budget for 2024/25 (1 April 2024 to 31 March 2025). "
        "Choose a closing date in that year: no later year that is still open has a Helping Communities Fund budget"
    ]


def test_every_path_that_cleans_a_round_checks_its_dates(round_):
    round_.opens_at, round_.closes_at = at(2026, 5, 1, 9), at(2026, 6, 1, 9)
    with pytest.raises(ValidationError) as refused:
        round_.full_clean()
    assert refused.value.message_dict["opens_at"] == [OUTSIDE_2024]

    round_.opens_at, round_.closes_at = at(2024, 6, 1), at(2024, 5, 1)
    with pytest.raises(ValidationError) as refused:
        round_.full_clean()
    assert refused.value.message_dict["closes_at"] == ["The closing date must be after the opening date"]


def test_a_round_closing_at_midnight_starting_1_april_closes_in_the_year_before(round_, fund):
    fund.years[2025].closed_at = timezone.now()
    fund.years[2025].save()
    round_.closes_at = at(2025, 4, 1, 0, 0)
    round_.full_clean()  # no error


# --- Building its forms ------------------------------------------------------------------------------------------


@pytest.fixture
def form(round_):
    """Two application sections and a report section; a yes/no question, and a repeating group with one column."""
    about = Section.objects.create(round=round_, order=1, title="Who you help")
    staff = Section.objects.create(round=round_, order=2, title="Your staff")
    report = Section.objects.create(round=round_, order=1, title="What you did", purpose=FormPurpose.REPORT)
    victims = Question.objects.create(
        round=round_, section=about, order=1, kind=QuestionKind.YES_NO, text="Do you work with victims?"
    )
    team = Question.objects.create(
        round=round_, section=staff, order=1, kind=QuestionKind.REPEATING_GROUP, text="Your team"
    )
    role = Question.objects.create(
        round=round_, section=staff, order=2, kind=QuestionKind.SHORT_TEXT, text="Role", group=team
    )
    return SimpleNamespace(about=about, staff=staff, report=report, victims=victims, team=team, role=role)


def row_of(data: dict, question: Question) -> str:
    """The number of the question's row in the page's questions inline."""
    return next(
        name.split("-")[1]
        for name, values in data.items()
        if name.startswith("questions-") and name.endswith("-id") and values == [str(question.pk)]
    )


def with_question(client, round_, **fields) -> dict:
    data = form_data(page_of(client.get(change_url(round_))), "round_form")
    row = {
        "id": "",
        "order": "5",
        "kind": "short_text",
        "text": "A new question",
        "required": "on",
        "max_words": "250",
        "max_rows": "10",
    }
    row.update(fields)
    add_row(data, "questions", **row)
    return data


def test_the_round_page_offers_only_its_own_sections_and_questions(client, officer, round_, form):
    other = RoundFactory(questions=[])
    Section.objects.create(round=other, title="Another round's section")
    Question.objects.create(
        round=other,
        section=other.sections.get(),
        kind=QuestionKind.YES_NO,
        text="Another round's question",
    )

    page = page_of(client.get(change_url(round_)))

    assert "Who you help (application form)" in page and "What you did (end-of-grant report)" in page
    assert "Who you help: Do you work with victims?" in page and "Your staff: Your team" in page
    assert "Another round's section" not in page and "Another round's question" not in page


@pytest.mark.parametrize(
    "fields, field, message",
    [
        (
            {"kind": "single_choice", "options": "Only one"},
            "options",
            "Enter at least 2 options, one on each line",
        ),
        (
            {"kind": "multiple_choice", "options": "Adults\nChildren\nadults"},
            "options",
            '"adults" is entered more than once. Enter each option once',
        ),
        (
            {"kind": "yes_no", "options": "Yes\nNo"},
            "options",
            "Leave the options empty: a yes or no question always offers Yes and No",
        ),
        ({"kind": "long_text", "max_words": "2001"}, "max_words", "Enter a word limit from 1 to 2000"),
        ({"kind": "long_text", "max_words": "0"}, "max_words", "Enter a word limit from 1 to 2000"),
        (
            {"kind": "long_text", "max_words": "99999999999999999999"},
            "max_words",
            "Enter a word limit from 1 to 2000",
        ),
        ({"kind": "long_text", "max_words": "lots"}, "max_words", "Enter a word limit from 1 to 2000"),
        ({"kind": "repeating_group", "max_rows": "51"}, "max_rows", "Enter the most rows from 1 to 50"),
        ({"kind": "repeating_group", "max_rows": "-1"}, "max_rows", "Enter the most rows from 1 to 50"),
        (
            {"kind": "long_text", "group": "team"},
            "kind",
            "A column of a repeating group must be short text, a whole number, an amount of money or a date",
        ),
        (
            {"section": "about", "group": "team"},
            "group",
            '"Your team" is in the section "Your staff". A column must be in the same section as its repeating group',
        ),
        (
            {"section": "about", "order": "0", "shown_if": "victims", "shown_if_value": "Yes"},
            "shown_if",
            '"Do you work with victims?" comes after this question. A question can depend only on an earlier one',
        ),
        (
            {"section": "about", "shown_if": "victims", "shown_if_value": "Maybe"},
            "shown_if_value",
            '"Maybe" is not an answer to "Do you work with victims?". Enter one of: Yes, No',
        ),
        (
            {"section": "about", "shown_if": "victims"},
            "shown_if_value",
            "Enter the answer that shows this question: Yes, No",
        ),
        (
            {"section": "about", "shown_if_value": "Yes"},
            "shown_if_value",
            "Choose the question this one depends on, or leave the answer empty",
        ),
        (
            {"section": "report", "shown_if": "victims", "shown_if_value": "Yes"},
            "shown_if",
            '"Do you work with victims?" is on the application form. A question can depend only on a question '
            "of the same form",
        ),
        (
            {"section": "about", "kind": "whole_number", "output": "People helped"},
            "output",
            "Only answers on the end-of-grant report add up into the year's figures",
        ),
        (
            {"section": "report", "kind": "long_text", "output": "People helped"},
            "output",
            "Only whole number questions add up into the year's figures",
        ),
    ],
)
def test_a_question_that_breaks_a_rule_is_refused_with_what_to_fix(
    client, officer, round_, form, fields, field, message
):
    fields = {"section": "staff", **fields}
    row = {
        name: getattr(form, value).pk if hasattr(form, str(value)) else value
        for name, value in fields.items()
    }
    before = Question.objects.count()

    response = post(client, change_url(round_), with_question(client, round_, **row))

    assert response.status_code == 200
    assert message in page_of(response)
    inline = next(i for i in response.context["inline_admin_formsets"] if i.formset.model is Question)
    assert any(message in " ".join(f.errors.get(field, [])) for f in inline.formset.forms)
    assert Question.objects.count() == before


def test_a_conditional_question_and_a_new_column_are_saved(client, officer, round_, form):
    data = with_question(
        client,
        round_,
        section=form.about.pk,
        order="2",
        kind="multiple_choice",
        text="Which victims do you support?",
        options="Adults\nChildren",
        shown_if=form.victims.pk,
        shown_if_value="yes",  # the answer is matched without regard to case
    )
    add_row(
        data,
        "questions",
        id="",
        section=form.staff.pk,
        order="3",
        kind="whole_number",
        text="Hours a week",
        group=form.team.pk,
        required="on",
        max_words="250",
        max_rows="10",
    )

    response = post(client, change_url(round_), data)

    assert response.status_code == 302, errors_of(response)
    asked = Question.objects.get(text="Which victims do you support?")
    assert (asked.shown_if, asked.shown_if_value, asked.option_list) == (
        form.victims,
        "yes",
        ["Adults", "Children"],
    )
    assert Question.objects.get(text="Hours a week").group == form.team
    version = services.live_definition(round_, FormPurpose.APPLICATION)
    team = next(q for s in version["sections"] for q in s["questions"] if q["text"] == "Your team")
    assert [c["text"] for c in team["columns"]] == ["Role", "Hours a week"]


def test_a_condition_is_checked_against_the_options_saved_with_it(client, officer, round_, form):
    """The earlier question's options change in the same save as the condition on them: the new options count."""
    data = with_question(
        client, round_, section=form.about.pk, order="2", shown_if=form.victims.pk, shown_if_value="Often"
    )
    number = row_of(data, form.victims)
    set_fields(data, **{f"questions-{number}-kind": "single_choice"})
    set_fields(data, **{f"questions-{number}-options": "Often\nSometimes\nNever"})

    response = post(client, change_url(round_), data)

    assert response.status_code == 302, errors_of(response)
    assert Question.objects.get(text="A new question").shown_if_value == "Often"


def test_a_repeating_group_keeps_at_least_one_column(client, officer, round_, form):
    data = form_data(page_of(client.get(change_url(round_))), "round_form")
    number = row_of(data, form.role)
    data[f"questions-{number}-DELETE"] = ["on"]

    response = post(client, change_url(round_), data)

    assert response.status_code == 200
    assert "A repeating group needs at least one column" in page_of(response)
    assert Question.objects.filter(pk=form.role.pk).exists()


def test_a_new_repeating_group_saves_and_the_page_says_it_needs_columns(client, officer, round_, form):
    data = with_question(
        client, round_, section=form.about.pk, kind="repeating_group", text="Your volunteers"
    )

    response = post(client, change_url(round_), data)

    assert response.status_code == 302, errors_of(response)
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any('The repeating group "Your volunteers" has no columns yet' in m for m in said)


def test_a_saved_repeating_group_with_no_columns_is_given_its_first_one(client, officer, round_, form):
    """The way a group is built: saved first, then a column chooses it."""
    volunteers = Question.objects.create(
        round=round_, section=form.staff, order=5, kind=QuestionKind.REPEATING_GROUP, text="Your volunteers"
    )
    data = with_question(client, round_, section=form.staff.pk, order="6", text="Name", group=volunteers.pk)

    response = post(client, change_url(round_), data)

    assert response.status_code == 302, errors_of(response)
    assert list(volunteers.columns.values_list("text", flat=True)) == ["Name"]


def test_a_repeating_group_with_columns_keeps_its_kind(client, officer, round_, form):
    data = form_data(page_of(client.get(change_url(round_))), "round_form")
    data[f"questions-{row_of(data, form.team)}-kind"] = ["short_text"]

    response = post(client, change_url(round_), data)

    assert response.status_code == 200
    assert "Questions are columns of this repeating group" in page_of(response)
    assert Question.objects.get(pk=form.team.pk).kind == QuestionKind.REPEATING_GROUP


def test_editing_an_answered_form_says_started_applications_keep_their_version(client, officer, round_, form):
    version = services.current_form_version(round_id=round_.pk)
    Application.objects.create(
        round=round_, organisation=OrganisationFactory(), created_by=officer, form_version=version
    )
    page = page_of(client.get(change_url(round_)))
    assert "Versions of the forms" in page and "1 application" in page

    unchanged = post(client, change_url(round_), form_data(page, "round_form"))
    assert unchanged.status_code == 302, errors_of(unchanged)
    assert not any("keep version" in str(m) for m in get_messages(unchanged.wsgi_request))

    data = form_data(page_of(client.get(change_url(round_))), "round_form")
    number = row_of(data, form.victims)
    set_fields(data, **{f"questions-{number}-text": "Do you support victims of crime?"})
    response = post(client, change_url(round_), data)

    assert response.status_code == 302, errors_of(response)
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert (
        "Applications already started keep version 1 of the form. Your changes apply to applications started "
        "from now on." in said
    )
    assert version.definition != services.live_definition(round_, FormPurpose.APPLICATION)
    version.refresh_from_db()
    assert "Do you work with victims?" in str(version.definition)


def test_form_versions_are_shown_to_auditors_and_changed_by_nobody(client, round_, form):
    version = services.current_form_version(round_id=round_.pk)
    client.force_login(staff_in(roles.READ_ONLY))
    listing = client.get(reverse("admin:applications_formversion_changelist"))
    assert listing.status_code == 200 and str(round_) in page_of(listing)
    page = client.get(reverse("admin:applications_formversion_change", args=[version.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()

    client.force_login(grants_officer())
    assert client.get(reverse("admin:applications_formversion_add")).status_code == 403
    refused = client.post(
        reverse("admin:applications_formversion_change", args=[version.pk]), {"number": "9"}
    )
    assert refused.status_code == 403
    version.refresh_from_db()
    assert version.number == 1


def test_a_grants_officer_builds_forms_and_an_assessor_cannot(client, round_, form):
    client.force_login(grants_officer())
    page = client.get(change_url(round_)).content.decode()
    assert 'name="questions-TOTAL_FORMS"' in page and 'name="sections-TOTAL_FORMS"' in page

    client.force_login(staff_in(roles.ASSESSOR))
    page = client.get(change_url(round_)).content.decode()
    assert 'name="questions-0-text"' not in page
    data = form_data(page, "round_form")
    assert client.post(change_url(round_), data).status_code == 403


def test_an_auditor_reads_a_rounds_forms_and_changes_nothing(client, round_, form):
    services.current_form_version(round_id=round_.pk)
    client.force_login(staff_in(roles.READ_ONLY))

    response = client.get(change_url(round_))

    assert response.status_code == 200
    page = page_of(response)
    assert "Do you work with victims?" in page and "Versions of the forms" in page
    assert 'name="questions-0-text"' not in page and 'name="_save"' not in page
