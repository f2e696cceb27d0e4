"""The demo exactly as `./scripts/demo` gives it to a new user (`manage.py load_demo_data`), tried in
Chromium the way each demo login would try it: the sign-in page, the password the command prints, and for
staff the real first sign-in (set up an authenticator from the key on the page, save the recovery codes).
Then each person does their main job end to end, only through the browser:

- the grants officer screens, scores and recommends the demo applicant's submitted application, and is not offered
  the decision (whoever recommends may not also decide); the panel clerk, another grants officer, records it;
- finance approves the awards waiting for it in the Django admin; the applicant accepts theirs; finance pays;
- the applicant completes and sends their draft, and sees the reference;
- the provider preparer fills in an outstanding return and sends it for sign-off; the signatory submits it;
- the commissioning officer accepts that return;
- the Chief Finance Officer closes 2024/25 in the admin, after which the budget page refuses a change;
- the auditor reads the audit trail, in names and amounts, and filters it to the closing of the year.

Each job is a subtest, so one broken journey is reported without hiding the others. A job fails on any 5xx
response (with the server's traceback) and on any axe WCAG 2.2 AA violation on the pages it visits. The Django
admin is not axe-checked, as in the other browser tests: it is Django's own markup, used by OPCC finance only.
"""

import datetime
import io
import logging
import re
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts import two_factor
from accounts.demo import DEMO_PASSWORD
from tests.applications.factories import PDF
from tests.browser.fixtures import assert_accessible
from tests.providers.conftest import complete_figures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAFT = "Safer walk to school (illustrative)"
SUBMITTED = "Neighbourhood watch signs (illustrative)"  # the demo applicant's, waiting for screening
SUBMITTED_REFERENCE = "HCR-2425-00002"
WAITING_FOR_FINANCE = "HCR-2425-00007"  # the demo's own, "so finance can approve it live in the demo"
PROVIDER = "Black Country Women's Aid"


