"""A round's own form, from end to end in real Chromium: a grants officer builds it in admin (a question of every
kind, a repeating group's columns and a conditional question); an applicant answers it on a 390px phone, through its
error states, with axe on every page; an assessor sees the answers; the staff export has a column per question."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import Application, Question, QuestionKind, Status
from tests.applications.factories import (
    PDF,
    OrganisationFactory,
    RoundFactory,
    assessor,
    grants_officer,
    member_of,
    pdf,
)
from tests.browser.fixtures import assert_accessible, sign_in
from tests.factories import BudgetFactory, FinancialYearFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SECTION = "About your service"
CRIMES = "Domestic abuse\nFraud\nHate crime"

# Every kind, in the order asked: (kind, the question's words, its options). Orders go up in tens, so the
# conditional question can sit straight after the yes/no question it depends on.
QUESTIONS = [
    (QuestionKind.SHORT_TEXT, "What is your service called?", ""),
    (QuestionKind.LONG_TEXT, "Describe the support you give", ""),
    (QuestionKind.WHOLE_NUMBER, "How many people did you support last year?", ""),
    (QuestionKind.MONEY, "What does the service cost to run each year?", ""),
    (QuestionKind.DATE, "When did the service start?", ""),
    (QuestionKind.SINGLE_CHOICE, "Which crime do most of the people you support report?", CRIMES),
    (QuestionKind.MULTIPLE_CHOICE, "Which crimes do the people you support report?", CRIMES),
    (QuestionKind.YES_NO, "Is your service run by and for the people it supports?", ""),
    (QuestionKind.EMAIL, "Email address for safeguarding concerns", ""),
    (QuestionKind.PHONE, "Phone number for referrals", ""),
    (QuestionKind.ADDRESS, "Where is the service based?", ""),
    (QuestionKind.FILE, "Upload your safeguarding policy", ""),
    (QuestionKind.REPEATING_GROUP, "Staff who will deliver the service", ""),
]
SUPPORT = "One-to-one advocacy for victims of domestic abuse, from first report to court and after."
CONDITIONAL = "How do people with lived experience lead the service?"
COLUMNS = [(QuestionKind.SHORT_TEXT, "Role"), (QuestionKind.MONEY, "Annual cost")]
assert {kind for kind, _, _ in QUESTIONS} == set(QuestionKind.values), "a question of every kind"


def _financial_year_of(day: datetime.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _as(page, live_server, user):
    page.context.clear_cookies()
    sign_in(page, live_server, user)


def _fits_a_phone(page):
    """The applicant's page never scrolls sideways on a 390px screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def _applicant_page_is_fine(page):
    _fits_a_phone(page)
    assert_accessible(page)


def _saved(page):
    """The round's page saved: its success message, and no field refused (whose message the failure shows)."""
    expect(page.locator(".messagelist, .errornote").first).to_be_visible()
    assert not page.locator(".errornote").count(), page.locator(".errorlist").all_inner_texts()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


def _add_question(page, n: int, *, kind, text: str, order: int, options: str = "", group: str = "", **more):
    page.get_by_role("button", name="Add another Question").click()
    row = f"#id_questions-{n}"
    expect(page.locator(f"{row}-text")).to_be_visible()
    page.select_option(f"{row}-section", label=f"{SECTION} (application form)")
    page.fill(f"{row}-order", str(order))
    page.select_option(f"{row}-kind", label=QuestionKind(kind).label)
    page.fill(f"{row}-text", text)
    if options:
        page.fill(f"{row}-options", options)
    if group:
        page.select_option(f"{row}-group", label=f"{SECTION}: {group}")
    if "shown_if" in more:
        page.select_option(f"{row}-shown_if", label=f"{SECTION}: {more['shown_if']}")
        page.fill(f"{row}-shown_if_value", more["shown_if_value"])


