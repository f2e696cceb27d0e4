"""The public pages, downloads and API are built once per publication version, kept, and sent with headers that let
browsers and shared caches keep them too; anything published changing moves the version on (issue 14)."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from applications.models import Award, Status
from applications.services import approve_award
from funds.models import FinancialYear
from tests.applications.factories import RoundFactory
from tests.factories import BudgetFactory, FundingStreamFactory, UserFactory
from transparency import grant_files, publication, selectors, tasks
from transparency.models import GrantsDownload

from .public_data import decision, published_grant

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [
    "/grants/",
    "/grants/?year=2024-25&page=1",
    "/grants/download.csv?year=2024-25",
    "/grants/download.xlsx?year=2024-25",
    "/grants/download.csv?stream=hcf",
    "/decisions/",
    "/decisions/001-2024/",
    "/api/",
    "/api/v1/openapi.json",
    "/api/v1/grants/?page_size=200",
    "/api/v1/decisions/?page_size=200",
    "/api/v1/rounds/?page_size=200",
]


@pytest.fixture
def published(django_capture_on_commit_callbacks):
    """Two grants and an award awaiting finance, committed as far as the cache can tell: the version moved on after
    them, as it does when their transaction commits. Returns the award awaiting finance."""
    with django_capture_on_commit_callbacks(execute=True):
        round_ = RoundFactory(
            name="Helping Communities Fund 2024/25",
            budget=BudgetFactory(
                stream=FundingStreamFactory(name="Helping Communities Fund", slug="hcf"),
                pot=Decimal("400000"),
            ),
        )
        published_grant(round_, amount="1500.00", title="Safer walks home")
        published_grant(round_, amount="2250.50", title="Street Watch kit")
        waiting = _awaiting_finance(round_, title="Youth boxing club")
        decision("001-2024", description="a matter")
    return waiting


def _awaiting_finance(round_, *, title: str, amount: str = "700.00") -> Award:
    """An award the panel approved and finance has not yet signed: not a grant yet."""
    award = published_grant(round_, amount=amount, title=title, status=Award.Status.AWAITING_FINANCE)
    award.application.status = Status.APPROVED
    award.application.save(update_fields=["status"])
    return award


def _approve(award, django_capture_on_commit_callbacks):
    # As the finance page does; the version moves on when the approval's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        approve_award(award_id=award.pk, by=UserFactory(is_staff=True, is_superuser=True))


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_pages_downloads_and_api_may_be_kept_by_shared_caches_for_a_short_while(
    client, published, url
):
    response = client.get(url)

    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert "public" in cache_control
    if url.startswith("/api/v1/rounds/"):
        assert any(part.startswith("max-age=") for part in cache_control)  # no longer than the next opening
    else:
        assert "max-age=300" in cache_control
    assert response["ETag"].startswith('"')


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_asking_again_with_the_etag_gets_304_not_modified_and_no_body(client, published, url):
    first = client.get(url)
    again = client.get(url, headers={"if-none-match": first["ETag"]})

    assert again.status_code == 304
    assert again.content == b""
    assert client.get(url, headers={"if-none-match": '"something-else"'}).status_code == 200


def test_asking_with_if_modified_since_the_last_publication_gets_304(client, published):
    first = client.get("/grants/")

    assert client.get("/grants/", headers={"if-modified-since": first["Last-Modified"]}).status_code == 304
    assert (
        client.get("/grants/", headers={"if-modified-since": "Mon, 01 Jan 2018 00:00:00 GMT"}).status_code
        == 200
    )


def test_html_pages_vary_on_cookie_and_a_signed_in_persons_page_is_never_shared(client, published):
    anonymous = client.get("/grants/")
    client.force_login(UserFactory())
    signed_in = client.get("/grants/")
    client.logout()
    anonymous_again = client.get("/grants/")

    assert "Cookie" in anonymous["Vary"] and "Cookie" in signed_in["Vary"]
    assert "private" in signed_in["Cache-Control"] and "public" not in signed_in["Cache-Control"]
    assert not signed_in.has_header("ETag")
    assert "Sign out" in signed_in.content.decode()
    assert "Sign out" not in anonymous_again.content.decode()
    assert anonymous_again["ETag"] == anonymous["ETag"]


def test_the_grants_page_costs_seven_queries_once_per_version_and_then_one(
    client, published, django_assert_num_queries
):
    # The first after a publication: the version, the grants grouped by round and area, the rounds' and areas' names,
    # the page's ids, their rows, the office for the footer.
    with django_assert_num_queries(7):
        first = client.get("/grants/", {"year": "2024-25"})
    # Every one after it, until the next publication: the version, and the page from the cache.
    with django_assert_num_queries(1):
        again = client.get("/grants/", {"year": "2024-25"})
    # Another page of the same version reuses the grouped counts: only its own rows are read.
    with django_assert_num_queries(4):  # the version, the page's ids, their rows, the office
        client.get("/grants/", {"year": "2024-25", "page": "1"})

    assert "2 grants totalling £3,750.50" in again.content.decode()
    assert again.content == first.content


def test_a_grant_approved_through_approve_award_is_on_the_grants_page_at_the_next_request(
    client, published, django_capture_on_commit_callbacks
):
    before = client.get("/grants/")
    assert "2 grants totalling £3,750.50" in before.content.decode()

    _approve(published, django_capture_on_commit_callbacks)
    after = client.get("/grants/", headers={"if-none-match": before["ETag"]})

    assert after.status_code == 200  # the old ETag is stale: never a 304 for it
    page = after.content.decode()
    assert "3 grants totalling £4,450.50" in page and "Youth boxing club" in page
    assert after["ETag"] != before["ETag"]
    api = client.get("/api/v1/grants/").json()
    assert api["count"] == 3


@pytest.mark.django_db(transaction=True)
def test_an_approval_that_commits_moves_the_version_on_after_its_commit(client):
    # Real commits here, no test transaction around them: the version moves when approve_award's own one commits.
    round_ = RoundFactory(budget=BudgetFactory(pot=Decimal("400000")))
    published_grant(round_, title="Safer walks home")
    waiting = _awaiting_finance(round_, title="Youth boxing club")
    before = client.get("/grants/")
    assert "Youth boxing club" not in before.content.decode()
    version = publication.current()

    approve_award(award_id=waiting.pk, by=UserFactory(is_staff=True, is_superuser=True))

    assert publication.current() != version
    after = client.get("/grants/", headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200 and "Youth boxing club" in after.content.decode()


def test_renaming_an_organisation_with_a_grant_changes_the_page(
    client, published, django_capture_on_commit_callbacks
):
    client.get("/grants/")
    organisation = (
        Award.objects.filter(application__project_title="Safer walks home").get().application.organisation
    )

    with django_capture_on_commit_callbacks(execute=True):
        organisation.name = "Stoney Stanton Friends"
        organisation.save()

    assert "Stoney Stanton Friends" in client.get("/grants/").content.decode()


def test_a_change_not_yet_committed_is_shown_to_its_own_connection_and_never_cached(client, published):
    client.get("/grants/")
    round_ = Award.objects.filter(application__project_title="Safer walks home").get().application.round

    published_grant(round_, title="Uncommitted project")  # no commit yet: the version has not moved

    assert "Uncommitted project" in client.get("/grants/").content.decode()
    # What everyone else reads at this version still holds the two committed grants only.
    kept = publication.cache.get(publication.cache_key(publication.current(), "grant-facets"))
    assert sum(count for _, _, count, _ in kept.groups) == 2


def test_while_redis_is_down_pages_are_built_from_the_database(client, published, monkeypatch):
    def down(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(publication.cache, "get", down)
    monkeypatch.setattr(publication.cache, "set", down)
    try:
        for url in PUBLIC_URLS:
            assert client.get(url).status_code == 200, url
        assert "2 grants totalling £3,750.50" in client.get("/grants/").content.decode()
    finally:
        publication.reset_cache_breaker()


def _xlsx_rows(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Grants awarded"]
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_year_download_is_built_once_kept_in_storage_and_served_from_there(client, published):
    first = client.get("/grants/download.csv", {"year": "2024-25"})
    kept = GrantsDownload.objects.get(name="grants-awarded-2024-25.csv")
    second = client.get("/grants/download.csv", {"year": "2024-25"})

    assert kept.version == publication.current().number
    assert not first.streaming and second.streaming  # the second comes from the stored file
    assert _body(second) == first.content == grant_files.build("csv", year=2024)
    assert second["Content-Disposition"] == 'attachment; filename="grants-awarded-2024-25.csv"'
    assert second["ETag"] == first["ETag"]


def test_the_task_builds_every_years_downloads_and_they_hold_what_an_in_request_build_holds(
    client, published
):
    built = tasks.build_grants_downloads()

    assert built == 4  # every year together and 2024/25, as CSV and XLSX
    for params, name in (({}, "grants-awarded"), ({"year": "2024-25"}, "grants-awarded-2024-25")):
        csv = client.get("/grants/download.csv", params)
        xlsx = client.get("/grants/download.xlsx", params)
        assert csv.streaming and xlsx.streaming
        filters = {"year": 2024} if params else {}
        assert _body(csv) == grant_files.build("csv", **filters)
        assert _xlsx_rows(_body(xlsx)) == _xlsx_rows(grant_files.build("xlsx", **filters))
        assert GrantsDownload.objects.filter(name__startswith=name).count() >= 2
    assert tasks.build_grants_downloads() == 0  # run again (a message sent twice): nothing to do


def test_a_download_kept_for_an_older_version_is_never_served(
    client, published, django_capture_on_commit_callbacks
):
    tasks.build_grants_downloads()
    old = client.get("/grants/download.csv", {"year": "2024-25"})
    assert "Youth boxing club" not in _body(old).decode()

    _approve(published, django_capture_on_commit_callbacks)
    new = client.get("/grants/download.csv", {"year": "2024-25"})

    assert "Youth boxing club" in _body(new).decode()
    assert new["ETag"] != old["ETag"]
    # The new file is kept, and the old version's is let go of.
    assert list(
        GrantsDownload.objects.filter(name="grants-awarded-2024-25.csv").values_list("version", flat=True)
    ) == [publication.current().number]


def test_the_open_rounds_are_kept_no_longer_than_until_a_round_opens_or_closes(client, db):
    now = timezone.now()
    RoundFactory(opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(seconds=90))

    response = client.get("/api/v1/rounds/")

    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert 0 <= max_age <= 90
    assert not response.has_header("Last-Modified")  # it changes with the clock, not only with publications


def test_pages_read_by_year_list_every_grant_once_in_year_then_reference_order(client, db):
    older = RoundFactory(
        budget=BudgetFactory(
            year=FinancialYear.objects.get_or_create(start_year=2023)[0], pot=Decimal("400000")
        )
    )
    newer = RoundFactory(budget=BudgetFactory(pot=Decimal("400000")))
    for round_ in (newer, older, newer, older, older, newer, older, newer):
        published_grant(round_)
    expected = [
        row["reference"] for row in selectors.public_grant_rows(selectors.published_grants())
    ]  # the one ordered query the pages used to run

    listed = []
    for page in (1, 2, 3):
        listed += [
            g["reference"]
            for g in client.get("/api/v1/grants/", {"page_size": 3, "page": page}).json()["results"]
        ]

    assert listed == expected and len(set(listed)) == 8
    assert [r["year_start"] for r in selectors.public_grant_rows(selectors.published_grants())][3:5] == [
        2023,
        2024,
    ]


def test_after_a_publication_one_request_builds_the_facets_and_the_crowd_waits_for_it(db, monkeypatch):
    version = publication.current()
    key = publication.cache_key(version, "grant-facets")
    builds = []

    def build():
        builds.append(1)
        return "built"

    publication.cache.add(f"{key}:building", 1)  # another request is building it
    monkeypatch.setattr(publication, "WAIT_FOR_BUILDER", 0.2)
    monkeypatch.setattr(publication.time, "sleep", lambda s: publication.cache.set(key, "theirs"))

    assert publication.remember(version, "grant-facets", (), build) == "theirs" and builds == []

    publication.cache.delete(key)
    monkeypatch.setattr(publication.time, "sleep", lambda s: None)
    # The builder never delivers: after the wait this request builds its own rather than fail.
    assert publication.remember(version, "grant-facets", (), build) == "built" and builds == [1]


def test_a_stored_download_as_old_as_a_cached_page_may_be_is_built_again(client, published):
    tasks.build_grants_downloads()
    hours_ago = timezone.now() - datetime.timedelta(seconds=publication.CACHE_SECONDS + 60)
    GrantsDownload.objects.update(built_at=hours_ago)

    response = client.get("/grants/download.csv", {"year": "2024-25"})

    assert not response.streaming  # built in the request, not served from the old file
    kept = GrantsDownload.objects.get(name="grants-awarded-2024-25.csv")
    assert kept.built_at > hours_ago and _body(
        client.get("/grants/download.csv", {"year": "2024-25"})
    ) == _body(response)