class ServerErrors(logging.Handler):
    """The tracebacks the live server logs for its 500s, so a failure says where the server broke."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.tracebacks: list[str] = []

    def emit(self, record):
        self.tracebacks.append(self.format(record))


class Person:
    """One demo login in a browser of their own: each keeps their session (and second factor) throughout."""

    def __init__(self, browser, live_server, email: str, server_log: ServerErrors):
        self.email = email
        self.context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.server_log = server_log
        self.server_errors: list[str] = []
        self.violations: list[str] = []
        self.signed_in = False
        self.context.on("response", self._on_response)

    def _on_response(self, response):
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def check_page(self) -> None:
        """axe on every page but the Django admin's; violations are collected, so the journey carries on."""
        if "/admin/" in self.page.url:
            return
        try:
            assert_accessible(self.page)
        except AssertionError as exc:
            self.violations.append(str(exc))

    def assert_nothing_broke(self) -> None:
        assert not self.server_errors, (
            f"{self.email} got server errors: {self.server_errors}\n"
            + "\n\n".join(self.server_log.tracebacks)
        )
        assert not self.violations, f"{self.email} met axe violations:\n" + "\n\n".join(self.violations)

    def heading(self):
        return self.page.locator("main h1")

    def sign_in(self, typed_email: str, *, start: str = "/accounts/login/") -> None:
        """The sign-in page as a person uses it (not a forced session: signing in is part of the test)."""
        page = self.page
        page.goto(start)
        expect(self.heading()).to_have_text("Sign in")
        self.check_page()
        page.fill("#id_username", typed_email)
        page.fill("#id_password", DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        expect(page.locator(".govuk-error-summary")).to_have_count(0)
        self.signed_in = True

    def set_up_two_factor(self) -> None:
        """A staff member's first sign-in: the key under "I cannot scan the QR code" gives the app's code."""
        page = self.page
        expect(self.heading()).to_have_text("Set up your authenticator app")
        expect(page.locator("svg[role=img]")).to_have_count(1)  # the QR code
        self.check_page()
        page.get_by_text("I cannot scan the QR code").click()
        key = page.locator("#setup-key").inner_text().replace(" ", "")
        page.fill("#id_code", two_factor.totp(key))
        page.get_by_role("button", name="Continue").click()
        expect(self.heading()).to_have_text("Save your recovery codes")
        expect(page.locator(".app-recovery-codes li")).to_have_count(10)
        self.check_page()
        page.get_by_role("link", name="I have saved my recovery codes").click()
        page.wait_for_load_state()

    def close(self):
        self.context.close()


@pytest.fixture
def server_log():
    handler = ServerErrors()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def people(browser, live_server, server_log):
    opened: dict[str, Person] = {}

    def person(email: str) -> Person:
        if email not in opened:
            opened[email] = Person(browser, live_server, email, server_log)
        return opened[email]

    yield person
    for p in opened.values():
        p.close()


@dataclass
class Progress:
    """What earlier jobs handed on, so a job that depends on one says so instead of failing obscurely."""

    panel_approved: bool = False
    finance_approved: bool = False
    return_id: int | None = None
    return_submitted: bool = False
    year_closed: bool = False


def test_every_demo_login_completes_their_main_task(live_server, full_demo, people, subtests):
    # full_demo is the session's copy of what `load_demo_data` loads (demo.loader.load_demo); running the command
    # again on it shows what ./scripts/demo prints and that a second run is safe.
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    assert "demo-password-2425" in out.getvalue()
    progress = Progress()

    with subtests.test(
        msg="grants officer screens, scores and recommends; the panel clerk records the decision"
    ):
        _grants_officer_takes_an_application_to_approval(people("grants@demo.pcc-grants.example"))
        _panel_clerk_records_the_decision(people("decisions@demo.pcc-grants.example"))
        progress.panel_approved = True

    with subtests.test(msg="finance approves the awards awaiting finance in the admin"):
        _finance_approves_awards(
            people("finance@demo.pcc-grants.example"), panel_approved=progress.panel_approved
        )
        progress.finance_approved = True

    with subtests.test(msg="applicant accepts their award, finance records its payment"):
        assert progress.panel_approved and progress.finance_approved, "needs both approvals"
        _applicant_accepts_the_award(people("applicant@demo.pcc-grants.example"))
        _finance_pays_the_award(people("finance@demo.pcc-grants.example"))

    with subtests.test(msg="applicant completes their draft and sends it"):
        _applicant_sends_their_draft(people("applicant@demo.pcc-grants.example"))

    with subtests.test(msg="provider preparer fills in a return and sends it for sign-off"):
        progress.return_id = _preparer_fills_a_return(people("provider@demo.pcc-grants.example"))

    with subtests.test(msg="provider signatory signs off and submits the return"):
        assert progress.return_id, "needs the preparer's return"
        _signatory_submits(people("signoff@demo.pcc-grants.example"), progress.return_id)
        progress.return_submitted = True

    with subtests.test(msg="commissioning officer accepts the submitted return"):
        assert progress.return_submitted, "needs the signatory's submitted return"
        _commissioning_accepts(people("commissioning@demo.pcc-grants.example"), progress.return_id)

    with subtests.test(msg="the Chief Finance Officer closes 2024/25; its budget then refuses changes"):
        _cfo_closes_the_year(people("cfo@demo.pcc-grants.example"))
        progress.year_closed = True

    with subtests.test(msg="the auditor reads the audit trail"):
        assert progress.year_closed, "needs the year closed"
        _auditor_reads_the_trail(people("auditor@demo.pcc-grants.example"))


# --- Grants -------------------------------------------------------------------------------------------------


def _grants_officer_takes_an_application_to_approval(officer: Person) -> None:
    page = officer.page
    # Typed with capitals: the stored address is lower case, and sign-in ignores the case.
    officer.sign_in("Grants@Demo.PCC-grants.example")
    officer.set_up_two_factor()
    assert page.url.endswith("/staff/")
    # The latest year with budgets: the providers demo rolls 2024/25 forward to fund a two-year contract.
    expect(officer.heading()).to_contain_text("Budgets 2025/26")
    officer.check_page()

    page.get_by_role("link", name="Grant applications").click()
    expect(officer.heading()).to_have_text("Applications")
    officer.check_page()
    page.get_by_role("link", name=SUBMITTED_REFERENCE).click()
    expect(officer.heading()).to_have_text(SUBMITTED)
    expect(page.locator("main")).to_contain_text("Checking eligibility")
    officer.check_page()

    page.check("#id_screen-eligible_0")
    page.fill("#id_screen-reason", "Constituted group working in Coventry")
    page.get_by_role("button", name="Record screening").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Screening recorded")
    expect(page.locator("main")).to_contain_text("Being assessed")
    officer.check_page()

    page.check("#id_conflict-has_conflict_0")
    page.get_by_role("button", name="Save declaration").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Declaration recorded")
    officer.check_page()
    radios = page.locator("input[type=radio][name^='score-score_']")
    criteria = sorted({radios.nth(i).get_attribute("name") for i in range(radios.count())})
    assert len(criteria) == 4, criteria
    for name in criteria:
        page.locator(f"input[name='{name}']").nth(3).check()
        page.fill(f"#id_{name.replace('score_', 'comment_')}", "Clear local need")
    page.get_by_role("button", name="Save scores").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Scores saved")
    officer.check_page()

    page.fill("#id_recommend-amount", "1,500")
    page.fill("#id_recommend-reason", "Signs at every school gate in the ward")
    page.get_by_role("button", name="Recommend").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Recommendation recorded")
    expect(page.locator("main")).to_contain_text("Recommended to the panel")
    # Separation of duties: the officer who recommended is told why the decision is not theirs to record.
    expect(page.locator("#id_decide-outcome_0")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("someone else must record the decision")
    officer.check_page()
    officer.assert_nothing_broke()


def _panel_clerk_records_the_decision(clerk: Person) -> None:
    page = clerk.page
    clerk.sign_in("decisions@demo.pcc-grants.example")
    clerk.set_up_two_factor()
    page.goto("/staff/applications/")
    page.get_by_role("link", name=SUBMITTED_REFERENCE).click()
    expect(clerk.heading()).to_have_text(SUBMITTED)
    clerk.check_page()

    page.check("#id_decide-outcome_0")
    page.fill("#id_decide-reason", "Panel agreed on the day")
    # The round is funded from the LPA Reserve: Coventry's own line is already spent on the published awards.
    reserve = page.locator("#id_decide-line option", has_text="LPA Reserve")
    page.select_option("#id_decide-line", reserve.get_attribute("value"))
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Decision recorded")
    expect(page.locator("main")).to_contain_text("Approved, awaiting finance")
    clerk.check_page()
    clerk.assert_nothing_broke()


# --- Finance ------------------------------------------------------------------------------------------------


def _finance_approves_awards(finance: Person, *, panel_approved: bool) -> None:
    page = finance.page
    # The README sends finance to the Django admin; its sign-in is ours, then the second factor.
    finance.sign_in("finance@demo.pcc-grants.example", start="/admin/")
    finance.set_up_two_factor()
    expect(page.locator("h1")).to_have_text("Site administration")

    page.get_by_role("link", name="Awards", exact=True).click()
    page.get_by_role("link", name="Awaiting finance approval").click()  # the status filter
    waiting = page.locator("#result_list tbody tr")
    references = {WAITING_FOR_FINANCE, SUBMITTED_REFERENCE} if panel_approved else {WAITING_FOR_FINANCE}
    expect(waiting).to_have_count(len(references))
    for reference in references:
        expect(page.locator("#result_list")).to_contain_text(reference)
    page.check("#action-toggle")
    page.select_option("select[name=action]", "approve_selected")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text(
        f"Approved {len(references)} award{'s' if len(references) > 1 else ''} totalling"
    )
    expect(page.locator(".messagelist .error")).to_have_count(0)
    finance.assert_nothing_broke()


def _finance_pays_the_award(finance: Person) -> None:
    page = finance.page
    page.goto("/admin/")
    page.get_by_role("link", name="Award payments").click()
    row = page.locator("#result_list tbody tr", has_text=f"Payment 1 of Award {SUBMITTED_REFERENCE}")
    expect(row).to_have_count(1)
    row.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "mark_made")
    page.click("button[name=index]")
    expect(page.locator("h1")).to_have_text("Record payments as made")
    finance.check_page()
    page.fill("#id_paid_on", "31/2/2026")  # no such day: refused beside the field, nothing recorded
    page.fill("#id_reference", "BACS 2026-114")
    page.click("input[type=submit]")
    expect(page.locator(".errorlist")).to_contain_text("as a real date")
    page.fill("#id_paid_on", datetime.date.today().strftime("%d/%m/%Y"))
    page.click("input[type=submit]")
    expect(page.locator(".messagelist")).to_contain_text(
        f"Payment 1 of Award {SUBMITTED_REFERENCE} recorded as paid"
    )
    expect(page.locator(".messagelist .error")).to_have_count(0)

    page.goto("/admin/applications/award/")
    expect(page.locator("#result_list tbody tr", has_text=SUBMITTED_REFERENCE)).to_contain_text(
        "Paid in full"
    )
    finance.assert_nothing_broke()


# --- Applicant ----------------------------------------------------------------------------------------------


def _applicant_signs_in(applicant: Person) -> None:
    if applicant.signed_in:
        return
    # Typed with capitals: the stored address is lower case, and a person types it however they like.
    applicant.sign_in("Applicant@Demo.PCC-grants.example")
    assert applicant.page.url.endswith("/applications/")
    expect(applicant.heading()).to_have_text("Your applications")
    applicant.check_page()


def _applicant_accepts_the_award(applicant: Person) -> None:
    page = applicant.page
    _applicant_signs_in(applicant)
    page.goto("/applications/")
    page.get_by_role("link", name=SUBMITTED).click()
    expect(page.locator("main")).to_contain_text("Your award")
    expect(page.locator("main")).to_contain_text("£1,500")
    applicant.check_page()
    page.get_by_role("button", name="Accept your award").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have accepted your award")
    applicant.check_page()
    applicant.assert_nothing_broke()


def _upload(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def _applicant_sends_their_draft(applicant: Person) -> None:
    page = applicant.page
    _applicant_signs_in(applicant)
    page.goto("/applications/")
    page.get_by_role("link", name=DRAFT).click()
    expect(page.locator(".govuk-task-list")).to_have_count(1)
    expect(page.locator("main")).to_contain_text("You have completed 1 of 7 sections")
    applicant.check_page()

    page.get_by_role("link", name="Your project", exact=True).click()
    applicant.check_page()
    expect(page.locator("#id_project_title")).to_have_value(DRAFT)
    page.fill("#id_project_summary", "Volunteers walk children to three primary schools in Hillfields.")
    page.select_option("#id_area", label="Coventry")
    page.fill("#id_amount_requested", "1,250")
    page.get_by_label("None of these").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)

    # The round's own questions, a task per section; the safeguarding lead is asked only for projects with under-18s.
    page.get_by_role("link", name="Who your project helps").click()
    applicant.check_page()
    page.get_by_label("Who will benefit from your project?").fill(
        "About 120 children and their parents each school day."
    )
    page.get_by_label("How many people do you expect to take part?").fill("120")
    page.get_by_label("Safety of women and girls").check()
    expect(page.get_by_label("Who will be your designated safeguarding lead?")).to_be_hidden()
    page.locator("input[value=Yes]").check()
    page.get_by_label("Who will be your designated safeguarding lead?").fill("Sam Patel, youth worker")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    page.get_by_role("link", name="When and how you will know it worked").click()
    applicant.check_page()
    page.get_by_label("Day").fill("6")
    page.get_by_label("Month").fill("1")
    page.get_by_label("Year").fill("2027")
    page.get_by_label("How will you know your project has made people safer?").fill(
        "Fewer reports of children approached on the way to school, and a parents' survey each term."
    )
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)

    page.get_by_role("link", name="Budget").click()
    applicant.check_page()
    page.fill("#id_item_1_description", "Hi-vis tabards and lollipop signs")
    page.fill("#id_item_1_amount", "450")
    page.fill("#id_item_2_description", "Volunteer DBS checks and training")
    page.fill("#id_item_2_amount", "800")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)

    page.get_by_role("link", name="Documents").click()
    applicant.check_page()
    page.set_input_files("#id_governing_document", _upload("constitution.pdf"))
    page.set_input_files("#id_safeguarding_policy", _upload("safeguarding-policy.pdf"))
    page.set_input_files("#id_accounts", _upload("bank-statement.pdf"))
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)

    page.get_by_role("link", name="Declarations").click()
    applicant.check_page()
    for name in ("true_and_complete", "use_for_project", "monitoring"):
        page.check(f"#id_{name}")
    page.fill("#id_declared_by_name", "Demo Applicant")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("You have completed 7 of 7 sections")

    page.get_by_role("link", name="Check your answers and submit").click()
    applicant.check_page()
    page.get_by_role("button", name="Accept and send").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Application submitted")
    reference = page.locator(".govuk-panel__body strong").inner_text()
    assert re.fullmatch(r"HCR-\d{4}-\d{5}", reference), reference
    applicant.check_page()

    page.get_by_role("link", name="Go to your applications").click()
    expect(page.locator("main")).to_contain_text(reference)
    applicant.check_page()
    applicant.assert_nothing_broke()


