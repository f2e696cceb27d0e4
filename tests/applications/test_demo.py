from decimal import Decimal

import pytest
from django.db.models import Sum

from applications import demo
from applications.models import Application, Award, Status
from funds.models import BudgetLine
from funds.selectors import with_line_totals

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(demo_grants):
    # demo_grants is funds' and this app's demo, loaded once for the session: loading again must change nothing
    demo.load()


def test_demo_awards_match_the_published_table_area_by_area(loaded):
    lines = with_line_totals(
        BudgetLine.objects.filter(
            kind=BudgetLine.Kind.AREA,
            budget__stream__slug="helping-communities-fund",
            budget__year__start_year=2024,  # the demo's 2022/23 NPUs share some of the LPAs' names
        )
    )
    by_area = {
        ln.area.name: (ln.commitment_count, ln.committed, ln.amount) for ln in lines.select_related("area")
    }
    for area, (count, total) in demo.PUBLISHED_AWARDS.items():
        assert by_area[area] == (count, total, total), area
    awarded = Award.objects.filter(application__round__slug="helping-communities-fund-2024-25")
    assert awarded.count() == 52
    assert awarded.aggregate(s=Sum("amount"))["s"] == Decimal("253850")


def test_the_open_round_has_an_application_at_every_stage(loaded):
    statuses = set(
        Application.objects.filter(round__slug="helping-communities-reserve-round").values_list(
            "status", flat=True
        )
    )
    assert statuses >= {s for s in Status.values if s not in (Status.AWARDED, Status.AWARD_CANCELLED)}


def test_the_demo_applicant_owns_a_draft_and_a_submitted_application(loaded):
    mine = Application.objects.filter(
        organisation__memberships__user__email=demo.APPLICANT_EMAIL, organisation__memberships__role="owner"
    )
    assert set(mine.values_list("status", flat=True)) == {Status.DRAFT, Status.SUBMITTED}
    assert all(a.organisation.illustrative and "(illustrative)" in a.organisation.name for a in mine)


def test_the_demo_applicant_also_helps_run_a_funded_group_with_its_report_to_write(loaded):
    funded = Application.objects.filter(
        organisation__memberships__user__email=demo.APPLICANT_EMAIL, organisation__memberships__role="member"
    )
    assert [a.status for a in funded] == [Status.AWARDED]
    assert funded[0].award.reports.get().status == "due"


def test_split_exactly_adds_up():
    for total, count in [(Decimal("101762"), 21), (Decimal("6400"), 2), (Decimal("7"), 3)]:
        assert sum(demo.split_exactly(total, count)) == total
