import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from applications.models import Award
from funds.models import FinancialYear
from tests.applications.factories import OrganisationFactory, RoundFactory
from tests.factories import AreaFactory, BudgetFactory, FundingStreamFactory

from .public_data import many_grants, published_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_years():
    """A 2024/25 round in Coventry and a 2023/24 round in another stream and area."""
    coventry, dudley = AreaFactory(name="Coventry"), AreaFactory(name="Dudley")
    this_year = RoundFactory(
        name="Helping Communities Fund 2024/25",
        areas=[coventry],
        budget=BudgetFactory(
            stream=FundingStreamFactory(name="Helping Communities Fund", slug="hcf"), pot=Decimal("400000")
        ),
    )
    last_year = RoundFactory(
        name="Victims Fund 7",
        reference_prefix="VF",
        areas=[dudley],
        budget=BudgetFactory(
            stream=FundingStreamFactory(name="Victims Fund", slug="victims"),
            year=FinancialYear.objects.get_or_create(start_year=2023)[0],
            pot=Decimal("200000"),
        ),
    )
    published_grant(
        this_year,
        amount="1500.00",
        title="Safer walks home",
        organisation=OrganisationFactory(name="Friends of Stoney Stanton Park", area=coventry),
    )
    published_grant(this_year, amount="2250.50", title="Street Watch kit", status=Award.Status.PAID)
    published_grant(
        last_year, amount="10000.00", title="Hate crime helpline", approved_on=datetime.date(2023, 6, 1)
    )
    published_grant(this_year, amount="700.00", title="Not yet a grant", status=Award.Status.AWAITING_FINANCE)
    return {"coventry": coventry, "dudley": dudley}


def test_anyone_sees_approved_grants_with_their_public_details(client, two_years):
    response = client.get("/grants/")

    assert response.status_code == 200
    page = response.content.decode()
    for shown in (
        "Friends of Stoney Stanton Park",
        "Safer walks home",
        "Coventry",
        "Helping Communities Fund 2024/25",
        "£1,500",
        "15 July 2024",
        "Street Watch kit",
        "£2,250.50",
        "Hate crime helpline",
        "Victims Fund 7",
    ):
        assert shown in page
    assert "3 grants totalling £13,750.50" in page


def test_the_grants_page_shows_nothing_private_and_no_award_still_awaiting_finance(client, two_years):
    page = client.get("/grants/").content.decode()

    assert "PRIVATE-CONTACT-NAME" not in page
    assert "99,999.99" not in page  # the amount asked for
    assert "Private summary" not in page
    assert "Not yet a grant" not in page


@pytest.mark.parametrize("year", ["2024-25", "2024/25", "24-25"])
def test_filtering_by_financial_year_gives_that_years_grants_count_and_total(client, two_years, year):
    page = client.get("/grants/", {"year": year}).content.decode()

    assert "2 grants totalling £3,750.50" in page
    assert "Hate crime helpline" not in page


def test_filtering_by_area_and_stream(client, two_years):
    by_area = client.get("/grants/", {"area": two_years["dudley"].pk}).content.decode()
    by_stream = client.get("/grants/", {"stream": "hcf"}).content.decode()

    assert "1 grant totalling £10,000" in by_area and "Hate crime helpline" in by_area
    assert "2 grants totalling £3,750.50" in by_stream and "Hate crime helpline" not in by_stream


def test_a_filter_that_matches_nothing_says_so(client, two_years):
    page = client.get("/grants/", {"year": "2019-20"}).content.decode()

    assert "No grants have been published for this filter" in page


@pytest.mark.parametrize(
    "params, message",
    [
        ({"year": "2024/26"}, "the second year must follow the first"),
        ({"year": "last year"}, "is not a financial year"),
        ({"area": "Coventry"}, "is not an area. Choose an area from the list"),
        ({"area": "999999"}, "There is no area 999999"),
        ({"area": "99999999999999999999"}, "is not an area"),
        ({"stream": "no-such-stream"}, "There is no funding stream"),
    ],
)
def test_a_bad_filter_gets_a_govuk_error_not_a_server_error(client, two_years, params, message):
    response = client.get("/grants/", params)

    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and "There is a problem" in page
    assert message in page
    assert "<title>Error: Grants awarded" in page
    assert "Safer walks home" not in page


def test_the_list_is_paginated_with_govuk_pagination_keeping_the_filter(client):
    grants = many_grants(30)
    slug = grants[0].application.round.budget.stream.slug

    first = client.get("/grants/", {"stream": slug}).content.decode()
    second = client.get("/grants/", {"stream": slug, "page": "2"}).content.decode()

    assert first.count('<td class="govuk-table__cell govuk-table__cell--numeric">') == 25
    assert second.count('<td class="govuk-table__cell govuk-table__cell--numeric">') == 5
    assert 'class="govuk-pagination"' in first
    assert f'href="?stream={slug}&amp;page=2"' in first
    assert "30 grants totalling £45,000" in second


