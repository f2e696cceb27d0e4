"""A fixed-window rate limiter on Django's cache, and the client address it keys anonymous requests by.

Limits live in settings.RATE_LIMITS as scope -> (requests, seconds). A window is the wall-clock slot
`now // seconds`, so every process that shares the cache (Redis in production) counts into the same key; the key
expires with its window, so nothing needs cleaning up. `cache.add` then `cache.incr` is atomic on Redis and on
locmem: two requests racing for the last allowed slot cannot both get it.

When Redis cannot be reached, every counter here keeps counting in the database instead (core.models.Counter), never
"allow everything" and never a 500. Chosen per limit:

- two-factor wrong codes (accounts.two_factor): fall back to the database. Failing open would allow unlimited
  guesses at a 6-digit code; failing closed would lock every member of staff out while Redis is down. The lock that
  5 wrong codes set is always written to the database (`hold`), so it survives Redis going away or coming back.
- sign-up and application submission (settings.RATE_LIMITS): fall back to the database. Failing closed would stop
  applicants submitting before a deadline because of our outage; failing open would drop the limit exactly when
  the service is weakest.

The database counter is a single INSERT ... ON CONFLICT DO UPDATE ... RETURNING, so it is as atomic as Redis's INCR:
Django's DatabaseCache was not used because its `incr` is a read then a write, and parallel wrong codes would all
read 4 and write 5. What is given up: a count made in Redis before an outage is not carried into the database, nor
back, so across a switch someone can get up to twice a limit once. After a Redis error this process stops asking Redis
for REDIS_RETRY_AFTER seconds, so a Redis that is down costs one short socket timeout, not one on every request.
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from redis.exceptions import RedisError

from .models import Counter

logger = logging.getLogger(__name__)


def _now() -> float:
    return time.time()


def client_ip(request) -> str:
    """The address of whoever sent the request.

    REMOTE_ADDR unless settings.TRUSTED_PROXY_COUNT (env DJANGO_TRUSTED_PROXY_COUNT) says how many reverse proxies
    stand in front of the app. Each proxy appends the address it received from to X-Forwarded-For, so with N proxies
    the client is the Nth entry from the right; anything left of that was written by the client and can be forged.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [
            part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends; meaningful when not allowed


# After Redis fails, this process uses the database alone for this long before trying Redis again.
REDIS_RETRY_AFTER = 10.0
_redis_skipped_until = 0.0


def _redis_usable() -> bool:
    # A monotonic clock, not _now(): tests move _now() to other windows, and the wall clock can jump.
    return time.monotonic() >= _redis_skipped_until


def _redis_failed(exc: Exception) -> None:
    global _redis_skipped_until
    if _redis_usable():
        logger.warning("Cache unreachable (%s); counting rate limits in the database", exc.__class__.__name__)
    _redis_skipped_until = time.monotonic() + REDIS_RETRY_AFTER


def reset_redis_breaker() -> None:
    """Try Redis again on the next count (tests, and nothing else, need this)."""
    global _redis_skipped_until
    _redis_skipped_until = 0.0


# Everything the cache can raise when its server is away: Django's RedisCache passes redis-py's errors through
# (ConnectionError and TimeoutError are both RedisError), and a socket error can escape redis-py while connecting.
_CACHE_DOWN = (RedisError, OSError)


def _count_in_cache(key: str, *, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr: this count starts it again
        cache.set(key, 1, timeout=timeout)
        return 1


def _count_in_database(key: str, *, timeout: int) -> int:
    # One statement, so two racing requests get 1 and 2, never 1 and 1; an expired row starts again from 1.
    now = timezone.now()
    expires_at = now + timedelta(seconds=timeout)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Counter._meta.db_table} (key, count, expires_at) VALUES (%s, 1, %s)
            ON CONFLICT (key) DO UPDATE SET
                count = CASE WHEN {Counter._meta.db_table}.expires_at <= %s THEN 1
                             ELSE {Counter._meta.db_table}.count + 1 END,
                expires_at = CASE WHEN {Counter._meta.db_table}.expires_at <= %s THEN EXCLUDED.expires_at
                                  ELSE {Counter._meta.db_table}.expires_at END
            RETURNING count
            """,
            [key, expires_at, now, now],
        )
        count = cursor.fetchone()[0]
    Counter.objects.filter(expires_at__lte=now).delete()
    return count


def count_in(key: str, *, timeout: int) -> int:
    """Add one to the counter at `key` and return the new count. The counter starts at the first count and is gone
    `timeout` seconds later. Rate limits and two-factor's wrong-code count both count with this. In Redis (the
    cache) when it answers, in the database when it does not."""
    if _redis_usable():
        try:
            return _count_in_cache(key, timeout=timeout)
        except _CACHE_DOWN as exc:
            _redis_failed(exc)
    return _count_in_database(key, timeout=timeout)


def forget(key: str) -> None:
    """Start the counter at `key` again from nothing, in both stores."""
    if _redis_usable():
        try:
            cache.delete(key)
        except _CACHE_DOWN as exc:
            _redis_failed(exc)
    Counter.objects.filter(key=key).delete()


def hold(key: str, *, seconds: int) -> None:
    """Mark `key` as held for `seconds` (a lockout). Always in the database, which outlives a Redis restart, so a
    lock set before an outage still holds during it and after it."""
    expires_at = timezone.now() + timedelta(seconds=seconds)
    Counter.objects.update_or_create(key=key, defaults={"count": 1, "expires_at": expires_at})


def held_for(key: str) -> int:
    """Seconds left on a `hold` of `key`; 0 when there is none."""
    expires_at = Counter.objects.filter(key=key).values_list("expires_at", flat=True).first()
    if expires_at is None:
        return 0
    return max(0, math.ceil((expires_at - timezone.now()).total_seconds()))


def hit(scope: str, ident: str, *, limit: int, period: int, now: float | None = None) -> Verdict:
    """Count one request by `ident` in `scope` and say whether it is within `limit` per `period` seconds."""
    now = _now() if now is None else now
    window = int(now // period)
    # Hashed so an address or id with odd characters makes a safe cache key of fixed length.
    digest = hashlib.sha256(f"{scope}:{ident}".encode()).hexdigest()[:32]
    count = count_in(f"ratelimit:{scope}:{digest}:{window}", timeout=period + 1)
    retry_after = max(1, math.ceil((window + 1) * period - now))
    return Verdict(allowed=count <= limit, count=count, limit=limit, retry_after=retry_after)


def limit_for(scope: str) -> tuple[int, int]:
    return tuple(settings.RATE_LIMITS[scope])


def too_many_requests(
    request, retry_after: int, *, what: str = "", extra: dict | None = None
) -> HttpResponse:
    """The "Too many attempts" page: when to try again (in minutes and as a time of day) and ways on. `extra` is
    more context for 429.html (the sign-in lockout adds "reset your password", see accounts.views)."""
    minutes = math.ceil(retry_after / 60)
    retry_at = timezone.localtime() + timedelta(seconds=retry_after)
    response = render(
        request,
        "429.html",
        {"retry_after": retry_after, "minutes": minutes, "what": what, "retry_at": retry_at, **(extra or {})},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def ratelimit(scope: str, *, key: str = "ip", methods: tuple[str, ...] = ("POST",), what: str = ""):
    """Refuse a view with 429 once `key` ("ip" or "user") has made more than the scope's limit of `methods` requests.

    Only the listed methods count, so looking at a page never uses up the allowance for sending it.
    """
    if key not in {"ip", "user"}:
        raise ValueError(f"Unknown rate limit key {key!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                if key == "user" and request.user.is_authenticated:
                    ident = f"user:{request.user.pk}"
                else:
                    ident = f"ip:{client_ip(request)}"
                limit, period = limit_for(scope)
                verdict = hit(scope, ident, limit=limit, period=period)
                if not verdict.allowed:
                    return too_many_requests(request, verdict.retry_after, what=what)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
