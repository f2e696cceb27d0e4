"""The whole journey in real Chromium: sign up, check eligibility, apply with uploads, save and come back, submit,
screen, score, approve in admin, and the applicant sees the award. Every public and applicant page is checked by axe."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import expect

from applications.models import Application, Award, Status
from funds.selectors import line_committed
from tests.applications.factories import PDF, RoundFactory, area_line, grants_officer
from tests.browser.fixtures import assert_accessible, sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _upload(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def _sign_in_as(page, live_server, user):
    page.context.clear_cookies()
    sign_in(page, live_server, user)


def test_applicant_applies_and_staff_take_it_to_a_paid_award(page, live_server):
    round_ = RoundFactory(name="Safer Streets Fund")
    area = round_.areas.first()
    line = area_line(round_, amount="10000")
    criteria = list(round_.criteria.all())
    staff = UserFactory(is_staff=True, is_superuser=True, full_name="Fran Finance")
    officer, panel = grants_officer(full_name="Grace Officer"), grants_officer(full_name="Pat Panel")

    # Public pages: the landing page, open rounds, the round and its eligibility check.
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("button", name="Start now").click()
    assert_accessible(page)
    page.get_by_role("link", name="Safer Streets Fund").click()
    assert_accessible(page)
    page.get_by_role("button", name="Check if you can apply").click()
    page.get_by_role("button", name="Continue").click()
    assert "Select what kind of organisation you are" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Constituted community group").check()
    page.select_option("#id_area", label=area.name)
    for requirement in round_.requirements:
        page.check(f"#id_has_{requirement}_0")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("You can apply")
    assert_accessible(page)

    # Sign up and verify the email address from the link we sent.
    page.get_by_role("link", name="create an account").click()
    assert_accessible(page)
    page.fill("#id_full_name", "Priya Patel")
    page.fill("#id_email", "priya@example.org")
    page.fill("#id_password", "a long and unusual passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("h1")).to_have_text("Check your email")
    assert_accessible(page)
    link = re.search(r"https?://\S+/accounts/verify/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    assert "confirmed" in page.locator("h1").inner_text()
    assert_accessible(page)

    # The organisation, then the application.
    page.get_by_role("button", name="Add your organisation").click()
    assert_accessible(page)
    page.fill("#id_name", "Hillfields Residents Group")
    page.get_by_label("Constituted community group").check()
    page.fill("#id_address", "1 Hill Street\nCoventry")
    page.select_option("#id_area", label=area.name)
    page.get_by_role("button", name="Save organisation").click()
    page.goto(f"/rounds/{round_.slug}/apply/")
    assert_accessible(page)
    page.get_by_role("button", name="Start application").click()
    assert page.locator(".govuk-task-list").count() == 1
    assert_accessible(page)

    page.get_by_role("link", name="About your organisation").click()
    page.fill("#id_contact_name", "Priya Patel")
    page.fill("#id_contact_phone", "07700 900 982")
    for requirement in round_.requirements:
        page.check(f"#id_has_{requirement}")
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()

    # Save and come back later keeps a malformed amount exactly as typed.
    page.get_by_role("link", name="Your project").click()
    page.fill("#id_project_title", "Safer Hillfields")
    page.fill("#id_project_summary", "Evening patrols and a youth club night.")
    page.select_option("#id_area", label=area.name)
    page.fill("#id_amount_requested", "1.5k")
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.locator("h1")).to_have_text("Your applications")
    assert_accessible(page)
    page.get_by_role("link", name="Safer Hillfields").click()
    assert "Incomplete" in page.locator("#task-project-status").inner_text()
    page.get_by_role("link", name="Your project").click()
    assert page.input_value("#id_amount_requested") == "1.5k"
    page.get_by_role("button", name="Save and continue").click()
    assert "not abbreviated like 12k" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.fill("#id_amount_requested", "1,500")
    page.get_by_role("button", name="Save and continue").click()

    # The round's own questions are a task of their own.
    page.get_by_role("link", name="About the people you help").click()
    page.get_by_label("Who will benefit from your project?").fill("Forty young people a week.")
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("link", name="Budget").click()
    page.fill("#id_item_1_description", "Youth worker sessions")
    page.fill("#id_item_1_amount", "1,200")
    page.get_by_role("button", name="Save and continue").click()
    assert (
        "add up to £1,200 but you are asking for £1,500" in page.locator(".govuk-error-summary").inner_text()
    )
    page.fill("#id_item_2_description", "Hi-vis jackets")
    page.fill("#id_item_2_amount", "300")
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("link", name="Documents").click()
    assert_accessible(page)
    page.set_input_files("#id_governing_document", _upload("constitution.pdf"))
    page.set_input_files("#id_safeguarding_policy", _upload("safeguarding.pdf"))
    page.set_input_files("#id_accounts", _upload("bank-statement.pdf"))
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("link", name="Declarations").click()
    for name in ("true_and_complete", "use_for_project", "monitoring"):
        page.check(f"#id_{name}")
    page.fill("#id_declared_by_name", "Priya Patel")
    page.get_by_role("button", name="Save and continue").click()

    # Phones: the task list fits a 375px screen without sideways scrolling.
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1200, "height": 900})

    page.get_by_role("link", name="Check your answers and submit").click()
    assert_accessible(page)
    page.get_by_role("button", name="Accept and send").click()
    reference = page.locator(".govuk-panel__body strong").inner_text()
    assert re.fullmatch(r"HCF-\d{4}-00001", reference)
    assert_accessible(page)
    applicant_page_url = f"/applications/{Application.objects.get(reference=reference).pk}/"

    # A grants officer screens, declares no conflict, scores and recommends; another records the panel's decision
    # (whoever recommends never decides); finance approves.
    application = Application.objects.get(reference=reference)
    _sign_in_as(page, live_server, officer)
    page.goto(f"/staff/applications/{application.pk}/")
    page.check("#id_screen-eligible_0")
    page.fill("#id_screen-reason", "Constituted group in the area")
    page.get_by_role("button", name="Record screening").click()
    page.check("#id_conflict-has_conflict_0")
    page.get_by_role("button", name="Save declaration").click()
    for criterion in criteria:
        page.check(f"#id_score-score_{criterion.pk}_4")
        page.fill(f"#id_score-comment_{criterion.pk}", "Strong local evidence")
    page.get_by_role("button", name="Save scores").click()
    page.fill("#id_recommend-amount", "1,400")
    page.fill("#id_recommend-reason", "Jackets can be shared")
    page.get_by_role("button", name="Recommend").click()
    assert "You recommended this application, so someone else must record the decision." in page.content()
    _sign_in_as(page, live_server, panel)
    page.goto(f"/staff/applications/{application.pk}/")
    page.check("#id_decide-outcome_0")
    page.fill("#id_decide-reason", "Panel agreed")
    page.get_by_role("button", name="Record decision").click()
    assert "Approved, awaiting finance" in page.content()

    # Finance approves the award with the admin action.
    _sign_in_as(page, live_server, staff)
    page.goto("/admin/applications/award/")
    page.check("input[name=_selected_action]")
    page.select_option("select[name=action]", "approve_selected")
    page.click("button[name=index]")
    assert "Approved 1 award totalling £1,400" in page.locator(".messagelist").inner_text()
    assert line_committed(line.pk) == Decimal("1400")
    assert Award.objects.get().status == Award.Status.COMMITTED

    # The applicant sees the award.
    _sign_in_as(page, live_server, application.organisation.memberships.get().user)
    page.goto("/applications/")
    assert "Awarded" in page.content()
    assert_accessible(page)
    page.goto(applicant_page_url)
    assert "£1,400" in page.locator("main").inner_text()
    assert_accessible(page)
    assert Application.objects.get().status == Status.AWARDED
    assert any("award letter" in m.subject for m in mail.outbox)


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/sign-up/",
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/done/",
        "/accounts/reset/MQ/bad-token/",
        "/rounds/",
    ],
)
def test_account_and_public_pages_have_no_axe_violations(page, path):
    response = page.goto(path)
    assert response.status == 200
    assert_accessible(page)


def test_password_reset_page_shows_its_error_accessibly(page):
    page.goto("/accounts/password_reset/")
    page.get_by_role("button", name="Send the link").click()
    assert page.locator(".govuk-error-summary").count() == 1
    assert_accessible(page)
