"""Admin pages read the same number of queries however many rows there are (issue 14).

Each page is opened at one size, then again after more rows are added: a list's related columns, a select's option
labels or an inline's rows read one query per row would make the second count larger. The biggest lists and the
money pages finance staff live on (a budget, a decision) are also pinned to their count, so a new query on them is
a decision someone takes, not an accident.
"""

import datetime

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from applications.models import Application, Invitation
from audit.models import AuditEvent
from audit.services import record_event
from benchmarks.scale_data import generate
from core.admin_tools import KeysFirstPaginator
from funds.models import Budget, BudgetLine, BudgetSection, Decision
from providers.models import Service
from tests.applications.factories import staff_in
from tests.factories import (
    AreaFactory,
    BudgetFactory,
    BudgetLineFactory,
    FinancialYearFactory,
    FundingStreamFactory,
)

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> tuple[int, object]:
    # Django's cache of content types is warm in a running site; whether an earlier test in this worker happened to
    # warm it must not change the count, so it is filled before the page is counted.
    ContentType.objects.get_for_models(*admin.site._registry)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response


def admin_pages(client) -> dict[str, tuple[int, bool | None]]:
    """For every registered model: its list (first and last page), its newest record's page and its add form. Each
    with its query count and, for a list, whether it had more than one page (a one-page list reads its rows without
    asking for their keys first, one query fewer, whatever the size)."""
    found = {}
    for model in admin.site._registry:
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        count, response = queries(client, reverse(f"{prefix}_changelist"))
        changelist = response.context["cl"]
        found[f"{opts.label} list"] = (count, changelist.multi_page)
        last = changelist.paginator.num_pages
        count, response = queries(client, f"{reverse(f'{prefix}_changelist')}?p={last}")
        found[f"{opts.label} list, last page"] = (count, changelist.multi_page)
        newest = model._default_manager.order_by("-pk").first()
        if newest is not None:
            found[f"{opts.label} record"] = (
                queries(client, reverse(f"{prefix}_change", args=[newest.pk]))[0],
                None,
            )
        response = client.get(reverse(f"{prefix}_add"))
        if response.status_code == 200:  # money and what only services write have no add form
            found[f"{opts.label} add"] = (queries(client, reverse(f"{prefix}_add"))[0], None)
    return found


@pytest.fixture
def rows_a_page(monkeypatch):
    """Short pages, so that every list with rows to speak of has several pages at both sizes; longer ones at the
    bigger size, so that a query per row shows as more queries."""

    def rows(count: int) -> None:
        for model_admin in admin.site._registry.values():
            monkeypatch.setattr(model_admin, "list_per_page", count)

    return rows


# What the biggest lists cost, for the superuser: the session, the user, each filter's choices, one COUNT (no second
# count of the whole table: show_full_result_count is off), the page's keys, then its rows with their related rows.
PINNED = {
    "audit.AuditEvent list": 8,
    "audit.AuditEvent list, last page": 8,
    "applications.Application list": 7,
    "applications.Application list, last page": 7,
    "applications.Award list": 7,
    "applications.Award list, last page": 7,
    "applications.AwardPayment list": 6,
    "funds.Commitment list": 7,
    "funds.Payment list": 5,
    "providers.MonitoringReturn list": 7,
    "providers.MonitoringReturn list, last page": 7,
    "funds.BudgetLine list": 8,
    "funds.Budget list": 7,
    "applications.Organisation list": 6,
    "accounts.User list": 6,
}


def test_every_admin_page_reads_as_many_queries_with_more_rows(full_demo, admin_client, rows_a_page):
    # full_demo: the demo generate() would otherwise load first, from the session's copy instead of a minute of loading.
    generate(applications=40, organisations=8, returns=20, seed=3, out=lambda text: None)
    rows_a_page(5)
    small = admin_pages(admin_client)
    generate(applications=90, organisations=15, returns=45, seed=4, force=True, out=lambda text: None)
    rows_a_page(12)
    big = admin_pages(admin_client)

    grown = {
        page: (small[page][0], big[page][0])
        for page in small
        if page in big and small[page][1] == big[page][1] and big[page][0] > small[page][0]
    }
    assert grown == {}, "these pages read more queries with more rows (before, after)"
    assert {page: big[page][0] for page in PINNED} == PINNED


def budget_with_lines(count: int) -> Budget:
    budget = BudgetFactory(pot="1000000")
    sections = [
        BudgetSection.objects.create(budget=budget, heading=f"Section {n}", order=n) for n in range(3)
    ]
    for n in range(count):
        BudgetLineFactory(budget=budget, section=sections[n % 3], area=AreaFactory(), amount="100.00")
    return budget


