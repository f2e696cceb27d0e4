"""Every URL pattern of the project has a real id to visit it with, or a line saying why not (issue 10).

The walk itself (tests/robustness/walk.py) runs in the test_walk_as_* files, one per group of roles, so that the
test runner's workers share it."""

import pytest

from .patterns import FILL, NOT_FILLED, REGEX_URLS, admin_kwargs, all_patterns, real_urls

pytestmark = pytest.mark.django_db


def test_every_url_pattern_is_filled_or_listed(world):
    patterns = all_patterns()
    unfilled = sorted(
        key for key, pattern in patterns.items() if not real_urls(pattern, world) and key not in NOT_FILLED
    )
    assert not unfilled, (
        "These URL patterns have no real id to visit them with; add a line to FILL in tests/robustness/patterns.py "
        "(or make the object in world.py), or list them in NOT_FILLED with the reason:\n  "
        + "\n  ".join(f"{key}  ({patterns[key].route})" for key in unfilled)
    )
    stale = sorted((set(FILL) | set(NOT_FILLED) | set(REGEX_URLS)) - set(patterns))
    assert not stale, f"Lines for patterns that no longer exist: {stale}"
    admin_pages = [key for key in patterns if admin_kwargs(key)]
    assert len(admin_pages) > 100, "the admin's model pages were not found in the URL patterns"