def _build_the_form(page, round_):
    """As a grants officer, in admin: a section, a question of every kind, the group's columns and a condition."""
    page.goto(f"/admin/applications/round/{round_.pk}/change/")
    page.get_by_role("button", name="Add another Form section").click()
    page.fill("#id_sections-0-title", SECTION)
    page.fill("#id_sections-0-order", "1")
    page.get_by_role("button", name="Save and continue editing").click()
    _saved(page)

    # A new section can be chosen only once saved: now every kind of question goes into it.
    for n, (kind, text, options) in enumerate(QUESTIONS):
        _add_question(page, n, kind=kind, text=text, order=(n + 1) * 10, options=options)
    page.get_by_role("button", name="Save and continue editing").click()
    _saved(page)
    # A repeating group saved without columns: the page says what to do next.
    expect(page.locator(".messagelist")).to_contain_text(
        'The repeating group "Staff who will deliver the service" has no columns yet'
    )

    group, yes_no = QUESTIONS[12][1], QUESTIONS[7][1]
    for n, (kind, text) in enumerate(COLUMNS, start=len(QUESTIONS)):
        _add_question(page, n, kind=kind, text=text, order=n - len(QUESTIONS) + 1, group=group)
    _add_question(
        page,
        len(QUESTIONS) + len(COLUMNS),
        kind=QuestionKind.SHORT_TEXT,
        text=CONDITIONAL,
        order=85,
        shown_if=yes_no,
        shown_if_value="Yes",
    )
    page.get_by_role("button", name="Save", exact=True).click()
    _saved(page)
    expect(page.locator(".messagelist")).not_to_contain_text("has no columns yet")

    asked = {
        q.text: q
        for q in Question.objects.filter(round=round_).select_related("section", "group", "shown_if")
    }
    assert {text: q.kind for text, q in asked.items()} == {
        **{text: kind for kind, text, _ in QUESTIONS},
        **{text: kind for kind, text in COLUMNS},
        CONDITIONAL: QuestionKind.SHORT_TEXT,
    }
    assert {q.section.title for q in asked.values()} == {SECTION}
    assert asked["Which crimes do the people you support report?"].option_list == CRIMES.split("\n")
    assert [asked[text].group for _, text in COLUMNS] == [asked[group]] * 2
    assert (asked[CONDITIONAL].shown_if, asked[CONDITIONAL].shown_if_value) == (asked[yes_no], "Yes")
    return asked


def _in(page, question):
    """The question's own block on the section page."""
    return page.locator(f"#question-{question.pk}")


