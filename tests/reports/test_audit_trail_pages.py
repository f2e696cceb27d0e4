"""The audit trail's pages at scale: newest first with the id breaking ties between events of the same moment, so the
last page holds the oldest events and no page boundary skips or repeats one; every page reads only its own events
(found on their ids) in the same queries; and the person filter offers the office's staff, not everyone who ever
acted, while a link to anyone's events still works."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import roles
from audit.models import AuditEvent
from audit.services import record_event
from tests.factories import BudgetFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/staff/audit/"
PER_PAGE = 50
# The session, the person, their two kinds of permissions, the filter's three lists of choices (actions, kinds,
# staff), the count, the page's events, the budgets they name, and the office named in the header.
TRAIL_QUERIES = 11


@pytest.fixture
def auditor(client):
    roles.sync_roles()
    user = UserFactory(is_staff=True, full_name="Ada Auditor")
    user.groups.add(Group.objects.get(name=roles.READ_ONLY))
    client.force_login(user)
    return client


@pytest.fixture
def events():
    """130 events about budgets, in three moments only (many at exactly the same time), by staff and an applicant."""
    budget = BudgetFactory()
    staff = UserFactory(is_staff=True, full_name="Sam Staff")
    applicant = UserFactory(full_name="Alex Applicant")
    for n in range(130):
        record_event("line.saved", obj=budget, by=applicant if n % 10 == 0 else staff, after={"n": n})
    moments = [timezone.now() - timezone.timedelta(days=d) for d in (3, 2, 1)]
    for n, event in enumerate(AuditEvent.objects.order_by("pk")):
        AuditEvent.objects.filter(pk=event.pk).update(at=moments[n % 3])
    return {"staff": staff, "applicant": applicant}


def _page(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    table = response.context["table"]
    return [row.record.pk for row in table.paginated_rows], table.paginator.num_pages


def test_the_trail_pages_newest_first_with_every_event_once_and_the_oldest_last(auditor, events):
    first, pages = _page(auditor)
    assert pages == 3
    seen = first + [pk for number in range(2, pages + 1) for pk in _page(auditor, page=number)[0]]
    expected = list(AuditEvent.objects.order_by("-at", "-pk").values_list("pk", flat=True))
    assert seen == expected


@pytest.mark.parametrize("page", [1, 2, 3])
def test_every_page_reads_only_its_own_events_in_the_same_queries(
    auditor, events, page, django_assert_num_queries
):
    auditor.get(URL)  # warm the content types cache, as any running server has
    with django_assert_num_queries(TRAIL_QUERIES), CaptureQueriesContext(connection) as queries:
        response = auditor.get(URL, {"page": page})
    assert response.status_code == 200
    reads = [
        q["sql"] for q in queries.captured_queries if 'FROM "audit_auditevent" LEFT OUTER JOIN' in q["sql"]
    ]
    assert len(reads) == 1 and 'IN (SELECT U0."id"' in reads[0].replace('"U0"', "U0")
    assert "OFFSET 100" not in reads[0]  # the last page is found from the end, never by skipping the rest


def test_the_person_filter_offers_staff_and_still_takes_anyone_who_acted(auditor, events):
    applicant, staff = events["applicant"], events["staff"]
    page = auditor.get(URL).content.decode()
    assert f'<option value="{staff.pk}">Sam Staff</option>' in page
    assert f'<option value="{applicant.pk}"' not in page
    response = auditor.get(URL, {"person": applicant.pk})
    shown, _ = _page(auditor, person=applicant.pk)
    assert len(shown) == 13
    assert f'<option value="{applicant.pk}" selected>Alex Applicant</option>' in response.content.decode()
