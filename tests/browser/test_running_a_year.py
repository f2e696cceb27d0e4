"""A financial year run in Chromium, as the office runs it: finance approves two awards and pays them in
instalments on the dates the money left, varies one up and one down, claws back an underspend; a provider's quarterly
claim is checked, approved and paid; the Chief Finance Officer rolls the year forward and closes it. Then the
outturn page's figures are checked against sums of the ledger made here, row by row, independently of the page."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.fixtures import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _person(role: str, **fields):
    from tests.applications.factories import staff_in

    return staff_in(role, **fields)


def switch_to(page, live_server, user):
    page.context.clear_cookies()
    sign_in(page, live_server, user)


def messages(page):
    return page.locator(".messagelist")


@pytest.fixture
def year(db):
    """2024/25 with a community round's two awards waiting for finance, and a victims' service funded from a
    commissioning line, its Q1 return submitted."""
    from applications import services as application_services
    from providers import ready_templates
    from providers import services as provider_services
    from tests.applications.factories import RoundFactory, approved_award, area_line
    from tests.factories import BudgetFactory, BudgetLineFactory, FinancialYearFactory
    from tests.providers.conftest import fill_and_send, make_side
    from tests.providers.factories import PeriodFactory

    year = FinancialYearFactory(start_year=2024)
    round_ = RoundFactory(budget=BudgetFactory(year=year, pot=Decimal("50000")))
    line = area_line(round_, amount="20000")
    first = approved_award(round_=round_, amount=Decimal("3000"), line=line)
    second = approved_award(round_=round_, amount=Decimal("4000"), line=line)
    for award in (first, second):
        award.schedule, award.instalments = "instalments", 2
        award.save()

    template = ready_templates.install()[ready_templates.VICTIMS_SERVICES]
    side = make_side("Black Country Women's Aid", PeriodFactory(template=template, year=year))
    commissioning = BudgetLineFactory(
        budget=BudgetFactory(year=year, pot=Decimal("100000")), amount=Decimal("40000")
    )
    provider_services.fund_service(service=side.service, line_id=commissioning.pk, amount=Decimal("40000"))
    fill_and_send(side)
    provider_services.sign_off_and_submit(return_id=side.ret.pk, by=side.signatory)
    return {
        "year": year,
        "first": first,
        "second": second,
        "side": side,
        "accept": application_services.accept_award,
    }


def _row_action(page, url: str, row_text: str | list[str], action: str):
    page.goto(url)
    for text in [row_text] if isinstance(row_text, str) else row_text:
        row = page.locator("#result_list tbody tr", has_text=text)
        expect(row).to_have_count(1)
        row.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


def _pay(page, award, number: int, on: str, reference: str, amount: str = ""):
    _row_action(
        page,
        "/admin/applications/awardpayment/",
        f"Payment {number} of Award {award.application.reference}",
        "mark_made",
    )
    page.fill("#id_paid_on", on)
    page.fill("#id_reference", reference)
    if amount:
        page.fill("#id_amount", amount)
    page.click("input[type=submit]")
    expect(messages(page)).to_contain_text("recorded as paid")
    expect(messages(page).locator(".error")).to_have_count(0)


def _award_action(page, award, action: str, **fields):
    _row_action(page, "/admin/applications/award/", award.application.reference, action)
    for name, value in fields.items():
        page.fill(f"#id_{name}", value)
    page.click("input[type=submit]")
    expect(messages(page).locator(".error")).to_have_count(0)


def test_a_year_run_in_the_browser_reconciles_to_the_ledger(page, live_server, year):
    from accounts import roles
    from applications.models import Award
    from providers.models import Claim

    first, second, side = year["first"], year["second"], year["side"]
    finance = _person(roles.FINANCE_OFFICER, full_name="Fran Finance")
    approver = _person(roles.FINANCE_APPROVER, full_name="Fin Approver")
    officer = _person(roles.COMMISSIONING_OFFICER, full_name="Cara Commissioner")
    cfo = _person(roles.CHIEF_FINANCE_OFFICER, full_name="Chris CFO")

    # Finance approves both awards; the groups accept them.
    switch_to(page, live_server, finance)
    _row_action(
        page,
        "/admin/applications/award/",
        [first.application.reference, second.application.reference],
        "approve_selected",
    )
    expect(messages(page)).to_contain_text("Approved 2 awards totalling £7,000")
    for award in (first, second):
        year["accept"](award_id=award.pk, by=award.application.created_by)

    # The first instalments, paid on the day the money left.
    _pay(page, first, 1, "3/6/2024", "BACS 0603")
    _pay(page, second, 1, "3/6/2024", "BACS 0603")

    # One award varied up (more sessions), one down (a smaller venue).
    _award_action(page, first, "vary_selected", amount="£3,500", reason="Two more sessions agreed")
    expect(messages(page)).to_contain_text("varied")
    _award_action(page, second, "vary_selected", amount="3000", reason="Smaller venue")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.amount, second.amount) == (Decimal("3500"), Decimal("3000"))

    # The rest of the first paid; part of the second, which then ends under budget and pays some back.
    _pay(page, first, 2, "1/10/2024", "BACS 1001")
    _pay(page, second, 2, "1/10/2024", "BACS 1001", amount="600")
    switch_to(page, live_server, approver)
    _award_action(
        page,
        second,
        "record_repayment",
        amount="£100",
        received_on="14/2/2025",
        reference="REMIT 0214",
        reason="Unspent on the venue",
    )
    expect(messages(page)).to_contain_text("Repayment recorded")
    _award_action(page, second, "close_selected", reason="Project finished under budget")
    expect(messages(page)).to_contain_text("underspend is released")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Award.Status.PAID, Award.Status.CLOSED)

    # The provider claims its first quarter; commissioning checks it; a finance approver approves and pays it.
    switch_to(page, live_server, side.preparer)
    page.goto(f"/provider/services/{side.service.pk}/")
    page.get_by_role("link", name="Claim a payment").click()
    page.get_by_label("Q1 2024/25").check()
    page.get_by_label("How much are you claiming?").fill("£10,000")
    page.get_by_label("How much did the service spend in the quarter?").fill("9,500")
    page.get_by_role("button", name="Send claim").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been sent")
    claim = Claim.objects.get()
    switch_to(page, live_server, officer)
    page.goto(f"/staff/commissioning/claims/{claim.pk}/")
    page.get_by_role("button", name="Mark as checked against the return").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Claim checked")
    switch_to(page, live_server, approver)
    page.goto(f"/staff/commissioning/claims/{claim.pk}/")
    page.get_by_role("button", name="Approve for payment").click()
    page.get_by_label("Date paid").fill("1/8/2024")
    page.get_by_label("Finance reference").fill("PR-2024-08")
    page.get_by_role("button", name="Record payment of £10,000").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Payment of £10,000 recorded")

    # The Chief Finance Officer rolls the year forward and closes it.
    switch_to(page, live_server, cfo)
    for action, done in (("roll_forward", "rolled forward"), ("close_year", "is closed")):
        _row_action(page, "/admin/funds/financialyear/", "2024/25", action)
        page.fill("#id_reason", "Year end 2024/25")
        page.click("input[type=submit]")
        expect(messages(page)).to_contain_text(done)
        expect(messages(page).locator(".error")).to_have_count(0)

    _check_outturn(page, year["year"])


def _ledger(year):
    """The year's figures summed here from the ledger's own rows, without the outturn's code."""
    from funds.models import BudgetLine, Commitment, CommitmentChange, Payment

    figures = {}
    for line in BudgetLine.objects.filter(budget__year=year):
        payments = Payment.objects.filter(line=line, paid_on__gte=year.starts_on, paid_on__lte=year.ends_on)
        live = Commitment.objects.filter(line=line, released_at__isnull=True)
        changes = CommitmentChange.objects.filter(commitment__line=line)
        released = sum(
            c.amount for c in Commitment.objects.filter(line=line, released_at__isnull=False)
        ) + -sum(c.amount for c in changes if c.kind == "underspend")
        carried = -sum(c.amount for c in changes if c.kind == "carried_forward")
        figures[line.name] = {
            "budget": line.amount + carried,
            "committed": sum((c.amount for c in live), Decimal("0")),
            "paid": sum((p.amount for p in payments), Decimal("0")),
            "released": Decimal(released),
            "carried": Decimal(carried),
        }
    return figures


def _check_outturn(page, year):
    from core.money import format_pounds

    figures = _ledger(year)
    page.goto(f"/staff/reports/outturn/?year={year.label()}")
    assert_accessible(page)
    body = page.locator("main").inner_text()
    paid = sum(f["paid"] for f in figures.values())
    budget = sum(f["budget"] for f in figures.values())
    # What a finance officer checks first: paid (£3,500, then £2,600 less £100 repaid, then £10,000) and the budget.
    assert paid == Decimal("16000.00")
    assert format_pounds(paid) in body and format_pounds(budget) in body
    for name, f in figures.items():
        row = page.locator("tr", has_text=name).first
        for figure in ("budget", "committed", "paid", "released", "carried"):
            expect(row).to_contain_text(format_pounds(f[figure]))
    # The award closed under budget released what was left unpaid on it (£3,000 less £2,600 paid).
    assert sum(f["released"] for f in figures.values()) == Decimal("400.00")
