"""The staff pages: what a member of staff sees and types, including mistakes."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from funds.models import BudgetLine
from needs import services
from needs.models import IndicatorValue, NeedsAssessment
from tests.factories import UserFactory
from tests.needs.pages import page_data

pytestmark = pytest.mark.django_db


def _post_data(assessment, **changes) -> dict:
    """What the assessment page would send back unchanged, with `changes` (field name -> typed text) applied."""
    return {**page_data(assessment), **changes}


def _key(assessment, indicator_name, area_name) -> str:
    value = IndicatorValue.objects.get(
        indicator__assessment=assessment, indicator__name=indicator_name, area__name=area_name
    )
    return f"v_{value.indicator_id}_{value.area_id}"


@pytest.mark.parametrize("name", ["list", "start"])
def test_people_not_signed_in_are_sent_to_sign_in_and_people_who_are_not_staff_are_refused(client, name):
    response = client.get(reverse(f"needs:{name}"))
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(UserFactory(is_staff=False))
    assert client.get(reverse(f"needs:{name}")).status_code == 403


def test_people_who_are_not_staff_cannot_open_or_adopt_an_assessment(client, idva):
    client.force_login(UserFactory(is_staff=False))
    for name in ("assessment", "adopt", "export"):
        assert client.post(reverse(f"needs:{name}", args=[idva.pk])).status_code == 403
    assert NeedsAssessment.objects.get(pk=idva.pk).status == "draft"


def _in_role(role_name):
    from django.contrib.auth.models import Group

    from accounts.roles import sync_roles

    sync_roles()
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role_name))
    return user


def test_each_role_does_with_an_assessment_exactly_what_its_permissions_allow(client, idva):
    from accounts import roles

    def codes(user):
        client.force_login(user)
        return {
            "list": client.get(reverse("needs:list")).status_code,
            "start": client.get(reverse("needs:start")).status_code,
            "open": client.get(reverse("needs:assessment", args=[idva.pk])).status_code,
            "save": client.post(reverse("needs:assessment", args=[idva.pk]), page_data(idva)).status_code,
            "adopt page": client.get(reverse("needs:adopt", args=[idva.pk])).status_code,
        }

    assert codes(_in_role(roles.GRANTS_OFFICER)) == dict.fromkeys(
        ["list", "start", "open", "save", "adopt page"], 403
    )
    assert codes(_in_role(roles.READ_ONLY)) == {
        "list": 200,
        "start": 403,
        "open": 200,
        "save": 403,
        "adopt page": 403,
    }
    assert codes(_in_role(roles.COMMISSIONING_OFFICER)) == {
        "list": 200,
        "start": 200,
        "open": 200,
        "save": 302,
        "adopt page": 403,
    }
    assert NeedsAssessment.objects.get(pk=idva.pk).status == "draft"
    finance = _in_role(roles.FINANCE_OFFICER)
    assert codes(finance)["adopt page"] == 200
    client.post(reverse("needs:adopt", args=[idva.pk]))
    assert NeedsAssessment.objects.get(pk=idva.pk).status == "adopted"


def test_a_second_adoption_is_refused_on_the_page_saying_when_and_by_whom(client, staff_user, idva):
    client.force_login(staff_user)
    client.post(reverse("needs:adopt", args=[idva.pk]))
    page = client.get(reverse("needs:adopt", args=[idva.pk])).content.decode()
    assert "An assessment can be adopted only once" in page
    assert 'id="adopt"' not in page  # no button to adopt again
    response = client.post(reverse("needs:adopt", args=[idva.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert f"was adopted on {timezone.localdate().day} " in page and f"by {staff_user}" in page


def test_the_assessment_page_shows_each_areas_share_with_a_total_equal_to_the_pot(client, staff_user, idva):
    client.force_login(staff_user)
    response = client.get(reverse("needs:assessment", args=[idva.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Illustrative" in html
    assert "<strong>£675,814</strong>" in html
    for row in services.run(idva).rows:
        assert f"£{row.allocation:,}" in html
    assert "Adopt as 2025/26 budget lines" in html


def test_a_negative_figure_is_named_by_area_and_indicator_and_nothing_typed_is_lost(client, staff_user, idva):
    client.force_login(staff_user)
    key = _key(idva, "Female population", "Dudley")
    marac = _key(idva, "MARAC referrals", "Walsall")
    response = client.post(
        reverse("needs:assessment", args=[idva.pk]), _post_data(idva, **{key: "-5", marac: "1,234"})
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a number of 0 or more for Dudley&#x27;s female population" in html
    assert f'href="#id_{key}"' in html
    assert 'value="-5"' in html and 'value="1,234"' in html
    assert html.startswith("<!DOCTYPE html>") and "<title>Error: " in html
    assert IndicatorValue.objects.get(
        indicator__name="MARAC referrals", area__name="Walsall"
    ).value == Decimal("1010")


@pytest.mark.parametrize(
    "typed, message",
    [
        ("74, 626", "Enter Coventry&#x27;s MARAC referrals as a number, like 1,250 or 1250.5"),
        ("12k", "Enter Coventry&#x27;s MARAC referrals as a number"),
        ("1.234", "Enter Coventry&#x27;s MARAC referrals with no more than 2 decimal places"),
    ],
)
def test_malformed_figures_get_a_specific_message(client, staff_user, idva, typed, message):
    client.force_login(staff_user)
    response = client.post(
        reverse("needs:assessment", args=[idva.pk]),
        _post_data(idva, **{_key(idva, "MARAC referrals", "Coventry"): typed}),
    )
    assert message in response.content.decode()


def test_a_malformed_current_allocation_or_weight_is_explained(client, staff_user, idva):
    client.force_login(staff_user)
    sandwell = idva.current_allocations.get(area__name="Sandwell").area_id
    response = client.post(
        reverse("needs:assessment", args=[idva.pk]),
        _post_data(idva, **{f"c_{sandwell}": "£1.2k", "indicators-0-weight": "-1", "pot": "675,814.50"}),
    )
    html = response.content.decode()
    assert "Enter Sandwell&#x27;s current allocation as an amount in pounds of 0 or more" in html
    assert "Enter a number of 0 or more for the weight of indicator 1" in html
    assert "Enter the pot in whole pounds, like 675,814" in html


def test_saving_new_figures_changes_the_result(client, staff_user, idva):
    client.force_login(staff_user)
    before = {r.area.name: r.allocation for r in services.run(idva).rows}
    response = client.post(
        reverse("needs:assessment", args=[idva.pk]),
        _post_data(idva, **{_key(idva, "Female population", "Solihull"): "400,000", "action": "calculate"}),
    )
    assert response.status_code == 302 and response["Location"].endswith("#results")
    after = {r.area.name: r.allocation for r in services.run(idva).rows}
    assert after["Solihull"] > before["Solihull"] and sum(after.values()) == 675814


def test_an_indicator_can_be_added_and_removed(client, staff_user, idva):
    client.force_login(staff_user)
    client.post(
        reverse("needs:assessment", args=[idva.pk]),
        _post_data(idva, **{"indicators-3-name": "Repeat victims", "indicators-3-weight": "0.1"}),
    )
    assert idva.indicators.filter(name="Repeat victims").exists()
    response = client.get(reverse("needs:assessment", args=[idva.pk]))
    assert (
        "Enter repeat victims for Birmingham, Coventry, Dudley, Sandwell, Solihull, Walsall and Wolverhampton."
        in response.content.decode()
    )
    client.post(
        reverse("needs:assessment", args=[idva.pk]), _post_data(idva, **{"indicators-3-DELETE": "on"})
    )
    assert not idva.indicators.filter(name="Repeat victims").exists()


def test_two_indicators_with_the_same_name_are_refused(client, staff_user, idva):
    client.force_login(staff_user)
    response = client.post(
        reverse("needs:assessment", args=[idva.pk]),
        _post_data(idva, **{"indicators-3-name": "MARAC referrals", "indicators-3-weight": "1"}),
    )
    assert "Give each indicator a different name: marac referrals is used twice" in response.content.decode()


def test_the_fill_button_takes_demand_from_returns(client, staff_user, idva, monkeypatch):
    birmingham = idva.current_allocations.get(area__name="Birmingham").area_id
    monkeypatch.setattr(services, "_demand_selector", lambda: lambda **kwargs: {birmingham: Decimal("3000")})
    client.force_login(staff_user)
    response = client.post(
        reverse("needs:assessment", args=[idva.pk]), _post_data(idva, action="fill"), follow=True
    )
    html = response.content.decode()
    assert "Recorded demand: 1 of 7 areas have demand recorded in monitoring returns" in html
    assert "From returns" in html
    assert IndicatorValue.objects.get(indicator__name="Recorded demand", area_id=birmingham).value == Decimal(
        "3000"
    )


def test_starting_an_assessment_from_a_budget_line(client, staff_user, demo_data):
    client.force_login(staff_user)
    line = BudgetLine.objects.get(name="IDVA's", budget__year__start_year=2024)
    page = client.get(reverse("needs:start")).content.decode()
    assert "IDVA/ISVA 2024/25: IDVA&#x27;s £675,814" in page
    response = client.post(
        reverse("needs:start"),
        {"name": "IDVA 2025/26", "pot_line": line.pk, "area_kind": "local_authority", "target_year": ""},
    )
    assessment = NeedsAssessment.objects.get(name="IDVA 2025/26")
    assert response["Location"] == reverse("needs:assessment", args=[assessment.pk])
    assert response.status_code == 302 and assessment.pot == Decimal("675814")


def test_starting_without_a_name_or_line_explains_what_is_missing(client, staff_user, demo_data):
    client.force_login(staff_user)
    response = client.post(
        reverse("needs:start"), {"name": "", "pot_line": "999999", "area_kind": "local_authority"}
    )
    html = response.content.decode()
    assert "Enter a name for the needs assessment" in html
    assert "Choose a budget line from the list" in html


def test_adopting_asks_first_then_creates_the_draft_decision(client, staff_user, idva):
    client.force_login(staff_user)
    confirm = client.get(reverse("needs:adopt", args=[idva.pk]))
    assert "Adopt as 2025/26 budget lines" in confirm.content.decode()
    assert NeedsAssessment.objects.get(pk=idva.pk).status == "draft"
    response = client.post(reverse("needs:adopt", args=[idva.pk]), follow=True)
    assert f"under draft decision DRAFT-NEEDS-{idva.pk}" in response.content.decode()
    assert NeedsAssessment.objects.get(pk=idva.pk).status == "adopted"


def test_adopting_an_incomplete_assessment_shows_what_is_missing(client, staff_user, idva):
    IndicatorValue.objects.filter(indicator__assessment=idva, area__name="Walsall").delete()
    client.force_login(staff_user)
    response = client.post(reverse("needs:adopt", args=[idva.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter female population for Walsall." in html
    assert NeedsAssessment.objects.get(pk=idva.pk).status == "draft"


def test_export_starts_a_workbook_job(client, staff_user, idva):
    client.force_login(staff_user)
    response = client.post(reverse("needs:export", args=[idva.pk]))
    from exports.models import ExportJob

    job = ExportJob.objects.get(kind="needs.allocation")
    assert response["Location"] == reverse("exports:job", args=[job.pk])
    assert job.params == {"assessment_id": idva.pk}


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_page_runs_the_same_few_queries_however_many_assessments(
    client, staff_user, demo_data, count, django_assert_max_num_queries
):
    line = BudgetLine.objects.get(name="IDVA's", budget__year__start_year=2024)
    for n in range(count):
        services.create_assessment(name=f"Assessment {n}", pot_line=line)
    client.force_login(staff_user)
    with django_assert_max_num_queries(4):  # 3, plus the office named in the page header
        response = client.get(reverse("needs:list"))
    assert response.content.decode().count("Assessment ") == count


@pytest.mark.parametrize("extra_indicators", [0, 5])
def test_the_assessment_page_queries_stay_flat_as_indicators_grow(
    client, staff_user, idva, extra_indicators, django_assert_max_num_queries
):
    areas = services.areas_for(idva)
    for n in range(extra_indicators):
        indicator = idva.indicators.create(name=f"Extra {n}", weight=Decimal("0.1"), order=10 + n)
        IndicatorValue.objects.bulk_create(
            IndicatorValue(indicator=indicator, area=a, value=Decimal(n + 1)) for a in areas
        )
    client.force_login(staff_user)
    with django_assert_max_num_queries(12):  # 11, plus the office named in the page header
        response = client.get(reverse("needs:assessment", args=[idva.pk]))
    assert response.content.decode().count("<strong>£675,814</strong>") == 1
