"""A round's own questions: each kind checked on the server with a message that says what to fix, conditions, frozen
versions, and the answers on check answers, the staff page, the export and the staff list's filter."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from applications import questions
from applications.exports import build_application_list
from applications.models import Application, FormVersion, Question, Section
from applications.services import current_form_version, start_application
from tests.applications.factories import (
    OrganisationFactory,
    RoundFactory,
    complete_application,
    grants_officer,
    member_of,
    pdf,
    submitted_application,
)

pytestmark = pytest.mark.django_db


def build_form(round_):
    """A section with one question of every kind, and a short text shown only when a yes/no is answered Yes."""
    Question.objects.filter(round=round_).delete()
    Section.objects.filter(round=round_).delete()
    section = Section.objects.create(round=round_, order=1, title="About the service")
    ask = lambda order, text, kind, **kw: Question.objects.create(  # noqa: E731
        round=round_, section=section, order=order, text=text, kind=kind, **kw
    )
    q = {
        "short": ask(1, "Service name", "short_text"),
        "long": ask(2, "What will you do?", "long_text", max_words=20),
        "number": ask(3, "How many victims a year?", "whole_number"),
        "money": ask(4, "Match funding", "money"),
        "date": ask(5, "Start date", "date"),
        "single": ask(6, "Main crime type", "single_choice", options="Domestic abuse\nFraud\nHate crime"),
        "multiple": ask(7, "Who do you support?", "multiple_choice", options="Adults\nChildren\nFamilies"),
        "yes_no": ask(8, "Is it by and for?", "yes_no"),
        "email": ask(9, "Referral email", "email"),
        "phone": ask(10, "Referral phone", "phone"),
        "address": ask(11, "Where do you meet victims?", "address"),
        "file": ask(12, "Safeguarding policy", "file", required=False),
        "group": ask(13, "Staff", "repeating_group", max_rows=3),
    }
    q["how"] = ask(14, "How is it led by them?", "short_text", shown_if=q["yes_no"], shown_if_value="Yes")
    q["role"] = ask(1, "Role", "short_text", group=q["group"])
    q["cost"] = ask(2, "Cost", "money", group=q["group"])
    return section, q


def good_answers(q):
    k = {name: f"q_{question.pk}" for name, question in q.items()}
    return {
        k["short"]: "Safer Homes",
        k["long"]: "Support for victims of domestic abuse across Walsall.",
        k["number"]: "1,250",
        k["money"]: "£2,500.50",
        f"{k['date']}_day": "1",
        f"{k['date']}_month": "4",
        f"{k['date']}_year": "2025",
        k["single"]: "Fraud",
        k["multiple"]: ["Adults", "Families"],
        k["yes_no"]: "No",
        k["email"]: "Referrals@Example.org",
        k["phone"]: "0121 496 0000",
        f"{k['address']}_line_1": "1 High Street",
        f"{k['address']}_town": "Walsall",
        f"{k['address']}_postcode": "ws1 1aa",
        f"{k['group']}_1_{q['role'].pk}": "Advocate",
        f"{k['group']}_1_{q['cost'].pk}": "30,000",
    }


@pytest.fixture
def form_round():
    round_ = RoundFactory()
    _section, q = build_form(round_)
    version = current_form_version(round_id=round_.pk)
    return round_, version.definition["sections"][0], q


def section_form(section, data, answers=None, files=None):
    form = questions.SectionForm(data, files, section=section, answers=answers or {}, rows={})
    form.is_valid()
    return form


def test_every_kind_is_stored_in_its_own_shape(form_round):
    _, section, q = form_round
    form = section_form(section, good_answers(q))
    assert not form.errors, form.errors
    saved = form.values_to_save()["answers"]
    assert saved[str(q["number"].pk)] == "1250"
    assert saved[str(q["money"].pk)] == "2500.50"
    assert saved[str(q["date"].pk)] == "2025-04-01"
    assert saved[str(q["multiple"].pk)] == ["Adults", "Families"]
    assert saved[str(q["address"].pk)]["postcode"] == "WS1 1AA"
    assert saved[str(q["group"].pk)] == [{str(q["role"].pk): "Advocate", str(q["cost"].pk): "30000.00"}]
    assert saved[str(q["how"].pk)] is None  # not asked: "No" to by and for


@pytest.mark.parametrize(
    ("which", "typed", "message"),
    [
        ("number", "12345678901234567890", "Enter a number of 999,999,999 or less"),
        ("number", "-3", "Enter a number of 0 or more"),
        ("number", "12.5", "Enter a whole number, like 25"),
        ("number", "lots", "Enter a whole number, like 25 or 1,250"),
        ("money", "12,50", "Enter an amount"),
        ("email", "not an email", "Enter an email address in the correct format, like name@example.com"),
        ("phone", "12345", "Enter a phone number, like 01632 960 001 or 07700 900 982"),
        ("single", "Burglary", "Select one of the options for: Main crime type"),
        ("long", "word " * 21, "Your answer must be 20 words or fewer. It has 21"),
        ("short", "x" * 201, "Your answer must be 200 characters or fewer"),
    ],
)
def test_each_kind_says_what_to_fix(form_round, which, typed, message):
    _, section, q = form_round
    data = good_answers(q)
    data[f"q_{q[which].pk}"] = typed
    form = section_form(section, data)
    errors = " ".join(str(e) for e in form.errors.get(f"q_{q[which].pk}", []))
    assert message in errors


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "2025", "must be a real date"),
        ("1", "", "2025", "must include a month"),
        ("", "", "2025", "must include a day and month"),
        ("1", "13", "2025", "must be a real date"),
        ("1", "1", "99999999999999999999", "Year must be 10 characters or fewer"),
    ],
)
def test_a_date_says_what_is_wrong_with_it(form_round, day, month, year, message):
    _, section, q = form_round
    name = f"q_{q['date'].pk}"
    data = {**good_answers(q), f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}
    form = section_form(section, data)
    assert message in str(form.errors)
    assert str(q["date"].pk) not in form.values_to_save()["answers"]


def test_an_address_needs_a_town_and_a_real_postcode(form_round):
    _, section, q = form_round
    name = f"q_{q['address'].pk}"
    data = {**good_answers(q), f"{name}_town": "", f"{name}_postcode": "NOT A CODE"}
    form = section_form(section, data)
    assert "Enter the town or city of the address" in str(form.errors[f"{name}_town"])
    assert "Enter a full UK postcode, like B1 1AA" in str(form.errors[f"{name}_postcode"])


def test_a_row_of_a_repeating_group_half_filled_asks_for_the_rest(form_round):
    _, section, q = form_round
    name = f"q_{q['group'].pk}"
    data = {**good_answers(q), f"{name}_1_{q['cost'].pk}": ""}
    form = section_form(section, data)
    assert "Enter the cost for row 1" in str(form.errors)


def test_required_questions_left_blank_each_say_which_question(form_round):
    _, section, q = form_round
    form = section_form(section, {})
    assert "Answer the question: Service name" in str(form.errors)
    assert "Select yes or no for: Is it by and for?" in str(form.errors)
    assert "Select at least one option for: Who do you support?" in str(form.errors)
    assert "Enter a date for: Start date" in str(form.errors)
    assert "Add at least one row for: Staff" in str(form.errors)
    assert f"q_{q['file'].pk}" not in form.errors  # optional


def test_a_conditional_question_is_asked_only_for_its_answer(form_round):
    _, section, q = form_round
    how = f"q_{q['how'].pk}"
    data = {**good_answers(q), f"q_{q['yes_no'].pk}": "Yes"}
    form = section_form(section, data)
    assert "Answer the question: How is it led by them?" in str(form.errors[how])
    data[how] = "Our trustees all have lived experience"
    form = section_form(section, data)
    assert not form.errors
    assert form.values_to_save()["answers"][str(q["how"].pk)] == "Our trustees all have lived experience"
    # Answered, then the applicant changes their mind: the answer to a question no longer asked is dropped.
    data[f"q_{q['yes_no'].pk}"] = "No"
    assert section_form(section, data).values_to_save()["answers"][str(q["how"].pk)] is None


def test_a_hint_is_shown_as_typed_never_as_html(client):
    round_ = RoundFactory()
    question = round_.questions.first()
    question.hint = '<script>alert("x")</script><b>bold</b>'
    question.save()
    organisation = OrganisationFactory(area=round_.areas.first())
    user = member_of(organisation)
    client.force_login(user)
    application = start_application(round_=round_, organisation=organisation, by=user)
    page = client.get(f"/applications/{application.pk}/s{question.section_id}/").content.decode()
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_the_applicant_answers_a_section_and_sees_it_on_check_answers(client, form_round):
    round_, section, q = form_round
    organisation = OrganisationFactory(area=round_.areas.first())
    user = member_of(organisation)
    client.force_login(user)
    application = start_application(round_=round_, organisation=organisation, by=user)
    data = {**good_answers(q), f"q_{q['file'].pk}": pdf("policy.pdf"), "action": "continue"}
    response = client.post(f"/applications/{application.pk}/{section['key']}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    application.refresh_from_db()
    assert section["key"] in application.completed_tasks
    assert application.answers[str(q["file"].pk)]["name"] == "policy.pdf"
    document = application.documents.get(question=str(q["file"].pk))
    assert application.answers[str(q["file"].pk)]["document"] == document.pk
    task_list = client.get(f"/applications/{application.pk}/").content.decode()
    assert "About the service" in task_list
    check = client.get(f"/applications/{application.pk}/check/").content.decode()
    for shown in ("1,250", "£2,500.50", "1 April 2025", "Adults", "Families", "WS1 1AA", "Role: Advocate"):
        assert shown in check


def test_a_section_saved_for_later_keeps_valid_answers_and_what_was_typed(client, form_round):
    round_, section, q = form_round
    organisation = OrganisationFactory(area=round_.areas.first())
    user = member_of(organisation)
    client.force_login(user)
    application = start_application(round_=round_, organisation=organisation, by=user)
    data = {**good_answers(q), f"q_{q['number'].pk}": "about forty", "action": "later"}
    client.post(f"/applications/{application.pk}/{section['key']}/", data)
    application.refresh_from_db()
    assert str(q["number"].pk) not in application.answers
    assert application.answers[str(q["short"].pk)] == "Safer Homes"
    page = client.get(f"/applications/{application.pk}/{section['key']}/").content.decode()
    assert "about forty" in page


def test_add_another_row_adds_one_and_saves_nothing_lost(client, form_round):
    round_, section, q = form_round
    organisation = OrganisationFactory(area=round_.areas.first())
    user = member_of(organisation)
    client.force_login(user)
    application = start_application(round_=round_, organisation=organisation, by=user)
    data = {**good_answers(q), f"rows_{q['group'].pk}": "1", "action": f"add_row:{q['group'].pk}"}
    page = client.post(f"/applications/{application.pk}/{section['key']}/", data).content.decode()
    assert f"q_{q['group'].pk}_2_{q['role'].pk}" in page
    assert "Advocate" in page


def test_editing_the_form_after_an_application_started_leaves_its_questions_and_answers_unchanged(client):
    round_ = RoundFactory()
    question = round_.questions.get()
    organisation = OrganisationFactory(area=round_.areas.first())
    user = member_of(organisation)
    client.force_login(user)
    first = start_application(round_=round_, organisation=organisation, by=user)
    key = f"s{question.section_id}"
    client.post(
        f"/applications/{first.pk}/{key}/", {f"q_{question.pk}": "Older residents", "action": "continue"}
    )

    # Staff reword the question, make it a number and add another.
    question.text, question.kind = "How many people will benefit?", "whole_number"
    question.save()
    Question.objects.create(
        round=round_, section=question.section, order=2, text="New question", kind="email"
    )

    first.refresh_from_db()
    assert first.form_version.number == 1
    page = client.get(f"/applications/{first.pk}/{key}/").content.decode()
    assert "Who will benefit from your project?" in page
    assert "How many people will benefit?" not in page and "New question" not in page
    assert first.answers == {str(question.pk): "Older residents"}
    check = client.get(f"/applications/{first.pk}/check/").content.decode()
    assert "Who will benefit from your project?" in check and "Older residents" in check

    other = OrganisationFactory(area=round_.areas.first())
    second = start_application(round_=round_, organisation=other, by=member_of(other))
    assert second.form_version.number == 2
    assert [q["text"] for q in questions.all_questions(second.form)] == [
        "How many people will benefit?",
        "New question",
    ]
    assert FormVersion.objects.filter(round=round_).count() == 2


def test_starting_twice_on_an_unchanged_form_makes_no_new_version():
    round_ = RoundFactory()
    assert current_form_version(round_id=round_.pk) == current_form_version(round_id=round_.pk)


def test_the_export_has_a_column_per_question_with_each_answer(form_round):
    round_, section, q = form_round
    application = complete_application(round_=round_)
    form = section_form(section, good_answers(q))
    application.answers = form.values_to_save()["answers"]
    application.save()
    from applications.services import submit_application

    submit_application(application_id=application.pk, by=application.created_by)
    _, content = build_application_list({"round": str(round_.pk)})
    rows = list(load_workbook(io.BytesIO(content)).active.values)
    headings = list(rows[0])
    for question in ("Service name", "How many victims a year?", "Who do you support?", "Staff"):
        assert question in headings
    row = dict(zip(headings, rows[1], strict=True))
    assert row["How many victims a year?"] == 1250
    assert row["Match funding"] == Decimal("2500.5")
    assert row["Who do you support?"] == "Adults, Families"
    assert row["Where do you meet victims?"] == "1 High Street, Walsall, WS1 1AA"


def test_staff_filter_the_list_by_a_choice_answer(client, form_round):
    round_, _section, q = form_round
    fraud = submitted_application(round_=round_)
    hate = submitted_application(round_=round_)
    Application.objects.filter(pk=fraud.pk).update(answers={str(q["single"].pk): "Fraud"})
    Application.objects.filter(pk=hate.pk).update(
        answers={str(q["single"].pk): "Hate crime", str(q["multiple"].pk): ["Children"]}
    )
    client.force_login(grants_officer())
    page = client.get("/staff/applications/", {"round": round_.pk, f"answer_{q['single'].pk}": "Fraud"})
    text = page.content.decode()
    assert "Main crime type" in text
    assert fraud.reference in text and hate.reference not in text
    text = client.get(
        "/staff/applications/", {"round": round_.pk, f"answer_{q['multiple'].pk}": "Children"}
    ).content.decode()
    assert hate.reference in text and fraud.reference not in text


def test_staff_see_the_answers_on_the_application(client, form_round):
    round_, _section, q = form_round
    application = submitted_application(round_=round_)
    Application.objects.filter(pk=application.pk).update(
        answers={str(q["short"].pk): "Safer Homes", str(q["date"].pk): "2025-04-01"}
    )
    client.force_login(grants_officer())
    page = client.get(f"/staff/applications/{application.pk}/").content.decode()
    assert "About the service" in page and "Safer Homes" in page and "1 April 2025" in page


def test_a_round_already_running_outside_its_years_can_still_be_edited_but_not_given_new_dates():
    import datetime

    from django.core.exceptions import ValidationError

    round_ = RoundFactory()  # its budget is 2024/25, and it opened a week ago
    round_.name = "Renamed"
    round_.full_clean()  # the dates were set before: editing the rest is not refused for them
    round_.closes_at += datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="Choose a closing date in that year"):
        round_.full_clean()


def test_rows_typed_on_the_page_are_kept_when_another_answer_is_wrong(client, form_round):
    round_, section, q = form_round
    organisation = OrganisationFactory(area=round_.areas.first())
    user = member_of(organisation)
    client.force_login(user)
    application = start_application(round_=round_, organisation=organisation, by=user)
    group = f"q_{q['group'].pk}"
    data = {
        **good_answers(q),
        f"{group}_2_{q['role'].pk}": "Counsellor",
        f"{group}_2_{q['cost'].pk}": "12,000",
        f"q_{q['number'].pk}": "lots",
        "action": "continue",
    }
    page = client.post(f"/applications/{application.pk}/{section['key']}/", data).content.decode()
    assert "Enter a whole number, like 25 or 1,250" in page
    assert "Counsellor" in page and f"{group}_2_{q['cost'].pk}" in page


def test_posted_rows_count_each_groups_rows_and_add_one_where_asked_never_past_the_most():
    form = {
        "sections": [{"questions": [{"key": "7", "kind": "repeating_group", "max_rows": 3, "columns": []}]}]
    }
    posted = {"q_7_1_8": "", "q_7_2_8": "x", "q_9_5_8": "", "q_7_day": ""}
    assert questions.posted_rows(form, posted) == {"7": 2}
    assert questions.posted_rows(form, posted, "add_row:7") == {"7": 3}
    assert questions.posted_rows(form, {"q_7_99999_8": ""}, "add_row:7") == {"7": 3}
    assert questions.posted_rows(form, {}, "add_row:9") == {}
