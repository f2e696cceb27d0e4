"""A year, page or id that cannot be read is a GOV.UK error on a page and a 400 in the API, never a server error
and never quietly another year."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("year", ["9999-00", "9999/00", "0000-01", "1999/00"])
@pytest.mark.parametrize("path", ["/decisions/", "/grants/"])
def test_a_year_out_of_range_on_a_public_page_is_a_form_error(client, path, year):
    response = client.get(path, {"year": year})

    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and "Enter a year from 2000/01 to 2099/00" in page
    assert "2000/01" not in page.split("govuk-error-summary")[0]  # not shown as if 0000-01 meant 2000/01


@pytest.mark.parametrize("year", ["9999-00", "9999/00", "0000-01", "2024"])
@pytest.mark.parametrize("path", ["/api/v1/decisions/", "/api/v1/grants/"])
def test_a_year_out_of_range_in_the_api_is_a_400_saying_what_to_write(client, path, year):
    response = client.get(path, {"year": year})

    assert response.status_code == 400
    assert "2024/25" in response.json()["error"]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999999999999999999", "1.5"])
def test_a_page_number_that_cannot_be_a_page_is_a_400_in_the_api(client, page):
    response = client.get("/api/v1/decisions/", {"page": page})

    assert response.status_code == 400 and response.json()["error"].startswith("page: Enter a whole number")


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999999999999999999", "", "5"])
@pytest.mark.parametrize("path", ["/decisions/", "/grants/"])
def test_a_page_number_that_cannot_be_a_page_shows_a_page_of_the_list(client, path, page):
    # The Django paginator's convention: not a number is the first page, past the end is the last.
    assert client.get(path, {"page": page}).status_code == 200


def test_the_openapi_document_offers_only_areas_that_exist(client):
    from tests.factories import AreaFactory

    area = AreaFactory()
    parameters = client.get("/api/v1/openapi.json").json()["components"]["parameters"]

    assert parameters["area"]["schema"]["anyOf"][0]["enum"] == [area.pk]
    assert client.get("/api/v1/grants/", {"area": area.pk + 1}).status_code == 400
