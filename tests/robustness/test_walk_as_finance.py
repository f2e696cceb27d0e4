"""The robustness walk (tests/robustness/walk.py) as finance, who sends every admin form in full."""

import pytest

from .walk import walk

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["finance"])
def test_every_url_and_form_survives_what_people_send(role, world, client_for, record_harness):
    walk(role, world, client_for, record_harness)
