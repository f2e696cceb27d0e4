"""The staff applications list pages the same way whatever it is sorted by: every column, both directions, any page,
in a fixed number of queries, and in an order that is complete and stable (the last page holds the last rows; a
page boundary between equal values neither skips nor repeats a row)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Application, Status
from applications.tables import StaffApplicationTable
from tests.applications.factories import OrganisationFactory, RoundFactory, grants_officer
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/staff/applications/"
PER_PAGE = 25
# The session, the person, their two kinds of permissions, the count, the office named in the header, the round and
# area filters' choices, and the page: the page's rows are found on their ids and read with their joins in one query.
LIST_QUERIES = 9
SORTS = list(StaffApplicationTable.base_columns)  # every column sorts


@pytest.fixture
def listed():
    """62 applications sent to the office, with many equal values in every column (equal names, amounts, scores and
    statuses; no area, amount or score for some; no reference for withdrawals never submitted), and two drafts that
    the list leaves out."""
    user = UserFactory()
    area_a, area_b = AreaFactory(name="Coventry"), AreaFactory(name="Dudley")
    rounds = [RoundFactory(name=name) for name in ("Safer Streets", "Community Fund", "Community Fund")]
    organisations = [
        OrganisationFactory(name=name, area=area_a)
        for name in ("Friends of Park", "Bridge Trust", "Bridge Trust")
    ]
    statuses = [Status.SUBMITTED, Status.IN_ASSESSMENT, Status.DECLINED, Status.AWARDED]
    now = timezone.now()
    rows = []
    for n in range(64):
        draft = n in (7, 40)
        never_submitted = n % 13 == 5  # withdrawn before it was ever sent: no reference, no date
        status = Status.DRAFT if draft else Status.WITHDRAWN if never_submitted else statuses[n % 4]
        sent = not (draft or never_submitted)
        rows.append(
            Application(
                round=rounds[n % 3],
                organisation=organisations[n % 3],
                created_by=user,
                status=status,
                reference=f"HCF-{n % 50:04d}-{n}" if sent else None,
                area=(area_a, area_b, None)[n % 3 if n % 5 else 2],
                amount_requested=None if n % 11 == 3 else Decimal(1000 * (n % 4)),
                score=None if n % 3 == 0 else Decimal(50 + 10 * (n % 2)),
                submitted_at=now - datetime.timedelta(days=n % 6) if sent else None,
            )
        )
    Application.objects.bulk_create(rows)
    return Application.objects.exclude(status=Status.DRAFT).select_related("organisation", "round", "area")


def _expected(applications, column, descending):
    """The order the list promises, worked out in Python: missing values count as the lowest, the id breaks ties,
    and descending is the exact mirror."""
    value = {
        "reference": lambda a: a.reference,
        "organisation": lambda a: a.organisation.name,
        "round": lambda a: a.round.name,
        "area": lambda a: a.area.name if a.area else None,
        "status": lambda a: a.status,
        "amount_requested": lambda a: a.amount_requested,
        "score": lambda a: a.score,
    }[column]
    keyed = sorted(applications, key=lambda a: (value(a) is not None, value(a) or 0, a.pk))
    return [a.pk for a in (reversed(keyed) if descending else keyed)]


def _page(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    table = response.context["table"]
    return [row.record.pk for row in table.paginated_rows], table.paginator.num_pages


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("column", SORTS)
def test_every_sort_pages_through_every_application_once_in_order(client, listed, column, descending):
    client.force_login(grants_officer())
    sort = f"-{column}" if descending else column
    first, pages = _page(client, sort=sort)
    assert pages == 3
    seen = first + [pk for number in range(2, pages + 1) for pk in _page(client, sort=sort, page=number)[0]]
    assert seen == _expected(listed, column, descending)  # nothing skipped or repeated, the last page last


def test_the_unsorted_list_is_newest_submitted_first_and_pages_through_every_application_once(client, listed):
    client.force_login(grants_officer())
    seen = [pk for number in (1, 2, 3) for pk in _page(client, page=number)[0]]
    never = [a for a in listed if a.submitted_at is None]
    sent = sorted((a for a in listed if a.submitted_at), key=lambda a: (a.submitted_at, a.pk), reverse=True)
    assert seen == [a.pk for a in sent] + sorted((a.pk for a in never), reverse=True)


def test_a_filtered_sort_keeps_its_order_on_its_last_page(client, listed):
    client.force_login(grants_officer())
    dudley = listed.filter(area__name="Dudley")
    first, pages = _page(client, area=dudley.first().area_id, sort="-organisation")
    last, _ = _page(client, area=dudley.first().area_id, sort="-organisation", page=pages)
    expected = _expected(list(dudley), "organisation", descending=True)
    assert first == expected[:PER_PAGE]
    assert last == expected[(pages - 1) * PER_PAGE :]


@pytest.mark.parametrize("page", [1, 2, 3])
@pytest.mark.parametrize("sort", ["", *SORTS, *(f"-{c}" for c in SORTS)])
def test_every_sort_and_page_costs_the_same_queries(client, listed, sort, page, django_assert_num_queries):
    client.force_login(grants_officer())
    client.get(URL)  # warm the per-process caches (content types, the office) as a running server has them
    with django_assert_num_queries(LIST_QUERIES), CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"sort": sort, "page": page})
    assert response.status_code == 200
    (read,) = [q["sql"] for q in queries.captured_queries if 'applications_application"."answers' in q["sql"]]
    assert 'IN (SELECT "U0"."id"' in read  # the page is found on the ids alone, then its rows read
    assert "OFFSET 50" not in read  # and the last page is found from the end, never by skipping the others
    assert len(response.context["table"].paginated_rows) == (PER_PAGE if page < 3 else 62 - 2 * PER_PAGE)
