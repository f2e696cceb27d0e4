import datetime

import pytest
from django.core.management import call_command

from funds.models import Area, Budget, BudgetEntry, BudgetLine, FundingStream

pytestmark = pytest.mark.django_db


def counts():
    return [m.objects.count() for m in (Area, FundingStream, Budget, BudgetEntry, BudgetLine)]


def test_loading_the_demo_data_twice_changes_nothing_the_second_time(full_demo, capsys):
    # full_demo is the first load (the session's copy of what load_demo_data loads, tests/demo_database.py).
    first = counts()
    call_command("load_demo_data")
    assert counts() == first
    assert "finance@demo.pcc-grants.example" in capsys.readouterr().out


def test_the_demo_has_the_seven_areas_of_each_kind_with_their_ons_codes(demo_data):
    for kind in ("local_authority", "csp", "lpa"):
        areas = dict(Area.objects.filter(kind=kind).values_list("name", "ons_code"))
        assert len(areas) == 7
        assert areas["Birmingham"] == "E08000025"
        assert areas["Wolverhampton"] == "E08000031"


def test_birmingham_east_and_west_roll_up_into_birmingham_in_2024_25(demo_data):
    for name in ("Birmingham East", "Birmingham West"):
        npu = Area.objects.get(name=name, kind="npu")
        assert npu.rolled_up_to(datetime.date(2019, 6, 1)) == npu
        rolled = npu.rolled_up_to(datetime.date(2024, 6, 1))
        assert (rolled.name, rolled.kind) == ("Birmingham", "lpa")


def test_the_streams_keep_the_names_they_used_to_have(demo_data):
    hcf = FundingStream.objects.get(slug="helping-communities-fund")
    assert {"Active Citizens Fund", "Community Initiatives Fund"} <= set(
        hcf.names.values_list("name", flat=True)
    )
