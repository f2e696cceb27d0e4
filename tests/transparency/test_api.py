import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from applications.models import Award
from funds.models import Decision, FinancialYear
from tests.applications.factories import OrganisationFactory, RoundFactory
from tests.factories import AreaFactory, BudgetFactory, FundingStreamFactory

from .public_data import decision, many_grants, published_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def grants():
    coventry = AreaFactory(name="Coventry")
    hcf = RoundFactory(
        name="Helping Communities Fund 2024/25",
        slug="hcf-2024-25",
        areas=[coventry],
        budget=BudgetFactory(
            stream=FundingStreamFactory(name="Helping Communities Fund", slug="hcf"), pot=Decimal("400000")
        ),
    )
    victims = RoundFactory(
        name="Victims Fund 7",
        slug="vf7",
        reference_prefix="VF",
        budget=BudgetFactory(
            stream=FundingStreamFactory(name="Victims Fund", slug="victims"),
            year=FinancialYear.objects.get_or_create(start_year=2019)[0],
        ),
    )
    published_grant(
        hcf,
        amount="1500.00",
        title="Safer walks home",
        organisation=OrganisationFactory(name="Friends of Stoney Stanton Park", area=coventry),
    )
    published_grant(hcf, amount="2250.50", title="Street Watch kit", status=Award.Status.PAID)
    published_grant(victims, amount="10000.00", title="Hate crime helpline")
    published_grant(hcf, amount="700.00", title="Not yet a grant", status=Award.Status.AWAITING_FINANCE)
    return {"coventry": coventry}


