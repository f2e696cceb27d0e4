"""Unsuccessful applications lose their personal data once the retention period (ANONYMISE_UNSUCCESSFUL_AFTER_YEARS,
counted from when they ended) is over; the figures stay and successful applications are never touched."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from applications import services
from applications.models import (
    STATUS_CHANGED,
    Application,
    Assessment,
    Document,
    InformationRequest,
    Score,
    Status,
)
from applications.selectors import status_changes
from applications.services.retention import anonymise_unsuccessful_applications, years_before
from applications.workflow import move
from audit.models import AuditEvent
from audit.selectors import trail_of
from tests.applications.factories import (
    RoundFactory,
    approved_award,
    assessor,
    complete_application,
    grants_officer,
    submitted_application,
)
from tests.concurrency import race, succeeded
from tests.factories import UserFactory
from tests.worker_drain import TaskLedger

PERSONAL = (
    "Sam Jones",
    "07700 900 982",
    "Safer streets",
    "Street patrols.",
    "Young people",
    "Hi-vis jackets",
    "Has the group a bank account?",
    "Yes, with Unity Trust",
    "My cousin runs it",
    "Strong local need",
    "Not enough evidence of need",
)


def _ended(status: str, *, years_ago: float, **kwargs) -> Application:
    """An application that reached `status` the given number of years ago, with a question asked and answered."""
    officer, panel = grants_officer(), grants_officer()
    application = submitted_application(**kwargs)
    info = services.request_information(
        application_id=application.pk, question="Has the group a bank account?", by=officer
    )
    services.respond_to_request(
        request_id=info.pk, response="Yes, with Unity Trust", by=application.created_by
    )
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if status == Status.INELIGIBLE:
            move(application, status, by=officer, reason="Not enough evidence of need")
        elif status == Status.WITHDRAWN:
            move(
                application,
                status,
                by=application.created_by,
                reason="My cousin runs it",
            )
        else:
            move(application, Status.IN_ASSESSMENT, by=officer, reason="Eligible")
            assessment = Assessment.objects.create(
                application=application, assessor=officer, has_conflict=False, completed_at=timezone.now()
            )
            for criterion in application.round.criteria.all():
                Score.objects.create(
                    assessment=assessment, criterion=criterion, score=3, comment="Strong local need"
                )
            Assessment.objects.create(
                application=application,
                assessor=assessor(),
                has_conflict=True,
                conflict_details="My cousin runs it",
            )
            application.recommended_amount = Decimal("4000")
            move(application, Status.RECOMMENDED, by=officer, reason="Scored well")
            move(
                application,
                Status.DECLINED,
                by=panel,
                reason="Not enough evidence of need",
            )
    _backdate(application, status, years_ago)
    return application


def _backdate(application, status, years_ago: float):
    when = timezone.now() - datetime.timedelta(days=365.25 * years_ago)
    trail_of(application).filter(action=STATUS_CHANGED, after__status=status).update(at=when)


def _text_of(application: Application) -> str:
    """Everything the database still holds about the application, as text."""
    application.refresh_from_db()
    parts = [
        application.contact_name,
        application.contact_phone,
        application.project_title,
        application.project_summary,
        application.declared_by_name,
        str(application.answers),
        str(application.drafts),
    ]
    parts += list(application.budget_items.values_list("description", flat=True))
    for info in InformationRequest.objects.filter(application=application):
        parts += [info.question, info.response]
    parts += list(
        Assessment.objects.filter(application=application).values_list("conflict_details", flat=True)
    )
    parts += list(Score.objects.filter(assessment__application=application).values_list("comment", flat=True))
    ct = ContentType.objects.get_for_model(Application)
    for event in AuditEvent.objects.filter(content_type=ct, object_id=application.pk):
        parts += [event.note, str(event.before), str(event.after)]
    return "\n".join(parts)


@pytest.mark.django_db
def test_a_declined_application_loses_its_personal_data_two_years_after_the_decision_and_keeps_its_figures(
    django_capture_on_commit_callbacks,
):
    assert settings.ANONYMISE_UNSUCCESSFUL_AFTER_YEARS == 2
    application = _ended(Status.DECLINED, years_ago=2.01)
    files = list(Document.objects.filter(application=application).values_list("file", flat=True))
    assert len(files) == 3 and all(default_storage.exists(f) for f in files)
    assert any(p in _text_of(application) for p in PERSONAL)
    kept = {
        "reference": application.reference,
        "round_id": application.round_id,
        "area_id": application.area_id,
        "organisation_id": application.organisation_id,
        "status": Status.DECLINED,
        "amount_requested": Decimal("5000.00"),
        "recommended_amount": Decimal("4000.00"),
        "submitted_at": application.submitted_at,
        "created_at": application.created_at,
    }

    with django_capture_on_commit_callbacks(execute=True):  # the files go once the rows' deletion commits
        assert anonymise_unsuccessful_applications() == 1

    application.refresh_from_db()
    assert {k: getattr(application, k) for k in kept} == kept
    assert application.anonymised_at is not None
    leftover = [p for p in PERSONAL if p in _text_of(application)]
    assert leftover == [], f"still held after anonymising: {leftover}"
    assert not Document.objects.filter(application=application).exists()
    assert not any(default_storage.exists(f) for f in files)
    assert list(application.budget_items.values_list("amount", flat=True)) == [Decimal("5000.00")]
    assert list(
        Score.objects.filter(assessment__application=application).values_list("score", flat=True)
    ) == [3, 3]
    assert [
        (e.from_status, e.to_status) for e in sorted(status_changes(application), key=lambda e: e.pk)
    ] == [
        ("draft", "submitted"),
        ("submitted", "more_information"),
        ("more_information", "submitted"),
        ("submitted", "in_assessment"),
        ("in_assessment", "recommended"),
        ("recommended", "declined"),
    ]
    [event] = AuditEvent.objects.filter(action="application.anonymised")
    assert event.subject == application and event.actor is None
    assert event.after == {"status": "declined", "documents_deleted": 3, "after_years": 2}


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.INELIGIBLE, Status.DECLINED, Status.WITHDRAWN])
def test_each_unsuccessful_ending_is_anonymised_only_once_the_period_since_it_ended_is_over(status):
    due = _ended(status, years_ago=2.01)
    # Started long ago, but ended only a year ago: the clock runs from the ending, not the start.
    recent = _ended(status, years_ago=1)
    Application.objects.filter(pk=recent.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=365 * 5)
    )

    assert anonymise_unsuccessful_applications() == 1
    assert set(Application.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True)) == {
        due.pk
    }
    assert "Sam Jones" in _text_of(recent)


@pytest.mark.django_db
def test_a_draft_never_sent_is_anonymised_two_years_after_its_round_closed():
    long_closed = RoundFactory(
        opens_at=timezone.now() - datetime.timedelta(days=900),
        closes_at=timezone.now() - datetime.timedelta(days=800),
    )
    recently_closed = RoundFactory(
        opens_at=timezone.now() - datetime.timedelta(days=400),
        closes_at=timezone.now() - datetime.timedelta(days=300),
    )
    abandoned = complete_application(
        round_=long_closed, drafts={"budget": {"item_1_description": "Sam's van"}}
    )
    kept = complete_application(round_=recently_closed)
    in_progress = complete_application()  # its round is open

    assert anonymise_unsuccessful_applications() == 1
    abandoned.refresh_from_db()
    assert abandoned.status == Status.DRAFT and abandoned.anonymised_at is not None
    assert "Sam" not in _text_of(abandoned) and not abandoned.documents.exists()
    for application in (kept, in_progress):
        application.refresh_from_db()
        assert application.anonymised_at is None and application.contact_name == "Sam Jones"
        assert application.documents.count() == 3


@pytest.mark.django_db
def test_successful_applications_are_never_anonymised_however_old():
    award = approved_award()  # approved, awaiting finance
    application = award.application
    trail_of(application).filter(action=STATUS_CHANGED).update(
        at=timezone.now() - datetime.timedelta(days=365 * 10)
    )
    Application.objects.filter(pk=application.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=365 * 10)
    )

    assert anonymise_unsuccessful_applications(now=timezone.now() + datetime.timedelta(days=365 * 20)) == 0
    application.refresh_from_db()
    assert application.anonymised_at is None and application.contact_name == "Sam Jones"
    assert application.documents.count() == 3


@pytest.mark.django_db
def test_a_second_run_does_nothing():
    _ended(Status.WITHDRAWN, years_ago=3)
    assert anonymise_unsuccessful_applications() == 1
    stamped = Application.objects.get().anonymised_at
    events = AuditEvent.objects.count()

    assert anonymise_unsuccessful_applications() == 0
    assert Application.objects.get().anonymised_at == stamped
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_the_period_comes_from_settings(settings):
    _ended(Status.INELIGIBLE, years_ago=3.1)
    settings.ANONYMISE_UNSUCCESSFUL_AFTER_YEARS = 5
    assert anonymise_unsuccessful_applications() == 0
    settings.ANONYMISE_UNSUCCESSFUL_AFTER_YEARS = 3
    assert anonymise_unsuccessful_applications() == 1


def test_the_period_is_whole_calendar_years_even_from_29_february():
    leap = datetime.datetime(2028, 2, 29, 12, tzinfo=datetime.UTC)
    assert years_before(leap, 2) == datetime.datetime(2026, 2, 28, 12, tzinfo=datetime.UTC)
    assert years_before(datetime.datetime(2026, 11, 5, tzinfo=datetime.UTC), 2).date() == datetime.date(
        2024, 11, 5
    )


@pytest.mark.django_db
def test_an_anonymised_application_still_shows_to_staff_and_to_the_applicant(client):
    application = _ended(Status.DECLINED, years_ago=2.5)
    anonymise_unsuccessful_applications()

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    staff_page = client.get(reverse("applications:staff_detail", args=[application.pk]))
    assert staff_page.status_code == 200
    assert application.reference in staff_page.text and "Sam Jones" not in staff_page.text
    listing = client.get(reverse("applications:staff_list"))
    assert listing.status_code == 200 and application.reference in listing.text

    client.force_login(application.created_by)
    dashboard = client.get(reverse("applications:dashboard"))
    assert dashboard.status_code == 200 and application.reference in dashboard.text
    status_page = client.get(reverse("applications:detail", args=[application.pk]))
    assert status_page.status_code == 200
    assert "Not funded" in status_page.text and "Safer streets" not in status_page.text
    assert "Details removed on" in status_page.text and "Details removed on" in staff_page.text


@pytest.mark.django_db
def test_an_anonymised_draft_still_shows_to_the_applicant_with_nothing_marked_complete(client):
    closed = RoundFactory(
        opens_at=timezone.now() - datetime.timedelta(days=900),
        closes_at=timezone.now() - datetime.timedelta(days=800),
    )
    draft = complete_application(round_=closed)
    anonymise_unsuccessful_applications()

    client.force_login(draft.created_by)
    assert client.get(reverse("applications:dashboard")).status_code == 200
    task_list = client.get(reverse("applications:detail", args=[draft.pk]))
    assert task_list.status_code == 200
    assert "Sam Jones" not in task_list.text and task_list.context["completed_count"] == 0
    check = client.get(reverse("applications:check", args=[draft.pk]))
    assert check.status_code == 200 and "Hi-vis jackets" not in check.text


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_at_once_anonymise_each_application_exactly_once():
    round_ = RoundFactory()
    applications = [_ended(Status.WITHDRAWN, years_ago=3, round_=round_) for _ in range(12)]
    files = list(Document.objects.values_list("file", flat=True))

    outcomes = race([lambda: anonymise_unsuccessful_applications(batch_size=2)] * 2)

    assert len(succeeded(outcomes)) == 2, outcomes
    assert sum(outcomes) == 12
    assert Application.objects.filter(anonymised_at__isnull=False).count() == 12
    anonymised = list(
        AuditEvent.objects.filter(action="application.anonymised").values_list("object_id", flat=True)
    )
    assert sorted(anonymised) == sorted(a.pk for a in applications)
    assert not Document.objects.exists() and not any(default_storage.exists(f) for f in files)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_daily_beat_entry_names_a_task_a_real_worker_runs(celery_app, celery_worker):
    entry = settings.CELERY_BEAT_SCHEDULE["anonymise-unsuccessful-applications"]
    assert entry["schedule"].hour == {3}  # once a day
    application = _ended(Status.INELIGIBLE, years_ago=2.5)

    with TaskLedger() as ledger:
        celery_app.send_task(entry["task"])  # by name, as beat sends it
        ledger.wait_until_drained(timeout=30, message="the worker did not run the beat entry's task")
    assert Application.objects.filter(pk=application.pk, anonymised_at__isnull=False).exists()
    assert AuditEvent.objects.filter(action="application.anonymised", object_id=application.pk).count() == 1
