"""Bugs the harness found, each pinned by a plain test that fails without its fix (the harness would find them again,
but a named test says what was wrong)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from funds.models import BudgetEntry
from tests.factories import BudgetFactory, UserFactory

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)  # tests/conftest.py marks the second factor as checked
    return client


def test_the_budget_transfer_page_of_a_budget_that_does_not_exist_is_not_found():
    finance = UserFactory(is_staff=True, is_superuser=True)
    client = _signed_in(finance)
    for pk in ("999999999", "99999999999999999999"):
        assert client.get(f"/admin/funds/budget/{pk}/transfer/").status_code == 404


def test_staff_who_may_not_change_budgets_cannot_move_money_between_them():
    source, target = BudgetFactory(pot=Decimal("1000")), BudgetFactory()
    commissioning = UserFactory(is_staff=True)  # staff, but no permission on funds
    client = _signed_in(commissioning)
    url = reverse("admin:funds_budget_transfer", args=[source.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"to_budget": target.pk, "amount": "100", "note": "moved"})
    assert response.status_code == 403
    assert not BudgetEntry.objects.filter(budget=target).exists()


@pytest.mark.parametrize("typed", [99, 1e400, "text", [1, 2], [["nested"]], {"a": 1}])
def test_a_round_whose_json_lists_are_not_lists_is_refused_with_a_message(typed):
    from django.core.exceptions import ValidationError

    from applications.models import Round

    for name in ("organisation_types", "requirements"):
        round_ = Round(name="Round", **{name: typed})
        with pytest.raises(ValidationError) as refused:
            round_.clean()
        assert "Enter a list" in str(refused.value.message_dict[name])


def test_a_service_funding_row_shown_again_before_it_is_saved_has_no_release_link():
    from django.contrib import admin

    from providers.admin import FundingInline
    from providers.models import Service, ServiceFunding

    inline = FundingInline(Service, admin.site)
    assert inline.release_link(ServiceFunding()) == ""


@pytest.mark.parametrize("typed", ["74, 626", "99999999999999999999", "abc", "-1"])
def test_an_admin_form_refused_for_a_value_that_is_not_an_id_shows_its_error_not_a_500(typed):
    from tests.factories import AreaFactory

    area = AreaFactory(name="Coventry")
    client = _signed_in(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:funds_area_change", args=[area.pk]))
    assert page.status_code == 200
    data = {
        field: value for field, value in page.context["adminform"].form.initial.items() if value is not None
    }
    data.update({"name": "Coventry", "parent": typed, "succeeded_by": typed})
    response = client.post(reverse("admin:funds_area_change", args=[area.pk]), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_every_admin_with_autocomplete_fields_uses_the_widgets_that_drop_values_that_are_not_ids():
    from django.contrib import admin

    from core.admin_widgets import ValidIdsAutocompleteMixin

    admins = list(admin.site._registry.values())
    admins += [
        inline(model_admin.model, admin.site) for model_admin in admins for inline in model_admin.inlines
    ]
    with_autocomplete = [a for a in admins if a.autocomplete_fields]
    assert with_autocomplete, (
        "the walk found no admin with autocomplete fields: is it still reading the registry?"
    )
    assert [type(a).__name__ for a in with_autocomplete if not isinstance(a, ValidIdsAutocompleteMixin)] == []