def _answer_the_section(page, asked):
    q = asked
    page.get_by_role("link", name=SECTION).click()
    expect(page.locator("h1")).to_contain_text(SECTION)
    _applicant_page_is_fine(page)

    # Nothing filled: every required question says what to fix, and the page stays accessible.
    page.get_by_role("button", name="Save and continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    for message in (
        "Answer the question: What is your service called?",
        "Answer the question: Describe the support you give",
        "Answer the question: How many people did you support last year?",
        "Answer the question: What does the service cost to run each year?",
        "Answer the question: Email address for safeguarding concerns",
        "Answer the question: Phone number for referrals",
        "Enter a date for: When did the service start?",
        "Select an answer for: Which crime do most of the people you support report?",
        "Select at least one option for: Which crimes do the people you support report?",
        "Select yes or no for: Is your service run by and for the people it supports?",
        "Enter an address for: Where is the service based?",
        "Select a file for: Upload your safeguarding policy",
        "Add at least one row for: Staff who will deliver the service",
    ):
        expect(summary).to_contain_text(message)
    expect(summary).not_to_contain_text(CONDITIONAL)  # not asked: "Yes" was not chosen
    _applicant_page_is_fine(page)

    # The conditional question shows only once "Yes" is chosen.
    conditional = _in(page, q[CONDITIONAL])
    expect(conditional).to_be_hidden()
    _in(page, q["Is your service run by and for the people it supports?"]).get_by_label("No").check()
    expect(conditional).to_be_hidden()
    _in(page, q["Is your service run by and for the people it supports?"]).get_by_label("Yes").check()
    expect(conditional).to_be_visible()
    conditional.get_by_role("textbox").fill("Survivors sit on the board and run the peer support groups")

    page.get_by_label("What is your service called?").fill("Safe Haven Coventry")
    page.get_by_label("Describe the support you give").fill(SUPPORT)
    page.get_by_label("How many people did you support last year?").fill("12345678901234567890")  # too many
    page.get_by_label("What does the service cost to run each year?").fill("48,500")
    date = _in(page, q["When did the service start?"])
    date.get_by_label("Day").fill("31")
    date.get_by_label("Month").fill("2")  # 31 February
    date.get_by_label("Year").fill("2025")
    _in(page, q["Which crime do most of the people you support report?"]).get_by_label("Fraud").check()
    crimes = _in(page, q["Which crimes do the people you support report?"])
    crimes.get_by_label("Domestic abuse").check()
    crimes.get_by_label("Hate crime").check()
    page.get_by_label("Email address for safeguarding concerns").fill("safeguarding@safehaven.example")
    page.get_by_label("Phone number for referrals").fill("024 7600 1234")
    address = _in(page, q["Where is the service based?"])
    address.get_by_label("Address line 1").fill("12 Hertford Street")
    address.get_by_label("Town or city").fill("Coventry")
    address.get_by_label("Postcode").fill("cv1 1lf")
    _in(page, q["Upload your safeguarding policy"]).locator("input[type=file]").set_input_files(
        {"name": "safeguarding-policy.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    staff = _in(page, q["Staff who will deliver the service"])
    staff.get_by_label("Role (row 1)").fill("Independent domestic violence adviser")
    staff.get_by_label("Annual cost (row 1)").fill("32,000")

    # Another row for the group: the page comes back with everything typed still there.
    staff.get_by_role("button", name="Add another row").click()
    expect(staff.get_by_label("Role (row 2)")).to_be_visible()
    expect(page.get_by_label("What is your service called?")).to_have_value("Safe Haven Coventry")
    expect(conditional).to_be_visible()
    _applicant_page_is_fine(page)
    staff.get_by_label("Role (row 2)").fill("Volunteer coordinator")
    staff.get_by_label("Annual cost (row 2)").fill("12,500")

    # The wrong number and the impossible date are refused with what to fix.
    page.get_by_role("button", name="Save and continue").click()
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter a number of 999,999,999 or less")
    expect(summary).to_contain_text(
        "The date for ‘When did the service start?’ must be a real date, like 27 3 2025"
    )
    expect(summary).not_to_contain_text("Select a file")  # the policy chosen before "Add another row" is kept
    _applicant_page_is_fine(page)
    page.get_by_label("How many people did you support last year?").fill("1,250")
    date.get_by_label("Day").fill("1")
    date.get_by_label("Month").fill("4")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.locator(f"#task-s{q[CONDITIONAL].section_id}-status")).to_have_text("Completed")
    _applicant_page_is_fine(page)


# What the applicant gave, as check answers and the staff page show it: each question's lines, in order.
SHOWN = {
    "What is your service called?": ["Safe Haven Coventry"],
    "Describe the support you give": [SUPPORT],
    "How many people did you support last year?": ["1,250"],
    "What does the service cost to run each year?": ["£48,500"],
    "When did the service start?": ["1 April 2025"],
    "Which crime do most of the people you support report?": ["Fraud"],
    "Which crimes do the people you support report?": ["Domestic abuse", "Hate crime"],
    "Is your service run by and for the people it supports?": ["Yes"],
    CONDITIONAL: ["Survivors sit on the board and run the peer support groups"],
    "Email address for safeguarding concerns": ["safeguarding@safehaven.example"],
    "Phone number for referrals": ["024 7600 1234"],
    "Where is the service based?": ["12 Hertford Street", "Coventry", "CV1 1LF"],
    "Upload your safeguarding policy": ["safeguarding-policy.pdf"],
    "Staff who will deliver the service": [
        "Role: Independent domestic violence adviser, Annual cost: £32,000",
        "Role: Volunteer coordinator, Annual cost: £12,500",
    ],
}


def _answers_shown(page):
    """Every question of the form on the page, each with its own answer beside it (not merely somewhere on it)."""
    for question, lines in SHOWN.items():
        row = page.locator(".govuk-summary-list__row", has=page.get_by_text(question, exact=True))
        expect(row).to_have_count(1)
        expect(row.locator(".govuk-summary-list__value")).to_have_text(" ".join(lines), use_inner_text=True)


def _finish_the_fixed_tasks(application: Application, user):
    """Your organisation, Your project, Budget, Documents and Declarations: done through the models and services,
    as other tests walk those pages."""
    from applications.services import save_document

    round_ = application.round
    application.refresh_from_db()
    application.contact_name, application.contact_phone = "Amira Khan", "07700 900 982"
    application.meets_requirements = list(round_.requirements)
    application.project_title = "Safe Haven advocacy"
    application.project_summary = "Advocacy for victims of domestic abuse in Coventry."
    application.area = round_.areas.first()
    application.amount_requested = Decimal("5000")
    application.declared_by_name, application.declared_at = "Amira Khan", timezone.now()
    application.budget_items.create(order=1, description="Adviser's salary", amount=Decimal("5000"))
    for kind in ("governing_document", "safeguarding_policy", "accounts"):
        save_document(application=application, kind=kind, upload=pdf(f"{kind}.pdf"), by=user)
    application.completed_tasks = [task for task, _ in application.tasks]
    application.save()


def test_a_round_form_built_in_admin_is_answered_on_a_phone_assessed_and_exported(page, live_server):
    from openpyxl import load_workbook

    from applications.exports import HEADINGS, build_application_list
    from applications.services import screen

    today = timezone.localdate()
    year = FinancialYearFactory(start_year=_financial_year_of(today))
    round_ = RoundFactory(
        name="Victims Fund", budget=BudgetFactory(year=year, pot="400000"), questions=[]
    )  # its criteria, and no form yet
    officer = grants_officer(full_name="Grace Officer")
    organisation = OrganisationFactory(name="Safe Haven Coventry CIO", area=round_.areas.first())
    applicant = member_of(organisation, UserFactory(full_name="Amira Khan"))

    # 1. A grants officer builds the form in admin.
    _as(page, live_server, officer)
    asked = _build_the_form(page, round_)

    # 2. An applicant answers it on a phone.
    page.set_viewport_size(PHONE)
    _as(page, live_server, applicant)
    page.goto(f"/rounds/{round_.slug}/apply/")
    _applicant_page_is_fine(page)
    page.get_by_role("button", name="Start application").click()
    expect(page.locator(".govuk-task-list")).to_be_visible()
    _applicant_page_is_fine(page)
    _answer_the_section(page, asked)

    application = Application.objects.get(round=round_)
    _finish_the_fixed_tasks(application, applicant)
    page.goto(f"/applications/{application.pk}/check/")
    _answers_shown(page)
    _applicant_page_is_fine(page)
    page.get_by_role("button", name="Accept and send").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Application submitted")
    _applicant_page_is_fine(page)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED

    # 3. Screened into assessment; an assessor declares no conflict and reads the answers beside the scoring.
    screen(application_id=application.pk, eligible=True, reason="A CIO in the area", by=officer)
    page.set_viewport_size({"width": 1200, "height": 900})
    _as(page, live_server, assessor(full_name="Asha Assessor"))
    page.goto(f"/staff/applications/{application.pk}/")
    main = page.locator("main")
    expect(main).not_to_contain_text("safeguarding@safehaven.example")  # hidden until a declaration
    declaration = page.locator("form", has=page.get_by_role("button", name="Save declaration"))
    declaration.get_by_label("No", exact=True).check()
    declaration.get_by_role("button", name="Save declaration").click()
    expect(page.get_by_role("button", name="Save scores")).to_be_visible()
    _answers_shown(page)
    policy = main.locator(".govuk-summary-list__row", has=page.get_by_text("Upload your safeguarding policy"))
    expect(policy.get_by_role("link", name="safeguarding-policy.pdf", exact=True)).to_be_visible()
    assert_accessible(page)

    # 4. The export: a column per question asked, the group's columns inside its cell.
    _, content = build_application_list({"round": str(round_.pk)})
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    headings = list(rows[0])
    # The 13 questions and the conditional one (asked straight after its yes/no), in the order asked; the group's
    # columns are in the group's own cell, not columns of their own.
    texts = [text for _, text, _ in QUESTIONS]
    assert headings[len(HEADINGS) :] == [*texts[:8], CONDITIONAL, *texts[8:]]
    (row,) = [r for r in rows[1:] if r[0] == application.reference]
    cell = dict(zip(headings, row, strict=True))
    assert cell["What is your service called?"] == "Safe Haven Coventry"
    assert cell["Describe the support you give"] == SUPPORT
    assert cell["How many people did you support last year?"] == 1250
    assert Decimal(str(cell["What does the service cost to run each year?"])) == Decimal("48500")
    assert cell["When did the service start?"] == "1 April 2025"
    assert cell["Which crime do most of the people you support report?"] == "Fraud"
    assert cell["Which crimes do the people you support report?"] == "Domestic abuse, Hate crime"
    assert cell["Is your service run by and for the people it supports?"] == "Yes"
    assert cell["Email address for safeguarding concerns"] == "safeguarding@safehaven.example"
    assert cell["Phone number for referrals"] == "024 7600 1234"
    assert cell["Where is the service based?"] == "12 Hertford Street, Coventry, CV1 1LF"
    assert cell["Upload your safeguarding policy"] == "safeguarding-policy.pdf"
    assert cell["Staff who will deliver the service"] == (
        "Role: Independent domestic violence adviser, Annual cost: £32,000; "
        "Role: Volunteer coordinator, Annual cost: £12,500"
    )
    assert cell[CONDITIONAL] == SHOWN[CONDITIONAL][0]
