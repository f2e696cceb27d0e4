"""The budget transfer form offers every budget but the one the money leaves; posting that one is refused."""

from decimal import Decimal

import pytest
from django.urls import reverse

from funds.models import BudgetEntry
from tests.factories import BudgetFactory

pytestmark = pytest.mark.django_db


def test_a_transfer_to_the_budget_it_comes_from_is_refused_and_nothing_moves(staff_client):
    source, target = BudgetFactory(pot=Decimal("1000")), BudgetFactory(pot=Decimal("1000"))
    url = reverse("admin:funds_budget_transfer", args=[source.pk])
    data = {"amount": "250", "note": "Top-up"}
    refused = staff_client.post(url, {**data, "to_budget": source.pk})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    assert BudgetEntry.objects.count() == 2  # the two allocations, nothing else

    assert staff_client.post(url, {**data, "to_budget": target.pk}).status_code == 302
    assert BudgetEntry.objects.count() == 4
