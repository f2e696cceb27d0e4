"""The health checks behind /healthz: the database, Redis, and a worker that took a task lately.

Each check runs in a thread of its own and the answer is given after CHECK_SECONDS whatever is still running, so
/healthz answers within 2 s even when the database accepts a connection and never replies (issue 13). The checks
also give up by themselves: the database check opens its own short-lived connection with a connect timeout and a
statement timeout, and Redis is asked with 1 s socket timeouts, so a thread left behind ends soon after.
"""

import threading
import time

from django.conf import settings
from django.db import connections
from django.db.utils import load_backend

# How long the answer waits for the checks, which run side by side.
CHECK_SECONDS = 1.5
HEARTBEAT_KEY = "health:worker-heartbeat"


def database_settings() -> dict:
    """The default database's settings, with timeouts for a connection that only says "SELECT 1"."""
    config = {**connections["default"].settings_dict}
    options = {**config.get("OPTIONS", {})}
    if config["ENGINE"] == "django.db.backends.postgresql":
        # libpq waits at least 2 s whatever connect_timeout says; the thread is abandoned long before that.
        options["connect_timeout"] = 1
        options["options"] = "-c statement_timeout=1000"
    config["OPTIONS"] = options
    config["CONN_MAX_AGE"] = 0
    config["CONN_HEALTH_CHECKS"] = False
    return config


def check_database() -> dict:
    config = database_settings()
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias="healthz")
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        wrapper.close()
    return {"status": "ok", "vendor": wrapper.vendor}


def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def check_redis() -> dict:
    if not settings.REDIS_URL:
        return {"status": "not configured", "detail": "tasks run in-process, the cache is in process memory"}
    client = _redis_client(settings.REDIS_URL)
    try:
        client.ping()
    finally:
        client.close()
    return {"status": "ok"}


def record_heartbeat(now: float | None = None) -> None:
    from django.core.cache import cache

    # A whole number, which Django's Redis cache stores as plain digits, so check_worker can read it with its own
    # short-timeout client rather than through the cache.
    cache.set(HEARTBEAT_KEY, int(time.time() if now is None else now), timeout=None)


def check_worker() -> dict:
    """A worker ran the one-minute heartbeat task within HEALTHZ_WORKER_LATE_AFTER seconds."""
    if not settings.REDIS_URL:
        return {"status": "not configured", "detail": "tasks run in-process"}
    from django.core.cache import cache

    config = settings.CACHES["default"]
    if config["BACKEND"].endswith("RedisCache"):
        client = _redis_client(config["LOCATION"])
        try:
            last = client.get(cache.make_key(HEARTBEAT_KEY))
        finally:
            client.close()
    else:
        last = cache.get(HEARTBEAT_KEY)
    if last is None:
        return {"status": "error", "detail": "no worker has run the heartbeat task (is beat running?)"}
    age = max(0, round(time.time() - int(last)))
    late = age > settings.HEALTHZ_WORKER_LATE_AFTER
    return {"status": "error" if late else "ok", "last_task_seconds_ago": age}


CHECKS = {"database": check_database, "redis": check_redis, "worker": check_worker}
# The public answer: what a web process cannot serve pages without. A late worker delays emails and exports but
# every page still works, so it shows on /healthz/details (and its status) only, never takes the site out of a
# load balancer.
PUBLIC_CHECKS = ("database", "redis")


def run_checks(timeout: float = CHECK_SECONDS) -> dict[str, dict]:
    results: dict[str, dict] = {}

    def run(name, check):
        try:
            results[name] = check()
        except Exception as exc:  # any failure is the answer, not an error of the health page
            results[name] = {"status": "error", "error": f"{exc.__class__.__name__}: {exc}"[:300]}

    threads = {
        name: threading.Thread(target=run, args=(name, check), name=f"healthz-{name}", daemon=True)
        for name, check in CHECKS.items()
    }
    deadline = time.monotonic() + timeout
    for thread in threads.values():
        thread.start()
    for thread in threads.values():
        thread.join(max(0.0, deadline - time.monotonic()))
    return {
        name: results.get(name, {"status": "error", "error": f"no answer within {timeout:g} s"})
        for name in CHECKS
    }


def healthy(results: dict[str, dict], names=None) -> bool:
    return all(results[name]["status"] != "error" for name in (names or results))
