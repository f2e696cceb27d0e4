"""HTTP caching of the public pages, downloads and API: built once per publication version, kept in the cache, and
sent with the headers that let browsers and shared caches (a CDN, a proxy) keep them too.

- ETag: a hash of the body, so it changes exactly when what is sent changes (a new version, a new template after a
  deploy), and If-None-Match gets 304 Not Modified. Last-Modified: when the publication version last moved, for
  If-Modified-Since, except where a page also changes with the clock (open rounds).
- Cache-Control: public, max-age=MAX_AGE. A shared cache may keep a page for that long after a publication.
- HTML pages carry the signed-in person's navigation and any message they are due (base.html). So only a page for
  someone not signed in, with no message waiting, is shared: it varies on Cookie, and a signed-in person's page is
  built for them alone and marked private. The API's JSON depends on nobody, so it is shared with everyone.
"""

import hashlib
import time
from functools import wraps

from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from . import publication

MAX_AGE = 300
# Larger bodies (a whole-history download) are not copied into Redis; downloads of a year come from private storage.
MAX_CACHED_BYTES = 2 * 1024 * 1024
# Headers a view sets that belong to the body and are kept with it; the rest come from middleware on every request.
_KEPT_HEADERS = {"content-type", "content-disposition", "content-language"}


def etag_of(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _shared(request, *, html: bool) -> bool:
    if not html:
        return True
    return not request.user.is_authenticated and not len(get_messages(request))


def public_response(*, html: bool = True, clock: bool = False):
    """Cache a public view's 200 responses per publication version and full URL (host included: the API's links are
    absolute), and answer conditional requests. `clock`: what the view shows also changes with the time (rounds
    opening and closing), so Last-Modified is left out and the view may shorten how long its response is kept by
    setting `response.keep_for` (seconds)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            version = publication.current()
            request.publication_version = version
            # Whole seconds, as the header carries them, or If-Modified-Since would never match.
            last_modified = None if clock else int(version.changed_at.timestamp())
            if not _shared(request, html=html):
                response = view(request, *args, **kwargs)
                patch_cache_control(response, private=True, no_cache=True)
                patch_vary_headers(response, ["Cookie"])
                return response

            key = publication.cache_key(version, "response", request.build_absolute_uri())
            entry = publication.cached_get(key)
            if entry is not None:
                response = HttpResponse(entry["content"], status=entry["status"])
                for header, value in entry["headers"].items():
                    response[header] = value
                # What is left of its time, not all of it: a shared cache must not keep it past the round's closing.
                keep_for = max(0, int(entry["expires_at"] - time.time()))
            else:
                response = view(request, *args, **kwargs)
                keep_for = min(
                    getattr(response, "keep_for", publication.CACHE_SECONDS), publication.CACHE_SECONDS
                )
                if response.status_code != 200:
                    return response
                if not response.streaming:
                    response["ETag"] = etag_of(response.content)
                    kept_elsewhere = getattr(response, "kept_elsewhere", False)  # a download kept in storage
                    if len(response.content) <= MAX_CACHED_BYTES and keep_for > 0 and not kept_elsewhere:
                        kept = {h: v for h, v in response.items() if h.lower() in _KEPT_HEADERS | {"etag"}}
                        publication.cached_set(
                            key,
                            {
                                "status": 200,
                                "content": response.content,
                                "headers": kept,
                                "expires_at": time.time() + keep_for,
                            },
                            timeout=keep_for,
                        )
            if last_modified is not None:
                response["Last-Modified"] = http_date(last_modified)
            patch_cache_control(response, public=True, max_age=max(0, min(MAX_AGE, keep_for)))
            if html:
                patch_vary_headers(response, ["Cookie"])
            # Not response.close() when a 304 replaces it: that signals the request finished, which closes the
            # database connection mid-request. An unsent stored file is closed when it is let go of.
            return get_conditional_response(
                request, etag=response.get("ETag"), last_modified=last_modified, response=response
            )

        return wrapper

    return decorate
