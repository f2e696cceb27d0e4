"""The audit trail staff read at /staff/audit/: names and amounts in words, filters that never break the page, one
page's queries pinned, the filtered trail downloaded as CSV through an export job, and only for those who may read it.
"""

import csv
import datetime
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from audit.models import AuditEvent
from audit.services import record_event, record_status_change
from exports.models import ExportJob
from funds.models import Budget
from tests.factories import BudgetFactory, BudgetLineFactory, FundingStreamFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/staff/audit/"


def person(role_name: str, **kwargs):
    roles.sync_roles()  # the groups exist after migrate; a transactional test's flush may have emptied them
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=role_name))
    return user


@pytest.fixture
def auditor(client):
    user = person(roles.READ_ONLY, full_name="Ada Auditor", email="auditor@opcc.example")
    client.force_login(user)
    return client


def rows(page: str) -> list[str]:
    """Each row of the trail's table as the text a person reads."""
    body = page.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("</tr>")[:-1]]


@pytest.fixture
def transfer():
    finance = UserFactory(full_name="Fiona Finance", email="fiona@opcc.example")
    source = BudgetFactory(stream=FundingStreamFactory(name="Prevention and Intervention"))
    target = BudgetFactory(stream=FundingStreamFactory(name="Helping Communities Fund"))
    line = BudgetLineFactory(budget=target, name="Walsall Community Grants")
    # What funds.services writes: ids for the rows, amounts as strings.
    record_event(
        "budget.transfer",
        obj=source,
        by=finance,
        after={"to": target.pk, "amount": "15418.00", "reference": "ab12"},
        note="Top up the community fund",
    )
    record_event(
        "commitment.created",
        obj=line,
        by=finance,
        before={"line_committed": "0.00"},
        after={"line": line.pk, "amount": "2250", "line_committed": "2250.00"},
    )
    return {"finance": finance, "source": source, "target": target, "line": line}


def test_events_read_in_names_and_amounts_not_ids(auditor, transfer):
    page = auditor.get(URL).content.decode()
    shown = rows(page)
    assert len(shown) == 2
    committed, moved = shown
    assert "Fiona Finance" in moved
    assert "Money transferred between budgets" in moved
    assert "To: Helping Communities Fund 2024/25" in moved
    assert "Amount: £15,418" in moved
    assert "Top up the community fund" in moved
    assert "Budget line: Walsall Community Grants" in committed
    assert "Committed on the line: £0 → £2,250" in committed
    assert f'href="{reverse("funds:budget", args=[transfer["source"].pk])}"' in page
    assert f"To: {transfer['target'].pk}" not in moved and "{" not in moved


def test_a_missing_reason_reads_no_reason_given_and_nothing_reads_none(auditor, transfer):
    record_event("line.saved", obj=transfer["line"], before=None, after={"amount": "10.00", "name": "X"})
    shown = rows(auditor.get(URL).content.decode())
    newest = shown[0]
    assert "No reason given" in newest
    assert "The system" in newest  # no person: the system did it
    assert not any("None" in row for row in shown)


def test_older_events_holding_ids_are_resolved_and_a_deleted_row_says_so(auditor, transfer):
    line = transfer["line"]
    record_event(
        "history.budgetline.changed",
        obj=line,
        before={"budget": transfer["source"].pk, "amount": "100.00", "name": line.name},
        after={"budget": transfer["target"].pk, "amount": "250.00", "name": line.name},
        note="",
    )
    record_event("budget.transfer", obj=transfer["source"], after={"to": 999999, "amount": "5"})
    deleted, history, *_ = rows(auditor.get(URL).content.decode())
    assert "Budget line changed (earlier history)" in history
    assert "Budget: Prevention and Intervention 2024/25 → Helping Communities Fund 2024/25" in history
    assert "Amount: £100 → £250" in history
    assert "Name" not in history  # unchanged fields are left out
    assert "To: budget 999999 (since deleted)" in deleted


def test_status_changes_read_as_the_subjects_own_labels(auditor):
    from tests.applications.factories import submitted_application

    application = submitted_application()
    AuditEvent.objects.all().delete()  # only the move below
    record_status_change(
        "application.status", obj=application, from_status="submitted", to_status="in_assessment", reason=""
    )
    (row,) = rows(auditor.get(URL).content.decode())
    assert "Status: Checking eligibility → Being assessed" in row
    assert f"{application.reference} ({application.organisation.name})" in row
    assert "Application moved on" in row


