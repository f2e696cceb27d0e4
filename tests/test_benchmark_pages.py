"""Every URL has a benchmark entry (benchmarks/pages.py) or a stated reason why it is not measured, so a page added
without one fails here, before anyone has to notice it is missing from docs/benchmarks.md."""

from django.test import override_settings
from django.urls import include, path

from benchmarks import pages
from pcc_grants import urls as project_urls


def test_every_url_is_measured_or_says_why_not():
    assert pages.unlisted() == []


def test_every_entry_names_a_url_that_exists():
    patterns = set(pages.url_patterns())
    measured = {page.url_name for page in pages.pages()}
    assert measured - patterns == set()
    stale = {
        name
        for name in pages.NOT_MEASURED
        if name not in patterns and name != "admin:*_delete" and not name.startswith("admin:<")
    }
    assert stale == set(), "NOT_MEASURED names URLs that no longer exist"


def _an_unlisted_page(request):  # pragma: no cover - never requested
    raise AssertionError


urlpatterns = [
    *project_urls.urlpatterns,
    path("staff/new-report/", _an_unlisted_page, name="new_report"),
    path("extra/", include(([path("thing/", _an_unlisted_page, name="thing")], "extra"))),
]


@override_settings(ROOT_URLCONF=__name__)
def test_a_new_url_without_an_entry_is_named():
    assert pages.unlisted() == ["extra:thing", "new_report"]
