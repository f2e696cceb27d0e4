"""What real people (and crafted requests) send to every needs-assessment form, as the commissioning officer.

Hypothesis posts hostile values into each field; every response is below 500 with no traceback, a refused submission
changes no row, and ids from another assessment in the body change nothing of that assessment.
"""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from funds.models import BudgetLine, Decision
from needs import services
from needs.models import CurrentAllocation, Indicator, IndicatorValue, NeedsAssessment
from tests.factories import UserFactory
from tests.hostile import FIGURES, SETTINGS
from tests.needs.pages import page_data

pytestmark = pytest.mark.django_db

SENT = {"requests": 0, "5xx": 0}


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    print(f"\nneeds hostile input: {SENT['requests']} requests, {SENT['5xx']} server errors")


def send(client, url, data=None):
    response = client.post(url, data or {})
    SENT["requests"] += 1
    if response.status_code >= 500:
        SENT["5xx"] += 1
    assert response.status_code < 500
    assert b"Traceback" not in response.content
    return response


@pytest.fixture
def officer(client, db):
    """A commissioning officer as the demo has one (staff, runs needs assessments, not a superuser), who may also
    adopt one here, so hostile bodies reach the adoption itself rather than stopping at a 403."""
    from django.contrib.auth.models import Group

    from accounts.roles import COMMISSIONING_OFFICER, sync_roles

    sync_roles()
    user = UserFactory(is_staff=True, email="commissioning@opcc.example")
    user.groups.add(Group.objects.get(name=COMMISSIONING_OFFICER))
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="needs", codename="adopt_needsassessment")
    )
    client.force_login(user)
    return client


@pytest.fixture
def other(idva):
    """Another assessment, whose rows no request about the IDVA assessment may touch."""
    assessment = services.create_assessment(name="Someone else's", pot_line=idva.pot_line)
    services.save_inputs(
        assessment=assessment, indicators=[services.IndicatorInput(name="Theirs", weight=Decimal(1))]
    )
    return assessment


def snapshot():
    return (
        sorted(NeedsAssessment.objects.values_list("pk", "name", "pot", "status", "adopted_decision")),
        sorted(
            Indicator.objects.values_list(
                "pk", "assessment", "name", "weight", "source", "measure_code", "order"
            )
        ),
        sorted(IndicatorValue.objects.values_list("pk", "indicator", "area", "value", "source")),
        sorted(CurrentAllocation.objects.values_list("pk", "assessment", "area", "amount")),
        sorted(BudgetLine.objects.values_list("pk", "name", "amount")),
        sorted(Decision.objects.values_list("pk", "number", "status")),
    )


def theirs(assessment):
    return (
        list(Indicator.objects.filter(assessment=assessment).values_list("pk", "name", "weight")),
        list(NeedsAssessment.objects.filter(pk=assessment.pk).values_list("name", "pot", "status")),
    )


def test_the_assessment_form_survives_hostile_values_in_every_field(officer, idva, other):
    url = reverse("needs:assessment", args=[idva.pk])
    base = page_data(idva)
    names = [*sorted(base), "indicators-0-DELETE", f"indicators-{len(idva.indicators.all())}-name"]
    untouched = theirs(other)

    @SETTINGS
    @given(
        field=st.sampled_from(names),
        value=FIGURES,
        action=st.sampled_from(["save", "calculate", "fill", "\x00", ""]),
    )
    def run(field, value, action):
        before = snapshot()
        response = send(officer, url, {**page_data(idva), "action": action, field: value})
        if response.status_code == 200:
            assert snapshot() == before, f"{field}={value!r} was refused but changed rows"
        assert theirs(other) == untouched

    run()


def test_figures_beyond_what_makes_sense_are_refused_by_name_with_the_bound(officer, idva):
    value = IndicatorValue.objects.filter(
        indicator__assessment=idva, area__name="Coventry", indicator__name="MARAC referrals"
    ).get()
    key = f"v_{value.indicator_id}_{value.area_id}"
    before = snapshot()
    response = send(
        officer,
        reverse("needs:assessment", args=[idva.pk]),
        {**page_data(idva), key: "1" * 20, "indicators-0-weight": "5,000", "pot": "9" * 40},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Coventry&#x27;s MARAC referrals must be 1,000,000,000 or less" in page
    assert "The weight of indicator 1 must be 1,000 or less" in page
    assert "The pot must be £9,999,999,999.99 or less" in page
    assert snapshot() == before


def test_another_assessments_indicator_id_in_the_body_changes_nothing_of_it(officer, idva, other):
    their_indicator = other.indicators.get()
    untouched = theirs(other)
    data = page_data(idva)
    data.update(
        {"indicators-0-id": str(their_indicator.pk), "indicators-0-name": "Renamed by a crafted request"}
    )
    send(officer, reverse("needs:assessment", args=[idva.pk]), data)
    data["indicators-0-DELETE"] = "on"
    send(officer, reverse("needs:assessment", args=[idva.pk]), data)
    assert theirs(other) == untouched


def test_a_new_indicator_named_like_one_the_form_left_out_is_refused_not_a_server_error(officer, idva):
    """A crafted form that leaves out an existing indicator and adds one of the same name."""
    kept = list(idva.indicators.all())
    data = page_data(idva)
    data.update(
        {
            "indicators-TOTAL_FORMS": "1",
            "indicators-INITIAL_FORMS": "0",
            "indicators-0-id": "",
            "indicators-0-name": kept[0].name,
            "indicators-0-weight": "1",
            "indicators-0-source": "entered",
        }
    )
    before = snapshot()
    response = send(officer, reverse("needs:assessment", args=[idva.pk]), data)
    assert response.status_code == 200
    assert (
        f"Give each indicator a different name: {kept[0].name.lower()} is used twice"
        in response.content.decode()
    )
    assert snapshot() == before


def test_two_indicators_can_swap_names_in_one_save(officer, idva):
    first, second = list(idva.indicators.all())[:2]
    data = page_data(idva)
    data.update({"indicators-0-name": second.name, "indicators-1-name": first.name})
    response = send(officer, reverse("needs:assessment", args=[idva.pk]), data)
    assert response.status_code == 302
    assert Indicator.objects.get(pk=first.pk).name == second.name


def test_the_start_form_survives_hostile_values_and_other_ids(officer, idva):
    url = reverse("needs:start")
    line = idva.pot_line

    @SETTINGS
    @given(
        name=st.one_of(st.just("IDVA again"), FIGURES),
        line_id=st.one_of(st.just(str(line.pk)), FIGURES),
        kind=st.one_of(st.just("local_authority"), FIGURES),
        year=st.one_of(st.just(""), FIGURES),
    )
    def run(name, line_id, kind, year):
        before = snapshot()
        response = send(
            officer, url, {"name": name, "pot_line": line_id, "area_kind": kind, "target_year": year}
        )
        if response.status_code == 200:
            assert "govuk-error-summary" in response.content.decode()
            assert snapshot() == before

    run()


def test_adopt_and_export_survive_hostile_bodies(officer, idva, other):
    @SETTINGS
    @given(field=st.sampled_from(["action", "pk", "assessment", "id", "decision"]), value=FIGURES)
    def run(field, value):
        for name in ("adopt", "export"):
            send(officer, reverse(f"needs:{name}", args=[other.pk]), {field: value})

    run()