def test_filters_narrow_by_person_kind_record_action_and_dates(auditor, transfer):
    finance = transfer["finance"]
    other = UserFactory(full_name="Oscar Other")
    old = record_event("line.saved", obj=transfer["line"], by=other, after={"amount": "1.00"})
    AuditEvent.objects.filter(pk=old.pk).update(at=timezone.make_aware(datetime.datetime(2023, 5, 1, 9, 0)))
    budget_type = AuditEvent.objects.get(action="budget.transfer").content_type_id

    def shown(**params):
        return rows(auditor.get(URL, params).content.decode())

    assert len(shown()) == 3
    assert len(shown(person=finance.pk)) == 2
    assert len(shown(person=other.pk)) == 1
    assert [r for r in shown(kind=budget_type) if "Money transferred" in r] and len(
        shown(kind=budget_type)
    ) == 1
    assert len(shown(action="commitment.created")) == 1
    assert len(shown(subject="walsall community")) == 2  # the line, found by its name, in any case
    assert len(shown(subject="prevention")) == 1  # the budget, found by its stream
    assert len(shown(subject="no such thing")) == 1  # the empty message's row
    assert "No events match these filters" in shown(subject="no such thing")[0]
    assert len(shown(date_from="1/5/2023", date_to="1/5/2023")) == 1
    assert len(shown(date_to="30/4/2023")) == 1  # the empty row
    assert len(shown(date_from=f"{timezone.localdate():%d/%m/%Y}")) == 2


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "31/2/2024"}, "Enter the ‘from’ date as a real date, like 31/3/2025"),
        ({"date_to": "yesterday"}, "Enter the ‘to’ date as a real date, like 31/3/2025"),
        ({"date_from": "2/4/2024", "date_to": "1/4/2024"}, "The ‘to’ date must be the same as or after"),
        ({"date_to": "31/12/9999"}, "Enter a ‘to’ date between 1900 and 2999"),
        ({"person": "abc"}, "Choose a person from the list"),
        ({"person": "99999999999999999999999"}, "Choose a person from the list"),
        ({"kind": "-1"}, "Choose a kind of record from the list"),
        ({"action": "<script>"}, "Choose what happened from the list"),
        ({"subject": "x" * 101}, "Enter a reference or name of 100 characters or fewer"),
    ],
)
def test_bad_filters_get_a_message_and_the_page_still_answers(auditor, transfer, params, message):
    response = auditor.get(URL, {**params, "page": "zzz"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert "govuk-error-message" in page
    assert len(rows(page)) == 2  # the bad filter is left out; the trail is still there


def test_every_page_of_the_demo_trail_costs_the_same_few_queries_whatever_it_names(
    auditor, full_demo, django_assert_max_num_queries
):
    budgets = list(Budget.objects.all()[:5])
    for n, budget in enumerate(budgets * 10):
        record_event(
            "budget.transfer", obj=budget, after={"to": budgets[n % len(budgets)].pk, "amount": f"{n}.00"}
        )
    auditor.get(URL)  # warm the content types cache, as any running server has
    pages = -(-AuditEvent.objects.count() // 50)
    assert pages > 5
    # The demo's pages name applications, returns, commitments, lines, assessments, budgets, services and a year. Each
    # costs the same few queries: the session, the person and their permissions, the filter's choices, the count,
    # the page, the office, and one per kind of row the page names (never one per row). The most on one page is five
    # kinds: where the providers demo rolls 2024/25 forward (a year, a budget, a line) and funds a contract over two
    # years (its commitments and the service).
    for page in range(1, pages + 1):
        with django_assert_max_num_queries(15):
            response = auditor.get(URL, {"page": page})
        assert response.status_code == 200
        assert len(rows(response.content.decode())) == 50 or page == pages


def test_the_filtered_trail_downloads_as_csv_through_an_export_job(
    auditor, transfer, django_capture_on_commit_callbacks
):
    record_event("line.saved", obj=transfer["line"], after={"name": "=HYPERLINK(1)"}, note="=cmd")
    with django_capture_on_commit_callbacks(execute=True):
        response = auditor.post(reverse("reports:audit_trail_export"), {"subject": "walsall"})
    job = ExportJob.objects.get()
    assert response.url == reverse("exports:job", args=[job.pk])
    assert job.kind == "reports.audit_trail" and job.status == ExportJob.Status.READY
    table = list(csv.reader(io.StringIO(job.file.read().decode("utf-8-sig"))))
    assert table[0] == [
        "When",
        "Who",
        "What happened",
        "Kind of record",
        "Record",
        "Before and after",
        "Reason",
    ]
    assert len(table) == 3  # only the line's two events: the filter went with the job
    saved, committed = table[1:]
    # A cell that would start a formula is kept as text.
    assert saved[5] == "Name: =HYPERLINK(1)" and saved[6] == "'=cmd"
    assert committed[1] == "Fiona Finance" and "Amount: £2,250" in committed[5]
    assert committed[6] == "No reason given"


def test_only_people_who_may_read_the_trail_open_it_and_see_its_links(client, transfer):
    grants = person(roles.GRANTS_OFFICER)
    client.force_login(grants)
    assert client.get(URL).status_code == 403
    assert client.post(reverse("reports:audit_trail_export")).status_code == 403
    assert URL not in client.get(reverse("reports:dashboard")).content.decode()
    client.force_login(person(roles.FINANCE_OFFICER))
    assert client.get(URL).status_code == 200
    dashboard = client.get(reverse("reports:dashboard")).content.decode()
    assert dashboard.count(f'href="{URL}"') == 2  # the staff navigation and the dashboard's list
    client.logout()
    assert client.get(URL).status_code == 302
