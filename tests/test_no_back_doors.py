"""Every admin page that shows a money field, listed with how its money may change; nothing else may change it.

The list is read from the admin itself: every registered model, and every inline on it, whose model has a field in
pounds (a DecimalField with pence). A new one fails `test_every_money_field_in_the_admin_is_listed` until it has a
line below saying which of three it is:

- READ_ONLY: the admin cannot add, change or delete it; a service elsewhere writes it.
- THROUGH_SERVICES: the admin's own save and delete are replaced by calls to the named services (which lock, check
  and record); Django's default save is never used. The money guard (tests/money_guard.py) then proves, across the
  whole suite, that every change along an admin request came with its audit event.
- NOT_MONEY: a setting or an input that moves no money (a threshold, a round's limits, a score), with the reason.
"""

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

READ_ONLY = {
    "funds.Commitment": "written by funds.services.commit_to_line and release_commitment",
    "funds.Payment": "written by funds.services.record_payment and reverse_payment",
    "funds.TransferRequest": "written by funds.services.request_transfer and approve_transfer",
    "applications.AwardPayment": "the award's instalments, made by approve_award and paid by mark_payment_made",
    "applications.Application": "the amounts come from the applicant's budget and the recommendation (services)",
    "providers.ServiceFunding": (
        "written by providers.services.fund_service and release_funding, and providers.funding (its admin actions)"
    ),
    "providers.Claim": "written by providers.claims (submit, check, return, approve, pay)",
    "applications.AwardVariation": "written by applications.services.vary_award; shown on the award, never edited",
    "funder_returns.FunderReturnFigure": (
        "a funder return's figures, written by funder_returns.services.prepare_return; shown on the return, never edited"
    ),
}

THROUGH_SERVICES = {
    # model label: (the admin of which model, its method) that must call services instead of Django's own save
    "funds.BudgetLine": [
        ("funds.BudgetLine", "save_model"),  # funds.services.save_line
        ("funds.Budget", "save_formset"),  # the budget page: save_line and delete_line, with the reason asked
    ],
    "applications.Award": [("applications.Award", "save_model")],
    # the pot's ledger: a new entry on the budget page goes through funds.services.add_to_pot, none is edited
    "funds.BudgetEntry": [("funds.Budget", "save_formset")],  # applications.services.change_award_terms
    # the police precept's Band D and the bands typed in to check it: funds.services.set_precept, set_precept_band
    "funds.Precept": [("funds.Precept", "save_model")],
    "funds.PreceptBand": [("funds.Precept", "save_formset")],
}

NOT_MONEY = {
    "funds.Office": "the office's thresholds for a second signature and a PCC decision",
    "funds.ReportTable": "where a printed table rolls small lines up",
    "applications.Round": "a round's minimum and maximum grant and its decision threshold",
    "needs.NeedsAssessment": "the pot a needs assessment shares out; adopting it goes through funds.services",
    "needs.CurrentAllocation": "today's allocations, an input to the needs calculation",
    "providers.PaymentScheduleItem": (
        "a service's planned instalments: planning one commits or pays nothing (the money is the service's "
        "funding, read-only here); paying one goes through providers.claims.pay_scheduled_item, and a paid one "
        "can be neither changed nor deleted"
    ),
}


def _money_fields(model) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.DecimalField) and f.decimal_places == 2 and f.name != "score"
    ]


def _pages():
    """(label, the ModelAdmin or inline, its money fields, the admin it sits in) for every admin page with money."""
    for model, model_admin in admin.site._registry.items():
        if fields := _money_fields(model):
            yield model._meta.label, model_admin, fields, model_admin
        for inline in model_admin.get_inline_instances(_request()):
            if fields := _money_fields(inline.model):
                yield inline.model._meta.label, inline, fields, model_admin


def _request():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory.build(is_staff=True, is_superuser=True, is_active=True)
    return request


def test_every_money_field_in_the_admin_is_listed():
    listed = READ_ONLY.keys() | THROUGH_SERVICES.keys() | NOT_MONEY.keys()
    unlisted = sorted({label for label, *_ in _pages()} - listed)
    assert not unlisted, (
        f"Admin pages with money fields, not yet listed in tests/test_no_back_doors.py: {unlisted}"
    )
    assert len(listed) == len(READ_ONLY) + len(THROUGH_SERVICES) + len(NOT_MONEY), "a model is listed twice"


def test_read_only_money_cannot_be_added_changed_or_deleted_in_the_admin():
    request = _request()
    wrong = []
    for label, page, fields, _parent in _pages():
        if label not in READ_ONLY:
            continue
        add = (
            page.has_add_permission(request, None)
            if isinstance(page, admin.options.InlineModelAdmin)
            else (page.has_add_permission(request))
        )
        shown = set(fields) & set(page.get_fields(request, None))
        editable = shown - set(page.get_readonly_fields(request, None))
        if add:
            wrong.append(f"{label} can be added in {type(page).__name__}")
        deletable = page.has_delete_permission(request, None)
        if isinstance(page, admin.options.InlineModelAdmin):
            deletable = deletable and page.can_delete
        if deletable:
            wrong.append(f"{label} can be deleted in {type(page).__name__}")
        if page.has_change_permission(request, None) and editable:
            wrong.append(f"{label}'s {sorted(editable)} can be edited in {type(page).__name__}")
    assert not wrong, "\n".join(wrong)


def test_money_saved_from_the_admin_goes_through_services_not_django_s_save():
    request = _request()
    admins = {model._meta.label: model_admin for model, model_admin in admin.site._registry.items()}
    wrong = []
    for label, overridden in THROUGH_SERVICES.items():
        for admin_of, method in overridden:
            owner = admins[admin_of]
            if getattr(type(owner), method) is getattr(admin.ModelAdmin, method):
                wrong.append(
                    f"{type(owner).__name__}.{method} is Django's own: {label} would be saved directly"
                )
        # A row with money is never deleted from its page; an empty line goes through an action that calls
        # funds.services.delete_line.
        model_admin = admins.get(label)
        if model_admin is not None and model_admin.has_delete_permission(request, None):
            wrong.append(f"{label} can be deleted from its admin page, around the services")
    assert not wrong, "\n".join(wrong)


def test_nothing_that_holds_money_offers_django_s_bulk_delete():
    request = _request()
    holding = READ_ONLY.keys() | THROUGH_SERVICES.keys() | {"funds.Budget", "funds.FinancialYear"}
    offering = sorted(
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model._meta.label in holding and "delete_selected" in model_admin.get_actions(request)
    )
    assert not offering, f"Django's bulk delete is offered for: {offering}"
