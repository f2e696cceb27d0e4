import pytest

from .harness import REPORTED, Faults, point_this_process_at


@pytest.fixture
def faults(tmp_path, settings):
    """A private Redis (running), a worker ready to start, this process publishing to that Redis and caching in it.

    Depends on `settings` after the project's autouse fixtures, so the private storage and the non-eager Celery set
    here are what the test runs with; everything is put back afterwards."""
    from pcc_grants.celery import app

    world = Faults(tmp_path / "faults", storage_dir=settings.STORAGES["default"]["OPTIONS"]["location"])
    previous_broker = app.conf.broker_url
    point_this_process_at(world.redis.url, settings)
    try:
        yield world
    finally:
        world.close()
        app.conf.broker_url = previous_broker
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        from core import ratelimit

        ratelimit.reset_redis_breaker()  # this test's stopped Redis must not send the next test to the database


@pytest.fixture(autouse=True)
def _fault_counts_travel_with_the_report(request):
    """Each test's count line goes on its report as a user property, so it reaches the terminal summary from an
    xdist worker too, and any JUnit XML the run writes."""
    already = len(REPORTED)
    yield
    for line in REPORTED[already:]:
        request.node.user_properties.append(("fault count", line))


_COUNTS: list[str] = []


def pytest_runtest_logreport(report):
    for name, value in report.user_properties:
        if name == "fault count" and value not in _COUNTS:
            _COUNTS.append(value)


def pytest_terminal_summary(terminalreporter):
    if _COUNTS:
        terminalreporter.section("fault counts")
        for line in _COUNTS:
            terminalreporter.write_line(line)