# --- Provider and commissioning -----------------------------------------------------------------------------


def _preparer_fills_a_return(preparer: Person) -> int:
    page = preparer.page
    preparer.sign_in("provider@demo.pcc-grants.example")
    assert page.url.endswith("/provider/")
    expect(preparer.heading()).to_have_text("Your services")
    preparer.check_page()
    to_do = page.get_by_role("table").filter(has=page.locator("caption", has_text="Returns to complete"))
    expect(to_do, "the demo provider has no return to complete").to_have_count(1)
    outstanding = to_do.locator("tbody tr").filter(has=page.locator(".govuk-tag", has_text="Not started"))
    expect(outstanding.first).to_be_visible()
    outstanding.first.get_by_role("link").click()
    expect(preparer.heading()).to_contain_text("monitoring return")
    preparer.check_page()

    page.get_by_role("link", name="Start this return").click()
    preparer.check_page()
    for name, value in complete_figures(new_victims=45).items():
        field = page.locator(f"#id_{name}")
        if field.count():
            field.fill(value)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(page.locator("h2", has_text="Check your answers")).to_be_visible()
    preparer.check_page()
    return_url = page.url
    page.get_by_role("button", name="Send for sign-off").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("sent for sign-off")
    expect(page.get_by_role("button", name="Sign off and submit")).to_have_count(0)
    preparer.check_page()
    preparer.assert_nothing_broke()
    return int(re.search(r"/provider/returns/(\d+)/", return_url).group(1))