def test_grants_give_public_fields_with_money_as_decimal_strings(client, grants):
    response = client.get("/api/v1/grants/", {"year": "2024/25"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["next"] is None and body["previous"] is None
    first = body["results"][0]
    assert first == {
        "reference": first["reference"],
        "recipient": "Friends of Stoney Stanton Park",
        "project_title": "Safer walks home",
        "area": {"id": grants["coventry"].pk, "name": "Coventry"},
        "stream": {"slug": "hcf", "name": "Helping Communities Fund"},
        "round": {"slug": "hcf-2024-25", "name": "Helping Communities Fund 2024/25"},
        "financial_year": "2024/25",
        "amount": "1500.00",
        "currency": "GBP",
        "award_date": "2024-07-15",
    }
    assert body["results"][1]["amount"] == "2250.50"
    assert b"1500.0," not in response.content  # never a float
    assert b"PRIVATE-CONTACT-NAME" not in response.content and b"99999.99" not in response.content


@pytest.mark.parametrize(
    "params, titles",
    [
        ({}, {"Safer walks home", "Street Watch kit", "Hate crime helpline"}),
        ({"year": "2024-25"}, {"Safer walks home", "Street Watch kit"}),
        ({"year": "2019/20"}, {"Hate crime helpline"}),
        ({"stream": "victims"}, {"Hate crime helpline"}),
        ({"year": "2030-31"}, set()),
    ],
)
def test_grants_filter_by_year_and_stream(client, grants, params, titles):
    results = client.get("/api/v1/grants/", params).json()["results"]

    assert {r["project_title"] for r in results} == titles


def test_grants_filter_by_area(client, grants):
    results = client.get("/api/v1/grants/", {"area": grants["coventry"].pk}).json()["results"]

    assert {r["project_title"] for r in results} == {"Safer walks home", "Street Watch kit"}


def test_pages_link_to_each_other_with_absolute_urls_keeping_the_filter(client):
    many_grants(5)

    first = client.get("/api/v1/grants/", {"page_size": "2", "year": "2024-25"}).json()
    second = client.get(first["next"]).json()
    last = client.get(second["next"]).json()

    assert first["count"] == 5 and len(first["results"]) == 2
    assert first["next"] == "http://testserver/api/v1/grants/?page_size=2&year=2024-25&page=2"
    assert second["previous"] == "http://testserver/api/v1/grants/?page_size=2&year=2024-25"
    assert len(last["results"]) == 1 and last["next"] is None
    assert len({r["reference"] for r in first["results"] + second["results"] + last["results"]}) == 5


def test_the_default_page_is_50_and_at_most_200_may_be_asked_for(client):
    many_grants(60)

    assert len(client.get("/api/v1/grants/").json()["results"]) == 50
    assert len(client.get("/api/v1/grants/", {"page_size": "200"}).json()["results"]) == 60
    assert client.get("/api/v1/grants/", {"page_size": "201"}).status_code == 400


@pytest.mark.parametrize(
    "params, message",
    [
        ({"page_size": "0"}, 'page_size: Enter a whole number from 1 to 200, not "0"'),
        ({"page_size": "lots"}, 'page_size: Enter a whole number from 1 to 200, not "lots"'),
        ({"page": "-1"}, 'page: Enter a whole number from 1, not "-1"'),
        ({"page": "99999999999999999999"}, "page: Enter a whole number"),
        ({"year": "2024/26"}, "year: "),
        ({"area": "Coventry"}, "area: "),
        ({"stream": "nope"}, 'stream: There is no funding stream "nope"'),
        (
            {"years": "2024-25"},
            'Unknown parameter "years". This endpoint takes: area, page, page_size, stream, year',
        ),
    ],
)
def test_bad_parameters_get_a_400_saying_what_to_fix(client, params, message):
    response = client.get("/api/v1/grants/", params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"].startswith(message)


def test_a_page_past_the_last_is_a_404_in_json(client):
    many_grants(3)

    response = client.get("/api/v1/grants/", {"page": "2"})

    assert response.status_code == 404
    assert response.json() == {"error": "Page 2 does not exist: there is 1 page of 50"}


def test_a_whole_number_written_with_a_zero_decimal_is_that_page(client):
    """JSON Schema's integer (the OpenAPI document's type for page) counts 2.0 as 2, so the API does too."""
    many_grants(3)

    response = client.get("/api/v1/grants/", {"page": "2.0"})

    assert response.json() == {"error": "Page 2 does not exist: there is 1 page of 50"}
    assert client.get("/api/v1/grants/", {"page": "1.5"}).status_code == 400


def test_an_empty_list_still_has_a_first_page(client, db):
    assert client.get("/api/v1/grants/").json() == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize(
    "path", ["/api/v1/grants/", "/api/v1/rounds/", "/api/v1/decisions/", "/api/v1/openapi.json"]
)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(client, db, path, method):
    response = getattr(client, method)(path)

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["error"] == f"{method.upper()} is not allowed: this API is read-only. Use GET"


def test_every_response_says_its_version_and_may_be_read_from_any_site(client, db):
    for response in (
        client.get("/api/v1/grants/"),
        client.get("/api/v1/grants/?page=3"),
        client.post("/api/v1/decisions/"),
    ):
        assert response["API-Version"] == "1"
        assert response["Access-Control-Allow-Origin"] == "*"


def test_open_rounds_are_listed_with_their_public_terms(client):
    area = AreaFactory(name="Walsall")
    RoundFactory(
        name="Open round",
        slug="open-round",
        areas=[area],
        minimum_grant=Decimal("500"),
        maximum_grant=Decimal("10000.5"),
    )
    RoundFactory(
        name="Closed round",
        opens_at=timezone.now() - datetime.timedelta(days=30),
        closes_at=timezone.now() - datetime.timedelta(days=1),
    )
    RoundFactory(
        name="Not yet open",
        opens_at=timezone.now() + datetime.timedelta(days=1),
        closes_at=timezone.now() + datetime.timedelta(days=30),
    )

    body = client.get("/api/v1/rounds/").json()

    assert [r["name"] for r in body["results"]] == ["Open round"]
    found = body["results"][0]
    assert found["minimum_grant"] == "500.00" and found["maximum_grant"] == "10000.50"
    assert found["financial_year"] == "2024/25"
    assert found["areas"] == [{"id": area.pk, "name": "Walsall"}]
    assert found["url"] == "http://testserver/rounds/open-round/"
    assert datetime.datetime.fromisoformat(found["closes_at"]) > timezone.now()


def test_decisions_come_through_the_public_view_only(client):
    decision(
        "017-2020",
        title="External Commissioning",
        summary="Approves the budget.",
        decided_on=datetime.date(2020, 3, 24),
    )
    decision(
        "012-2020",
        confidentiality=Decision.Confidentiality.CONFIDENTIAL,
        title="Named officer pension",
        summary="The officer's case",
        description="the forfeiture of a police pension",
        decided_on=datetime.date(2020, 2, 13),
    )
    decision("040-2020", title="A draft", status=Decision.Status.DRAFT)

    results = client.get("/api/v1/decisions/").json()["results"]

    assert [d["number"] for d in results] == ["017-2020", "012-2020"]
    public, confidential = results
    assert public["title"] == "External Commissioning" and public["summary"] == "Approves the budget."
    assert public["url"] == "http://testserver/decisions/017-2020/"
    assert confidential == {
        "number": "012-2020",
        "decided_on": "2020-02-13",
        "confidentiality": "confidential",
        "confidentiality_label": "Confidential",
        "description": "the forfeiture of a police pension",
        "statement": "is a confidential decision relating to the forfeiture of a police pension",
        "title": None,
        "summary": None,
        "budgets": None,
        "url": "http://testserver/decisions/012-2020/",
    }


def test_decisions_filter_by_financial_year(client):
    decision("001-2024", decided_on=datetime.date(2024, 3, 31))
    decision("002-2024", decided_on=datetime.date(2024, 4, 1))

    results = client.get("/api/v1/decisions/", {"year": "2024-25"}).json()["results"]

    assert [d["number"] for d in results] == ["002-2024"]


@pytest.mark.parametrize("size", [3, 60])
def test_api_lists_run_a_fixed_number_of_queries(client, django_assert_max_num_queries, size):
    grants = many_grants(size)
    round_ = grants[0].application.round
    budget = BudgetFactory(stream=FundingStreamFactory())
    for n in range(size):
        decision(
            f"{n:03d}-2024",
            budgets=[budget],
            description="a matter",
            confidentiality=[Decision.Confidentiality.PUBLIC, Decision.Confidentiality.CONFIDENTIAL][n % 2],
        )
    for _ in range(size // 3):
        RoundFactory(areas=list(round_.areas.all()))

    # The publication version, the stream looked up, the count (the grants grouped by round and area, and the rounds'
    # and areas' names: 3), the page's ids, their rows.
    with django_assert_max_num_queries(7):
        assert (
            client.get(
                "/api/v1/grants/",
                {"year": "2024-25", "stream": round_.budget.stream.slug, "page_size": "200"},
            ).status_code
            == 200
        )
    with django_assert_max_num_queries(5):  # publication version, count, rounds, their areas, next opening
        assert client.get("/api/v1/rounds/", {"page_size": "200"}).status_code == 200
    with django_assert_max_num_queries(4):  # publication version, count, decisions, their budgets
        assert client.get("/api/v1/decisions/", {"page_size": "200"}).status_code == 200


def test_the_documentation_page_describes_endpoints_paging_and_versions(client, db):
    response = client.get("/api/")

    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "/api/v1/rounds/",
        "/api/v1/grants/",
        "/api/v1/decisions/",
        "page_size",
        "Versions and deprecation",
        "API-Version",
        'curl "http://testserver/api/v1/grants/?year=2024-25&amp;page_size=2"',
        "&quot;amount&quot;: &quot;1500.00&quot;",
        'href="http://testserver/api/v1/openapi.json"',
    ):
        assert text in page


def test_the_openapi_document_is_served_as_json(client, db):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.json()["openapi"] == "3.1.0"
    assert response.json()["info"]["version"] == "1"
