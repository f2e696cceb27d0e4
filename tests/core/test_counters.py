"""core.ratelimit's counters: in Redis while it answers, in the database while it does not; the database counter is
atomic, so racing requests never share a count."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from core import ratelimit
from core.models import Counter

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down():
    with override_settings(CACHES={"default": {**django_settings.CACHES["default"], "LOCATION": DEAD_REDIS}}):
        ratelimit.reset_redis_breaker()
        yield
    ratelimit.reset_redis_breaker()


@pytest.mark.django_db
def test_counts_go_to_the_database_while_redis_is_down_and_to_redis_when_it_is_back(redis_down):
    assert [ratelimit.count_in("test:a", timeout=60) for _ in range(3)] == [1, 2, 3]
    assert Counter.objects.get(key="test:a").count == 3
    ratelimit.forget("test:a")
    assert not Counter.objects.filter(key="test:a").exists()


@pytest.mark.django_db
def test_with_redis_up_nothing_is_written_to_the_database():
    ratelimit.reset_redis_breaker()
    assert [ratelimit.count_in("test:b", timeout=60) for _ in range(2)] == [1, 2]
    assert not Counter.objects.exists()


@pytest.mark.django_db
def test_an_expired_database_count_starts_again_and_dead_rows_are_cleared(redis_down):
    past = timezone.now() - timedelta(seconds=1)
    Counter.objects.create(key="test:c", count=9, expires_at=past)
    Counter.objects.create(key="test:gone", count=4, expires_at=past)
    assert ratelimit.count_in("test:c", timeout=60) == 1
    assert not Counter.objects.filter(key="test:gone").exists()


@pytest.mark.django_db
def test_a_hold_lasts_its_time_and_is_read_whether_or_not_redis_answers():
    ratelimit.hold("test:lock", seconds=900)
    assert 895 <= ratelimit.held_for("test:lock") <= 900
    with override_settings(CACHES={"default": {**django_settings.CACHES["default"], "LOCATION": DEAD_REDIS}}):
        assert 895 <= ratelimit.held_for("test:lock") <= 900
    assert ratelimit.held_for("test:nothing") == 0


@pytest.mark.django_db(transaction=True)
def test_racing_counts_in_the_database_each_get_their_own_number(redis_down):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite locks the whole table; production and the tests run on PostgreSQL")
    racers = 12
    barrier, counts = threading.Barrier(racers), []

    def count():
        try:
            barrier.wait()
            counts.append(ratelimit._count_in_database("test:race", timeout=60))
        finally:
            connection.close()

    threads = [threading.Thread(target=count) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == list(range(1, racers + 1))
