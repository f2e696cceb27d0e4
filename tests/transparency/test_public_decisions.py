import datetime

import pytest

from funds.models import Decision
from tests.factories import BudgetFactory, FundingStreamFactory

from .public_data import decision

pytestmark = pytest.mark.django_db

CONFIDENTIAL = Decision.Confidentiality.CONFIDENTIAL
COMMERCIAL = Decision.Confidentiality.COMMERCIALLY_CONFIDENTIAL


def test_the_register_lists_made_decisions_grouped_by_date_newest_first(client):
    decision("016-2020", decided_on=datetime.date(2020, 3, 24), title="Victims Services")
    decision(
        "017-2020",
        decided_on=datetime.date(2020, 3, 24),
        title="External Commissioning and Active Citizens Budget 2020/21",
    )
    decision("009-2019", decided_on=datetime.date(2019, 4, 11), title="Victims Services 2019")
    decision("040-2020", title="A draft not yet made", status=Decision.Status.DRAFT)

    page = client.get("/decisions/").content.decode()

    assert page.index("24 March 2020") < page.index("11 April 2019")
    assert page.count("24 March 2020") == 1  # one heading for both decisions of that day
    assert page.index("017-2020") < page.index("016-2020") < page.index("009-2019")
    assert "External Commissioning and Active Citizens Budget 2020/21" in page
    assert "A draft not yet made" not in page and "040-2020" not in page


def test_confidential_decisions_use_the_annual_reports_wording(client):
    decision(
        "012-2020",
        confidentiality=CONFIDENTIAL,
        title="Pension forfeiture of a named officer",
        description="the forfeiture of a police pension",
    )
    decision(
        "030-2019",
        confidentiality=COMMERCIAL,
        title="Estate lease terms",
        description="the lease of a police building.",
    )

    page = client.get("/decisions/").content.decode()

    assert (
        "PCC Decision 012-2020</a> is a confidential decision relating to the forfeiture of a police pension."
        in page
    )
    assert (
        "PCC Decision 030-2019</a> is a commercially confidential decision relating to the lease of a police "
        "building." in page
    )
    assert "named officer" not in page and "Estate lease terms" not in page


def test_the_register_filters_by_financial_year_from_1_april_to_31_march(client):
    decision("001-2024", decided_on=datetime.date(2024, 3, 31), title="Last day of 2023/24")
    decision("002-2024", decided_on=datetime.date(2024, 4, 1), title="First day of 2024/25")
    decision("003-2025", decided_on=datetime.date(2025, 3, 31), title="Last day of 2024/25")
    decision("004-2025", decided_on=datetime.date(2025, 4, 1), title="First day of 2025/26")

    page = client.get("/decisions/", {"year": "2024-25"}).content.decode()

    assert "First day of 2024/25" in page and "Last day of 2024/25" in page
    assert "Last day of 2023/24" not in page and "First day of 2025/26" not in page
    assert "Decisions taken in 2024/25" in page
    assert (
        '<option value="2025-26">2025/26</option>' in page
        and '<option value="2023-24">2023/24</option>' in page
    )


def test_a_bad_year_gets_a_govuk_error(client):
    decision("001-2024", title="Anything")

    response = client.get("/decisions/", {"year": "2024/27"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "the second year must follow the first" in page
    assert "Anything" not in page


def test_a_public_decision_has_a_page_with_its_summary_and_budgets(client):
    budget = BudgetFactory(stream=FundingStreamFactory(name="Helping Communities Fund"))
    decision(
        "017-2020",
        title="External Commissioning",
        summary="Approves the budget for 2020/21.",
        description="Budget for commissioned services",
        budgets=[budget],
    )

    listing = client.get("/decisions/").content.decode()
    response = client.get("/decisions/017-2020/")

    assert 'href="/decisions/017-2020/"' in listing
    assert "Helping Communities Fund 2024/25" in listing
    assert response.status_code == 200
    page = response.content.decode()
    for shown in (
        "External Commissioning",
        "Approves the budget for 2020/21.",
        "Budget for commissioned services",
        "Helping Communities Fund 2024/25",
        "12 September 2024",
    ):
        assert shown in page


def test_a_decision_number_with_a_slash_has_a_working_page(client):
    decision("024/2019", decided_on=datetime.date(2019, 7, 2), title="Printed with a slash")

    listing = client.get("/decisions/").content.decode()
    response = client.get("/decisions/024/2019/")

    assert 'href="/decisions/024/2019/"' in listing
    assert response.status_code == 200
    assert "Printed with a slash" in response.content.decode()


def test_draft_and_unknown_decisions_are_not_found(client):
    decision("040-2020", title="A draft", status=Decision.Status.DRAFT)

    assert client.get("/decisions/040-2020/").status_code == 404
    assert client.get("/decisions/999-2099/").status_code == 404


def test_a_confidential_decisions_page_shows_only_number_date_and_public_description(client):
    decision(
        "012-2020",
        confidentiality=CONFIDENTIAL,
        title="Named officer pension",
        summary="Details of the case",
        description="the forfeiture of a police pension",
        decided_on=datetime.date(2020, 2, 13),
    )

    page = client.get("/decisions/012-2020/").content.decode()

    assert (
        "PCC Decision 012-2020 is a confidential decision relating to the forfeiture of a police pension."
        in page
    )
    assert "13 February 2020" in page
    assert "Named officer pension" not in page and "Details of the case" not in page


def test_a_decision_without_a_date_is_listed_last(client):
    decision("001-2024", title="Dated")
    decision("099-2019", title="Undated", decided_on=None)

    page = client.get("/decisions/").content.decode()

    assert page.index("Dated") < page.index("Date not recorded") < page.index("Undated")


def test_the_register_links_to_grants_and_open_rounds(client):
    page = client.get("/decisions/").content.decode()

    assert 'href="/grants/"' in page and 'href="/rounds/"' in page


@pytest.mark.parametrize("size", [3, 60])
def test_the_register_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, size):
    budget = BudgetFactory()
    for n in range(size):
        decision(
            f"{n:03d}-2024",
            title=f"Decision {n}",
            budgets=[budget],
            confidentiality=[Decision.Confidentiality.PUBLIC, CONFIDENTIAL, COMMERCIAL][n % 3],
            description="a matter",
        )
    # The publication version (1), year choices (1), count (1), the decisions (1), their budgets (1), the office for
    # the footer (1).
    with django_assert_max_num_queries(6):
        response = client.get("/decisions/", {"year": "2024-25"})
    assert response.status_code == 200
    assert response.content.decode().count("PCC Decision ") == size


def test_the_demo_register_shows_invented_confidential_decisions_beside_the_real_public_ones(
    client, demo_data
):
    from transparency import demo

    demo.load()
    demo.load()  # safe to run twice

    register = client.get("/decisions/").content.decode()
    this_year = client.get("/decisions/", {"year": "2024-25"}).content.decode()

    assert "017-2020" in register and "External Commissioning and Active Citizens Budget 2020/21" in register
    assert this_year.count("illustrative example invented for the demo") == 2
    assert "is a confidential decision relating to a staffing matter" in this_year
    assert (
        "is a commercially confidential decision relating to the procurement of a case management system"
        in this_year
    )
    assert "Illustrative example:" not in register  # their titles stay confidential like any other
    # The two invented confidential ones; funds' demo adds invented public ones (the top-ups' decisions).
    assert Decision.objects.filter(number__startswith="DEMO-").exclude(confidentiality="public").count() == 2
