"""A fixed-window rate limiter on Django's cache, and the client address it keys anonymous requests by.

Limits live in settings.RATE_LIMITS as scope -> (requests, seconds). A window is the wall-clock slot
`now // seconds`, so every process that shares the cache (Redis in production) counts into the same key; the key
expires with its window, so nothing needs cleaning up. `cache.add` then `cache.incr` is atomic on Redis and on
locmem: two requests racing for the last allowed slot cannot both get it.
"""

import hashlib
import math
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone


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


def count_in(key: str, *, timeout: int) -> int:
    """Add one to the counter at `key` and return the new count. The counter starts at the first count and is gone
    `timeout` seconds later. Rate limits and two-factor's wrong-code count both count with this."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr: this count starts it again
        cache.set(key, 1, timeout=timeout)
        return 1


def forget(key: str) -> None:
    """Start the counter at `key` again from nothing."""
    cache.delete(key)


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