def _signatory_submits(signatory: Person, return_id: int) -> None:
    page = signatory.page
    signatory.sign_in("signoff@demo.pcc-grants.example")
    expect(signatory.heading()).to_have_text("Your services")
    signatory.check_page()
    page.locator(f"a[href='/provider/returns/{return_id}/']").first.click()
    expect(page.locator("main .govuk-tag").first).to_have_text("Waiting for sign-off")
    signatory.check_page()
    page.get_by_role("button", name="Sign off and submit").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Return submitted.")
    signatory.check_page()
    signatory.assert_nothing_broke()


def _commissioning_accepts(officer: Person, return_id: int) -> None:
    page = officer.page
    officer.sign_in("commissioning@demo.pcc-grants.example")
    officer.set_up_two_factor()
    officer.check_page()
    page.get_by_role("link", name="Commissioned services and monitoring returns").click()
    expect(officer.heading()).to_contain_text("Monitoring returns")
    officer.check_page()
    page.select_option("#id_provider", label=PROVIDER)
    page.get_by_role("button", name="Filter returns").click()
    page.locator(f"a[href='/staff/commissioning/returns/{return_id}/']").click()
    expect(page.locator("main")).to_contain_text("Submitted")
    officer.check_page()
    page.get_by_role("button", name="Accept return").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("accepted")
    expect(page.locator("main .govuk-tag").first).to_have_text("Accepted")
    officer.check_page()
    officer.assert_nothing_broke()