def test_a_page_number_that_is_not_a_page_shows_the_nearest_page(client):
    many_grants(3)

    assert client.get("/grants/", {"page": "abc"}).status_code == 200
    assert client.get("/grants/", {"page": "99"}).status_code == 200


def test_the_download_links_carry_the_filter(client, two_years):
    page = client.get("/grants/", {"year": "2024-25", "page": "1"}).content.decode()

    assert 'href="/grants/download.csv?year=2024-25"' in page
    assert 'href="/grants/download.xlsx?year=2024-25"' in page


def test_the_page_links_to_open_rounds_and_the_decision_register(client, two_years):
    page = client.get("/grants/").content.decode()

    assert 'href="/rounds/"' in page and 'href="/decisions/"' in page and 'href="/api/"' in page


@pytest.mark.parametrize("size", [3, 60])
def test_the_grants_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, size):
    grants = many_grants(size)
    area = grants[0].application.area_id
    # Built afresh (nothing cached yet): the publication version (1); choices, totals and page count from the grants
    # grouped by round and area (1) and the rounds' and areas' names (2); the area chosen (1); the page's ids from an
    # index (1) and their rows (1); the office for the footer (1).
    with django_assert_max_num_queries(8):
        response = client.get("/grants/", {"year": "2024-25", "area": area, "stream": "", "page": "2"})
    assert response.status_code == 200


def test_the_csv_has_the_public_fields_quoted_properly_and_only_the_filtered_grants(client, two_years):
    round_ = Award.objects.filter(application__project_title="Safer walks home").get().application.round
    published_grant(round_, amount="300.00", title='Paint, "brushes"\nand ladders')
    published_grant(round_, amount="400.00", title='=HYPERLINK("http://evil.example")')

    response = client.get("/grants/download.csv", {"year": "2024/25"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="grants-awarded-2024-25.csv"' in response["Content-Disposition"]
    text = response.content.decode()
    lines = text.split("\r\n")
    assert lines[0] == (
        "Reference,Recipient organisation,Project title,Area,Funding stream,Round,Financial year,"
        "Amount awarded (£),Award date"
    )
    assert (
        ",Safer walks home,Coventry,Helping Communities Fund,Helping Communities Fund 2024/25,2024/25,1500.00,"
        "2024-07-15" in text
    )
    assert '"Paint, ""brushes""\nand ladders"' in text
    assert "'=HYPERLINK" in text
    assert "Hate crime helpline" not in text and "Not yet a grant" not in text
    assert "PRIVATE-CONTACT-NAME" not in text and "99999.99" not in text


def test_the_xlsx_keeps_typed_text_as_text_and_amounts_as_numbers(client, two_years):
    round_ = Award.objects.filter(application__project_title="Safer walks home").get().application.round
    published_grant(round_, amount="400.00", title="=SUM(1+1)")

    response = client.get("/grants/download.xlsx", {"stream": "hcf"})

    assert response.status_code == 200
    assert 'filename="grants-awarded-hcf.xlsx"' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Grants awarded"]
    rows = list(sheet.iter_rows(min_row=3))
    titles = {row[2].value: row for row in rows}
    assert set(titles) == {"Safer walks home", "Street Watch kit", "=SUM(1+1)"}
    assert titles["=SUM(1+1)"][2].data_type == "s"
    safer = titles["Safer walks home"]
    assert safer[7].value == 1500 and safer[7].data_type == "n"
    assert safer[8].value.date() == datetime.date(2024, 7, 15)
    assert sheet.cell(row=2, column=2).value == "Recipient organisation"


@pytest.mark.parametrize("size", [3, 60])
@pytest.mark.parametrize("path", ["/grants/download.csv", "/grants/download.xlsx"])
def test_downloads_run_a_fixed_number_of_queries(client, django_assert_max_num_queries, size, path):
    many_grants(size)
    # The publication version, the rows, and the office for the workbook title.
    with django_assert_max_num_queries(3):
        response = client.get(path, {"year": "2024-25"})
    assert response.status_code == 200


def test_a_download_with_a_bad_filter_goes_back_to_the_page_showing_the_error(client, two_years):
    response = client.get("/grants/download.csv", {"year": "nonsense"}, follow=True)

    assert response.redirect_chain[0][0] == "/grants/?year=nonsense"
    assert "is not a financial year" in response.content.decode()


def test_the_grants_page_is_read_only(client):
    assert client.post("/grants/").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_award_is_no_longer_published(client):
    from applications import services
    from tests.applications.factories import approved_award, finance_approver, finance_officer

    award = approved_award(amount=Decimal("2000"))
    services.approve_award(award_id=award.pk, by=finance_officer())
    reference, title = award.application.reference, award.application.project_title
    assert title in client.get("/grants/").content.decode()
    assert reference in client.get("/grants/download.csv").content.decode()
    assert reference in client.get("/api/v1/grants/").content.decode()

    services.cancel_award(award_id=award.pk, by=finance_approver(), reason="The group has folded")

    assert title not in client.get("/grants/").content.decode()
    assert reference not in client.get("/grants/download.csv").content.decode()
    assert reference not in client.get("/api/v1/grants/").content.decode()
