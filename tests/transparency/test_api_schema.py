"""The OpenAPI document and the API agree: every response the API gives matches the documented schema for its path
and status, every documented path answers, every API route is documented, and the examples are valid too."""

import datetime

import pytest
from django.urls import get_resolver

from funds.models import Decision
from tests.applications.factories import RoundFactory
from tests.factories import BudgetFactory
from transparency import openapi

from .api_schema import assert_matches_document, validator
from .public_data import decision, many_grants

pytestmark = pytest.mark.django_db

REQUESTS = [
    ("/rounds/", {}),
    ("/rounds/", {"page_size": "1"}),
    ("/rounds/", {"page_size": "1", "page": "2"}),
    ("/rounds/", {"page": "9"}),
    ("/rounds/", {"year": "2024-25"}),
    ("/grants/", {}),
    ("/grants/", {"page_size": "2", "page": "2"}),
    ("/grants/", {"year": "2024/25", "stream": "stream-with-grants"}),
    ("/grants/", {"year": "2031-32"}),
    ("/grants/", {"year": "soon"}),
    ("/grants/", {"area": "x"}),
    ("/grants/", {"page_size": "1000"}),
    ("/grants/", {"page": "50"}),
    ("/decisions/", {}),
    ("/decisions/", {"year": "2019-20"}),
    ("/decisions/", {"page_size": "1", "page": "3"}),
    ("/decisions/", {"year": "twenty"}),
]


@pytest.fixture
def everything():
    rounds = [RoundFactory(), RoundFactory()]
    grants = many_grants(4, round_=rounds[0])
    stream = rounds[0].budget.stream
    stream.slug = "stream-with-grants"
    stream.save()
    budget = BudgetFactory()
    decision("017-2020", decided_on=datetime.date(2020, 3, 24), summary="Summary", budgets=[budget])
    decision("024/2019", decided_on=datetime.date(2019, 7, 2))
    decision(
        "012-2020",
        confidentiality=Decision.Confidentiality.CONFIDENTIAL,
        description="a pension matter",
        decided_on=datetime.date(2020, 2, 13),
    )
    decision(
        "030-2019",
        confidentiality=Decision.Confidentiality.COMMERCIALLY_CONFIDENTIAL,
        description="a lease",
        decided_on=None,
    )
    return grants


@pytest.mark.parametrize("path, params", REQUESTS)
def test_every_response_matches_the_documented_schema(client, everything, path, params):
    response = client.get(f"/api/v1{path}", params)

    assert_matches_document(response, path)


@pytest.mark.parametrize("path", list(openapi.DOCUMENT["paths"]))
def test_a_post_gets_the_documented_405(client, db, path):
    assert_matches_document(client.post(f"/api/v1{path}"), path)


def test_every_api_route_is_documented_and_every_documented_path_is_routed():
    routed = {
        str(pattern.pattern)
        for pattern in get_resolver().url_patterns
        for pattern in getattr(pattern, "url_patterns", [pattern])
        if str(pattern.pattern).startswith("api/v1/") and not str(pattern.pattern).endswith("openapi.json")
    }

    assert routed == {f"api/v1{path}" for path in openapi.DOCUMENT["paths"]}


def test_the_documented_examples_match_the_documented_schemas():
    document = openapi.document()
    for path, item in document["paths"].items():
        for status, response in item["get"]["responses"].items():
            content = response["content"]["application/json"]
            errors = list(validator(content["schema"]["$ref"], document).iter_errors(content["example"]))
            assert not errors, f"{path} {status}: {[e.message for e in errors]}"


def test_every_documented_parameter_is_accepted(client, everything):
    document = openapi.document()
    parameters = document["components"]["parameters"]
    for path, item in document["paths"].items():
        for ref in item["get"]["parameters"]:
            parameter = parameters[ref["$ref"].rsplit("/", 1)[1]]
            example = parameter["example"]
            if parameter["name"] == "area":
                example = everything[0].application.area_id
            if parameter["name"] == "stream":
                example = "stream-with-grants"
            response = client.get(f"/api/v1{path}", {parameter["name"]: example})
            assert response.status_code in (200, 404), (path, parameter["name"], response.json())


def test_the_schemas_are_strict_so_an_undocumented_field_fails():
    grant = dict(openapi.GRANT_EXAMPLE, contact_name="Sam")

    assert not validator("#/components/schemas/Grant").is_valid(grant)
    assert not validator("#/components/schemas/Grant").is_valid(dict(openapi.GRANT_EXAMPLE, amount=1500.0))
    assert validator("#/components/schemas/Grant").is_valid(openapi.GRANT_EXAMPLE)
