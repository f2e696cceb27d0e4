"""The publication version, and the cache of public pages, API responses and downloads that is keyed by it.

Every public page shows the same thing to everyone until something published changes. So a page is built once per
publication version and kept in the cache (Redis in production) under that version; a change to anything the pages
show moves the version on, and the next request builds afresh. Nothing is ever deleted from the cache to invalidate
it: entries of an old version are simply never asked for again, and expire.

What moves the version (`publication_changed`, called by the receivers in `watch`): an award approved, cancelled or
paid (any save of an award that is not still awaiting finance), the public fields of an application with such an
award, an organisation's name, areas, rounds and their areas, funding streams, budgets, financial years, decisions and
the budgets they approve, and the office's name. Applications and awards write these rows through their own apps'
services; those apps sit below this one and cannot call it, so it listens to their models' signals instead. A write
that bypasses signals (queryset.update, bulk_create) must call `publication_changed()` itself.

The version moves after the change commits (an UPDATE of one row in its own short transaction, so no lock is held
while the change's own transaction runs, and two approvals never wait for each other here). A request reads the
version first and the data after, so a page cached under a version is never older than that version's data. Until
the commit, the connection that made the change (a test, a management command) sees its own uncommitted change, so it
reads and fills no cache at all. Should a process die between a commit and moving the version on, nothing is staler
than CACHE_SECONDS: every cached page and stored download is built again once it is that old.

When Redis does not answer, pages are built from the database as they were before there was a cache; after a Redis
error this process leaves the cache alone for REDIS_RETRY_AFTER seconds (as core.ratelimit does)."""

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from redis.exceptions import RedisError

from applications.models import Status

from .models import PublicationVersion

logger = logging.getLogger(__name__)

# Long enough that a quiet day's pages are built once; an entry of an old version is never read again, so this is
# only how long it takes up memory.
CACHE_SECONDS = 60 * 60
# After a publication, the first request to miss a shared value builds it; the others wait this long for it.
BUILD_CLAIM_SECONDS = 10
WAIT_FOR_BUILDER = 2.0
REDIS_RETRY_AFTER = 10.0
_cache_skipped_until = 0.0
# Everything the cache can raise when Redis is away (see core.ratelimit).
_CACHE_DOWN = (RedisError, OSError)


@dataclass(frozen=True)
class Version:
    number: int
    changed_at: datetime


def current() -> Version:
    """The publication version now: one single-row read, never cached, so a change is seen by the next request."""
    row = PublicationVersion.objects.filter(pk=1).values_list("number", "changed_at").first()
    if row is None:  # only in a database flushed by a test; the migration writes the row
        return Version(0, datetime(2000, 1, 1, tzinfo=UTC))
    return Version(*row)


def bump_version(using: str = "default") -> None:
    """Move the version on. Called after a change commits; call it directly after a write that sends no signals."""
    # A random number, not a count: a database restored from a backup, or a copy of one, never comes back to a
    # number that once meant other data, which a cache that outlived it might still hold pages for.
    number, now = secrets.randbits(62), timezone.now()
    versions = PublicationVersion.objects.using(using)
    if not versions.filter(pk=1).update(number=number, changed_at=now):
        versions.get_or_create(pk=1, defaults={"number": number, "changed_at": now})


class _BumpAfterCommit:
    """The on-commit callback of one transaction with a published change; it knows whether it has run yet."""

    def __init__(self):
        self.done = False

    def __call__(self):
        self.done = True
        bump_version()


def _change_pending() -> bool:
    connection = transaction.get_connection()
    return any(
        isinstance(entry[1], _BumpAfterCommit) and not entry[1].done for entry in connection.run_on_commit
    )


def publication_changed() -> None:
    """Something public has changed in the current transaction: move the version on once it commits (once per
    transaction however many rows changed). Outside a transaction the change has committed already."""
    if not _change_pending():
        # robust: the change has committed; an error here must not turn it into an error page.
        transaction.on_commit(_BumpAfterCommit(), robust=True)


def uncommitted_change_here() -> bool:
    """Whether this connection's open transaction holds a published change not yet committed: what it reads is not
    what everyone else reads, so it must neither use nor fill the shared cache."""
    return _change_pending()


# --- The cache, falling through to the database when Redis is away -------------------------------------------------


def _cache_usable() -> bool:
    return time.monotonic() >= _cache_skipped_until


def _cache_failed(exc: Exception) -> None:
    global _cache_skipped_until
    if _cache_usable():
        logger.warning(
            "Cache unreachable (%s); building public pages from the database", exc.__class__.__name__
        )
    _cache_skipped_until = time.monotonic() + REDIS_RETRY_AFTER


def reset_cache_breaker() -> None:
    """Try the cache again on the next request (tests need this)."""
    global _cache_skipped_until
    _cache_skipped_until = 0.0


