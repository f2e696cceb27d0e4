"""Pressing Enter in a field of the budget page saves it: the form's default (first) submit button is the save one."""

import re
from decimal import Decimal

import pytest

from applications.models import Application
from tests.applications.factories import OrganisationFactory, RoundFactory, member_of

pytestmark = pytest.mark.django_db


def test_the_first_submit_button_of_the_budget_form_saves_rather_than_adding_a_row(client):
    round_ = RoundFactory()
    user = member_of(OrganisationFactory(area=round_.areas.first()))
    client.force_login(user)
    application = Application.objects.create(
        round=round_,
        organisation=user.memberships.get().organisation,
        created_by=user,
        amount_requested=Decimal("4800"),
    )

    page = client.get(f"/applications/{application.pk}/budget/").content.decode()

    form = re.search(r'<form method="post".*?</form>', page, re.S).group(0)
    submits = re.findall(r'<(?:button|input)\b[^>]*\btype="submit"[^>]*>', form)
    assert "Add another item" in form
    assert 'name="action"' in submits[0] and 'value="continue"' in submits[0], submits
    assert "Enter in a field" not in page  # the template's note about it is a comment, not text on the page