# --- Year end and audit ---------------------------------------------------------------------------------------


def _cfo_closes_the_year(cfo: Person) -> None:
    page = cfo.page
    cfo.sign_in("cfo@demo.pcc-grants.example", start="/admin/")
    cfo.set_up_two_factor()
    page.goto("/admin/funds/financialyear/")
    row = page.locator("#result_list tbody tr", has_text="2024/25")
    row.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "close_year")
    page.click("button[name=index]")
    # The reason page: nothing closes without one.
    page.locator("textarea, input[type=text]").first.fill("Statement of accounts for 2024/25 approved")
    page.locator("input[type=submit]").click()
    expect(page.locator(".messagelist")).to_contain_text("closed")
    expect(page.locator(".messagelist .error")).to_have_count(0)

    # The budget page then refuses any change, saying why.
    page.goto("/admin/funds/budget/")
    page.locator("#result_list tbody tr", has_text="2024/25").locator(
        "a", has_text="Helping Communities Fund"
    ).first.click()
    expect(page.locator("#content")).to_contain_text("2024/25 is closed")
    cfo.assert_nothing_broke()


def _auditor_reads_the_trail(auditor: Person) -> None:
    page = auditor.page
    auditor.sign_in("auditor@demo.pcc-grants.example")
    auditor.set_up_two_factor()
    page.goto("/staff/audit/")
    expect(auditor.heading()).to_contain_text("Audit trail")
    auditor.check_page()
    expect(page.locator("main")).to_contain_text("Demo Chief Finance Officer")
    expect(page.locator("main")).to_contain_text("Statement of accounts for 2024/25 approved")
    # Read-only: the staff pages open, the money actions do not.
    page.goto("/admin/applications/award/")
    expect(page.locator("select[name=action] option[value=approve_selected]")).to_have_count(0)
    auditor.assert_nothing_broke()
