"""Enter in a field of the application's budget page saves it, as it does on every other form, in real Chromium."""

from decimal import Decimal

import pytest

from applications.models import Application
from tests.applications.factories import OrganisationFactory, RoundFactory, member_of
from tests.browser.fixtures import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pressing_enter_in_a_budget_amount_saves_the_budget(page, live_server):
    round_ = RoundFactory()
    user = member_of(OrganisationFactory(area=round_.areas.first()))
    application = Application.objects.create(
        round=round_,
        organisation=user.memberships.get().organisation,
        created_by=user,
        amount_requested=Decimal("4800"),
    )
    sign_in(page, live_server, user)
    page.goto(f"/applications/{application.pk}/budget/")
    assert_accessible(page)

    page.fill("#id_item_1_description", "Coaches")
    page.fill("#id_item_1_amount", "4,800")
    page.press("#id_item_1_amount", "Enter")

    page.wait_for_url(f"**/applications/{application.pk}/")
    application.refresh_from_db()
    assert "budget" in application.completed_tasks
    assert [i.amount for i in application.budget_items.all()] == [Decimal("4800")]
