"""Fixed-window rate limits on sign-up (by address) and on submitting applications (by person)."""

import pytest
from django.test import Client, RequestFactory

from applications.models import Application, Status
from core import ratelimit
from tests.applications.factories import complete_application

pytestmark = pytest.mark.django_db


def test_sign_up_from_one_address_is_limited_with_a_page_that_says_when_to_try_again(
    client, settings, monkeypatch
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sign_up": (3, 3600)}
    # Ten minutes into an hour's window: fifty minutes to wait.
    monkeypatch.setattr(ratelimit, "_now", lambda: 1_000 * 3600 + 600.0)
    for _ in range(3):
        assert client.post("/accounts/sign-up/", {}).status_code == 200  # form errors, but counted
    refused = client.post(
        "/accounts/sign-up/",
        {
            "full_name": "Priya Patel",
            "email": "priya@example.org",
            "password": "a long and unusual passphrase",
        },
    )
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3000"
    page = refused.content.decode()
    assert "Too many attempts" in page and "You can try again in 50 minutes" in page
    # Looking at the form is not limited, and another address may still sign up.
    assert client.get("/accounts/sign-up/").status_code == 200
    other = Client(REMOTE_ADDR="203.0.113.50")
    assert (
        other.post(
            "/accounts/sign-up/",
            {
                "full_name": "Priya Patel",
                "email": "priya@example.org",
                "password": "a long and unusual passphrase",
            },
        ).status_code
        == 302
    )


def test_the_default_sign_up_limit_is_ten_an_hour(client):
    from django.conf import settings

    assert settings.RATE_LIMITS["sign_up"] == (10, 3600)
    statuses = [client.post("/accounts/sign-up/", {}).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]


def test_a_limited_submission_keeps_the_draft_exactly_as_it_was(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit_application": (2, 3600)}
    ready = complete_application()
    user = ready.created_by
    unfinished = complete_application(round_=ready.round, organisation=ready.organisation, user=user)
    unfinished.completed_tasks = []
    unfinished.save(update_fields=["completed_tasks"])
    client.force_login(user)
    for _ in range(2):
        assert client.post(f"/applications/{unfinished.pk}/check/").status_code == 200  # problems listed
    before = Application.objects.filter(pk=ready.pk).values().get()

    refused = client.post(f"/applications/{ready.pk}/check/")

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Nothing you have already saved has been lost" in refused.content.decode()
    assert Application.objects.filter(pk=ready.pk).values().get() == before
    assert ready.documents.count() == 3 and ready.budget_items.count() == 1
    # Reading the check-answers page is never limited.
    assert client.get(f"/applications/{ready.pk}/check/").status_code == 200


def test_a_submission_goes_through_once_the_window_has_passed(client, settings, monkeypatch):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit_application": (1, 3600)}
    first = complete_application()
    second = complete_application(round_=first.round, organisation=first.organisation, user=first.created_by)
    client.force_login(first.created_by)
    assert client.post(f"/applications/{first.pk}/check/").status_code == 302
    assert client.post(f"/applications/{second.pk}/check/").status_code == 429
    later = ratelimit._now() + 3600
    monkeypatch.setattr(ratelimit, "_now", lambda: later)
    assert client.post(f"/applications/{second.pk}/check/").url == f"/applications/{second.pk}/submitted/"
    second.refresh_from_db()
    assert second.status == Status.SUBMITTED


def test_submission_limits_are_per_person_not_per_address(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit_application": (1, 3600)}
    one, two = complete_application(), complete_application()
    a, b = Client(), Client()
    a.force_login(one.created_by)
    b.force_login(two.created_by)
    assert a.post(f"/applications/{one.pk}/check/").status_code == 302
    assert b.post(f"/applications/{two.pk}/check/").status_code == 302


def test_a_window_counts_up_to_its_limit_and_the_next_window_starts_again():
    start = 1_700_000_400.0  # on a window boundary for a 60 s period
    verdicts = [ratelimit.hit("test", "x", limit=2, period=60, now=start + i) for i in range(3)]
    assert [v.allowed for v in verdicts] == [True, True, False]
    assert verdicts[2].retry_after == 58
    assert ratelimit.hit("test", "x", limit=2, period=60, now=start + 60).allowed
    assert ratelimit.hit("test", "y", limit=2, period=60, now=start + 2).allowed  # someone else


def test_the_client_address_is_remote_addr_unless_proxies_are_declared(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.4")
    settings.TRUSTED_PROXY_COUNT = 0
    assert ratelimit.client_ip(request) == "10.0.0.2"  # a forged header changes nothing
    settings.TRUSTED_PROXY_COUNT = 1
    assert ratelimit.client_ip(request) == "198.51.100.4"
    settings.TRUSTED_PROXY_COUNT = 2
    assert ratelimit.client_ip(request) == "1.1.1.1"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer entries than proxies: the header is not what we expect
    assert ratelimit.client_ip(request) == "10.0.0.2"


def test_the_cache_is_redis_when_redis_url_is_set():
    import os

    from django.conf import settings

    if os.environ.get("REDIS_URL"):
        assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    else:
        assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
