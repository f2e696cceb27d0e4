"""The robustness walk (tests/robustness/walk.py) as the other members of staff."""

import pytest

from .walk import walk

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["grants", "commissioning", "superuser"])
def test_every_url_and_form_survives_what_people_send(role, world, client_for, record_harness):
    walk(role, world, client_for, record_harness)
