"""The money guard (tests/money_guard.py) can fail: money changed along a request, a task or a command with no audit
event in the same transaction is caught, with the row and the path; the same change through a service, or made by
set-up code, is not.

Each test reads (and empties) the guard's log itself with `take_violations`, so its own planted back doors do not fail
it again at teardown. The views live in this module, which is the URL conf only for these tests."""

import urllib.request
from decimal import Decimal

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.management import BaseCommand, call_command
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpResponse
from django.urls import include, path

from audit.services import record_event
from funds import services
from funds.models import BudgetLine
from pcc_grants.celery import app
from tests import money_guard
from tests.factories import BudgetLineFactory

pytestmark = [pytest.mark.urls("tests.test_money_guard")]


def _raise(pk: int) -> None:
    BudgetLine.objects.filter(pk=pk).update(amount=F("amount") + 1)


def raw_update(request, pk):
    _raise(pk)
    return HttpResponse("a back door")


def raw_update_then_an_event_in_another_transaction(request, pk):
    with transaction.atomic():
        _raise(pk)
    with transaction.atomic():
        record_event("line.saved", obj=BudgetLine.objects.get(pk=pk), note="not the same transaction")
    return HttpResponse("an event, but too late")


def raw_update_then_an_event_in_autocommit(request, pk):
    _raise(pk)
    record_event("line.saved", obj=BudgetLine.objects.get(pk=pk), note="a transaction of its own")
    return HttpResponse("an event, but in a transaction of its own")


def raw_update_and_an_event_together(request, pk):
    with transaction.atomic():
        _raise(pk)
        record_event("line.saved", obj=BudgetLine.objects.get(pk=pk), note="the same transaction")
    return HttpResponse("recorded")


def through_the_service(request, pk):
    line = BudgetLine.objects.get(pk=pk)
    line.amount += 1
    services.save_line(line=line, by=None, reason="guard test")
    return HttpResponse("through the service")


urlpatterns = [
    path("raw/<int:pk>/", login_not_required(raw_update)),
    path("raw-then-event/<int:pk>/", login_not_required(raw_update_then_an_event_in_another_transaction)),
    path("raw-then-event-autocommit/<int:pk>/", login_not_required(raw_update_then_an_event_in_autocommit)),
    path("together/<int:pk>/", login_not_required(raw_update_and_an_event_together)),
    path("service/<int:pk>/", login_not_required(through_the_service)),
    path("", include("pcc_grants.urls")),  # the sign-in and error pages the middleware and templates name
]


@app.task(name="tests.test_money_guard.raw_update_task")
def raw_update_task(pk: int) -> None:
    _raise(pk)


class RawUpdateCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("pk", type=int)

    def handle(self, *args, pk, **options):
        _raise(pk)


@pytest.fixture
def line(db):
    if connection.vendor != "postgresql":
        pytest.skip("the money guard uses PostgreSQL triggers")
    return BudgetLineFactory(amount=Decimal("500.00"))


def only(violations) -> money_guard.Violation:
    assert len(violations) == 1, [v.describe() for v in violations]
    return violations[0]


def test_a_raw_update_in_a_view_is_caught_with_the_row_and_the_path(client, line):
    client.get(f"/raw/{line.pk}/")

    violation = only(money_guard.take_violations(connection))
    assert (violation.table, violation.op, violation.row_id) == ("funds_budgetline", "UPDATE", line.pk)
    assert violation.path == f"request GET /raw/{line.pk}/"
    assert violation.describe() == (
        f"funds_budgetline id={line.pk} UPDATE: (amount=500.00) -> (amount=501.00), "
        f"along `request GET /raw/{line.pk}/` (txid {violation.txid})"
    )


@pytest.mark.parametrize("url", ["raw-then-event", "raw-then-event-autocommit"])
def test_an_event_in_another_transaction_does_not_cover_the_change(client, line, url):
    """In this rolled-back test every request shares the test's txid; the guard still tells the transactions the
    view would run in apart."""
    client.get(f"/{url}/{line.pk}/")

    assert only(money_guard.take_violations(connection)).row_id == line.pk


def test_a_change_and_its_event_in_one_transaction_pass(client, line):
    client.get(f"/together/{line.pk}/")

    assert money_guard.take_violations(connection) == []


def test_a_change_through_a_service_passes(client, line):
    client.get(f"/service/{line.pk}/")

    line.refresh_from_db()
    assert line.amount == Decimal("501.00")
    assert money_guard.take_violations(connection) == []


def test_set_up_code_is_not_checked(line):
    _raise(line.pk)
    BudgetLineFactory(budget=line.budget, amount=Decimal("1.00"))
    BudgetLine.objects.filter(pk=line.pk).delete()

    assert money_guard.take_violations(connection) == []


def test_a_task_is_a_path(line):
    raw_update_task.delay(line.pk)  # eager in tests: runs here, between task_prerun and task_postrun

    assert only(money_guard.take_violations(connection)).path == "task tests.test_money_guard.raw_update_task"


def test_a_management_command_is_a_path(line):
    call_command(RawUpdateCommand(), str(line.pk))

    assert only(money_guard.take_violations(connection)).path == "command test_money_guard"


@pytest.mark.django_db(transaction=True)
def test_the_live_servers_request_threads_are_watched(live_server, line):
    """Browser tests reach the app through the live server's own threads and connections, in real transactions."""
    with urllib.request.urlopen(f"{live_server.url}/raw/{line.pk}/") as response:
        assert response.status == 200
    with urllib.request.urlopen(f"{live_server.url}/together/{line.pk}/") as response:
        assert response.status == 200

    violation = only(money_guard.take_violations(connection))
    assert (violation.row_id, violation.path) == (line.pk, f"request GET /raw/{line.pk}/")
