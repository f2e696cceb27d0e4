"""Schemathesis against the open data API, as the app serves it: every operation in /api/v1/openapi.json, with every
check Schemathesis has (no 5xx, each response matches its documented schema, status code and content type, valid
parameters accepted, invalid ones refused, methods other than GET refused). Derandomised and bounded, so a run is the
same every time and takes well under a minute."""

import datetime

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode

from funds.models import Decision
from pcc_grants.wsgi import application
from tests.applications.factories import RoundFactory
from tests.factories import AreaFactory

from .public_data import decision, many_grants

SENT = {"requests": 0, "5xx": 0}


@pytest.fixture
def api_schema(db):
    # Real rows for each list, so responses carry results to check, not only empty pages.
    round_ = RoundFactory(areas=[AreaFactory(name="Coventry")])
    many_grants(3, round_=round_)
    decision("017-2020", decided_on=datetime.date(2020, 3, 24), summary="Summary")
    decision(
        "012-2020",
        confidentiality=Decision.Confidentiality.CONFIDENTIAL,
        description="a pension matter",
        decided_on=datetime.date(2020, 2, 13),
    )
    # Requests go through the WSGI app in this test's transaction; like Django's test client, keep the handler from
    # closing the connection (and with it the transaction) at the end of each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    line = f"API fuzz: {SENT['requests']} requests sent, {SENT['5xx']} answered 5xx"
    (reporter.write_line if reporter else print)(line)


@pytest.mark.parametrize("mode", list(GenerationMode))
def test_every_api_operation_passes_every_schemathesis_check(api_schema, mode):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} == {"/rounds/", "/grants/", "/decisions/"}
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=60,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call()
            SENT["requests"] += 1
            SENT["5xx"] += response.status_code >= 500
            # Every check Schemathesis registers runs when none are named.
            case.validate_response(response)

        check()