def cache_key(version: Version, kind: str, *parts: object) -> str:
    # Hashed so any query string makes a key of fixed length and safe characters.
    # The database's name too, for two deployments (or a benchmark's copies) that share one Redis.
    digest = hashlib.sha256(repr((settings.DATABASES["default"]["NAME"], *parts)).encode()).hexdigest()[:32]
    return f"transparency:{kind}:{version.number}:{digest}"


def cached_get(key: str) -> Any:
    if not _cache_usable() or uncommitted_change_here():
        return None
    try:
        return cache.get(key)
    except _CACHE_DOWN as exc:
        _cache_failed(exc)
        return None


def cached_set(key: str, value: Any, timeout: int = CACHE_SECONDS) -> None:
    if not _cache_usable() or uncommitted_change_here():
        return
    try:
        cache.set(key, value, timeout=timeout)
    except _CACHE_DOWN as exc:
        _cache_failed(exc)


def _claim(key: str, seconds: int) -> bool:
    """Whether this request is the one to build `key` (a short claim in the cache); True if the cache cannot say."""
    try:
        return cache.add(f"{key}:building", 1, timeout=seconds)
    except _CACHE_DOWN as exc:
        _cache_failed(exc)
        return True


def remember(version: Version, kind: str, parts: tuple, build, timeout: int = CACHE_SECONDS):
    """`build()`'s value for this version, from the cache or built now and kept.

    Right after a publication a crowd of requests all find it missing at once. One of them builds it; the others
    wait up to WAIT_FOR_BUILDER seconds for its result rather than all running the same heavy query together."""
    key = cache_key(version, kind, *parts)
    value = cached_get(key)
    if value is not None:
        return value
    if not _cache_usable() or uncommitted_change_here() or _claim(key, BUILD_CLAIM_SECONDS):
        value = build()
        cached_set(key, value, timeout)
        return value
    deadline = time.monotonic() + WAIT_FOR_BUILDER
    while time.monotonic() < deadline:
        time.sleep(0.02)
        value = cached_get(key)
        if value is not None:
            return value
    # The builder is slow or has gone: build it here rather than keep the person waiting.
    value = build()
    cached_set(key, value, timeout)
    return value


# --- What moves the version ---------------------------------------------------------------------------------------

# Saves of these fields alone change nothing published (an award letter sent, an award accepted, a first signature).
_AWARD_FIELDS_NOT_PUBLISHED = {"letter_sent_at", "accepted_at", "first_approved_by", "first_approved_at"}
# What the public pages show of an application (transparency.selectors.PUBLIC_GRANT_FIELDS).
_APPLICATION_FIELDS_PUBLISHED = {"reference", "project_title", "area", "round", "organisation"}


def _award_saved(sender, instance, created, update_fields=None, **kwargs):
    if instance.status == instance.Status.AWAITING_FINANCE:
        return  # not a grant yet, and an award never goes back to awaiting finance
    if update_fields is not None and set(update_fields) <= _AWARD_FIELDS_NOT_PUBLISHED:
        return
    publication_changed()


def _application_saved(sender, instance, created, update_fields=None, **kwargs):
    # Applicants save drafts all day; only an application with a grant is on the public pages. An award moves its
    # application to one of these two statuses in the same transaction as its own change.
    if instance.status not in (Status.AWARDED, Status.AWARD_CANCELLED):
        return
    if update_fields is not None and not set(update_fields) & (_APPLICATION_FIELDS_PUBLISHED | {"status"}):
        return
    publication_changed()


def _organisation_saved(sender, instance, created, update_fields=None, **kwargs):
    # A new organisation has no grants yet; only the name is published.
    if created or (update_fields is not None and "name" not in update_fields):
        return
    publication_changed()


def _any_change(sender, **kwargs):
    publication_changed()


def _m2m_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        publication_changed()


def watch() -> None:
    """Connect the receivers (TransparencyConfig.ready)."""
    from applications.models import Application, Award, Organisation, Round
    from funds.models import Area, Budget, Decision, FinancialYear, FundingStream, Office

    post_save.connect(_award_saved, sender=Award, dispatch_uid="transparency.award_saved")
    post_save.connect(_application_saved, sender=Application, dispatch_uid="transparency.application_saved")
    post_save.connect(
        _organisation_saved, sender=Organisation, dispatch_uid="transparency.organisation_saved"
    )
    for model in (Area, Round, FundingStream, Budget, FinancialYear, Decision, Office):
        post_save.connect(_any_change, sender=model, dispatch_uid=f"transparency.saved.{model._meta.label}")
    for model in (
        Award,
        Application,
        Organisation,
        Area,
        Round,
        FundingStream,
        Budget,
        FinancialYear,
        Decision,
        Office,
    ):
        post_delete.connect(
            _any_change, sender=model, dispatch_uid=f"transparency.deleted.{model._meta.label}"
        )
    for through in (Round.areas.through, Decision.budgets.through):
        m2m_changed.connect(
            _m2m_changed, sender=through, dispatch_uid=f"transparency.m2m.{through._meta.label}"
        )