def test_a_budget_page_reads_as_many_queries_with_30_lines_as_with_60(staff_client):
    counts = []
    for lines in (30, 60):
        budget = budget_with_lines(lines)
        count, response = queries(staff_client, reverse("admin:funds_budget_change", args=[budget.pk]))
        assert response.content.decode().count('name="lines-') > lines  # each line has its row
        counts.append(count)
    assert counts[0] == counts[1] == 12


def test_a_line_offers_only_its_own_budgets_sections(staff_client):
    mine, other = budget_with_lines(3), budget_with_lines(3)
    page = staff_client.get(reverse("admin:funds_budget_change", args=[mine.pk])).content.decode()
    assert all(section.heading in page for section in mine.sections.all())
    chosen = other.sections.first()
    assert f'value="{chosen.pk}"' not in page


def decision_with_choices(count: int) -> Decision:
    year = FinancialYearFactory(start_year=2000 + count)
    for _n in range(count):
        budget = BudgetFactory(stream=FundingStreamFactory(), year=year)
        BudgetLineFactory(budget=budget)
    return Decision.objects.create(number=f"{count}-2024", title="Grants for the year")


@pytest.mark.parametrize("page", ["change", "add"])
def test_a_decisions_page_reads_as_many_queries_with_30_budgets_as_with_60(staff_client, page):
    counts = []
    for budgets in (30, 60):
        decision = decision_with_choices(budgets)
        url = (
            reverse("admin:funds_decision_change", args=[decision.pk])
            if page == "change"
            else reverse("admin:funds_decision_add")
        )
        count, response = queries(staff_client, url)
        labels = response.content.decode()
        assert all(
            str(b) in labels for b in Budget.objects.all()
        )  # every budget is offered, by name and year
        counts.append(count)
    assert counts[0] == counts[1]
    assert counts[1] == (7 if page == "change" else 4)


def test_the_add_line_form_reads_its_budgets_with_their_stream_and_year(staff_client):
    counts = []
    for budgets in (30, 60):
        decision_with_choices(budgets)
        counts.append(queries(staff_client, reverse("admin:funds_budgetline_add"))[0])
    assert counts[0] == counts[1]


def test_big_foreign_keys_are_searched_for_or_given_by_id_not_listed():
    """An organisation, a provider or an area is chosen by typing (autocomplete), a user by id: a form does not
    list thousands of them."""
    for model, searched, by_id in (
        (Invitation, {"organisation"}, {"invited_by"}),
        (Application, {"organisation"}, set()),
        (Service, {"provider"}, {"contract_manager"}),
        (BudgetLine, {"area"}, set()),
    ):
        model_admin = admin.site._registry[model]
        assert searched <= set(model_admin.autocomplete_fields), model
        assert by_id <= set(model_admin.raw_id_fields), model


@pytest.mark.parametrize(
    "role, model, field",
    [
        (roles.GRANTS_OFFICER, "invitation", "organisation"),
        (roles.COMMISSIONING_OFFICER, "service", "provider"),
    ],
)
def test_the_people_who_fill_in_a_form_can_search_its_big_foreign_keys(client, role, model, field):
    """Admin's search box answers only someone who may view the rows searched: each role that edits the form can."""
    client.force_login(staff_in(role))
    app_label = "applications" if model == "invitation" else "providers"
    url = reverse("admin:autocomplete")
    params = {"app_label": app_label, "model_name": model, "field_name": field, "term": "a"}
    assert client.get(url, params).status_code == 200
    assert client.get(reverse(f"admin:{app_label}_{model}_add")).status_code == 200


def test_every_page_read_by_key_holds_the_rows_of_the_list_in_order(admin_user):
    """KeysFirstPaginator reads a late page from the end, in the reverse order: it must hold exactly the rows the
    list has there, ties in the list's order (events at the same moment) included."""
    moments = [timezone.make_aware(datetime.datetime(2024, 4, day, 9)) for day in (1, 2, 3)]
    for n in range(23):
        event = record_event(f"test.event{n}", obj=admin_user, by=admin_user)
        AuditEvent.objects.filter(pk=event.pk).update(at=moments[n % 3])
    listed = AuditEvent.objects.order_by("-at", "-pk")
    everything = list(listed)
    paginator = KeysFirstPaginator(listed, 5, orphans=1)
    for number in paginator.page_range:
        bottom = (number - 1) * 5
        expected = everything[bottom : bottom + 5] if number < paginator.num_pages else everything[bottom:]
        assert list(paginator.page(number).object_list) == expected, number
