"""Emails to applicants go through Celery tasks queued on commit, and each is sent once however often its task runs."""

import pytest
from django.core import mail

from applications import notifications, services, tasks
from applications.models import Award, Invitation, Status, StatusEmail
from applications.selectors import status_changes
from tests.applications.factories import (
    OrganisationFactory,
    approved_award,
    complete_application,
    finance_officer,
    grants_officer,
    member_of,
    submitted_application,
)
from tests.concurrency import race
from tests.worker_drain import TaskLedger


@pytest.fixture
def staff(db):
    return grants_officer(full_name="Grace Officer")


@pytest.mark.django_db
def test_a_status_change_queues_its_email_on_commit_and_a_second_run_sends_nothing(
    staff, django_capture_on_commit_callbacks
):
    application = submitted_application()
    with django_capture_on_commit_callbacks() as callbacks:
        services.screen(application_id=application.pk, eligible=False, reason="Outside the area", by=staff)
    assert mail.outbox == []  # nothing is sent before the change commits
    assert len(callbacks) == 1
    [event] = [c for c in status_changes(application) if c.to_status == Status.INELIGIBLE]

    callbacks[0]()  # the queued task, run (eagerly) as the commit would run it
    assert StatusEmail.objects.get(pk=event.pk).sent_at is not None
    assert tasks.notify_status_change.delay(event.pk).get() is False  # a duplicate delivery
    assert tasks.notify_status_change(event.pk) is False  # a retry

    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"{application.reference}: Not eligible"
    assert "Outside the area" in mail.outbox[0].body


@pytest.mark.django_db
def test_the_award_letter_is_sent_once_however_often_its_task_runs(staff, django_capture_on_commit_callbacks):
    award = approved_award()
    with django_capture_on_commit_callbacks() as callbacks:
        services.approve_award(award_id=award.pk, by=finance_officer())
    for callback in callbacks * 2:
        callback()
    tasks.send_award_letter.delay(award.pk)

    subjects = sorted(m.subject for m in mail.outbox)
    reference = award.application.reference
    assert subjects == [f"{reference}: Awarded", f"{reference}: your award letter"]
    assert Award.objects.get(pk=award.pk).letter_sent_at is not None


@pytest.mark.django_db
def test_an_invitation_is_sent_once_however_often_its_task_runs(django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    owner = member_of(organisation)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_member(
            organisation=organisation, email="colleague@example.org", by=owner
        )
    tasks.send_invitation.delay(invitation.pk)
    tasks.send_invitation.delay(invitation.pk)
    assert [m.to for m in mail.outbox] == [["colleague@example.org"]]
    assert Invitation.objects.get(pk=invitation.pk).sent_at is not None


@pytest.mark.django_db
def test_a_send_that_fails_leaves_the_email_unsent_so_the_retry_sends_it(staff, monkeypatch):
    application = submitted_application()
    [event] = status_changes(application)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(notifications, "send_mail", refuse)
    with pytest.raises(ConnectionRefusedError):
        notifications.notify_status_change(event.pk)
    assert StatusEmail.objects.get(pk=event.pk).sent_at is None  # the claim rolled back with the failure
    assert mail.outbox == []

    monkeypatch.undo()
    assert notifications.notify_status_change(event.pk) is True
    assert len(mail.outbox) == 1 and "We have received your application" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_duplicate_tasks_racing_on_real_transactions_send_one_email():
    application = submitted_application()  # commits, and its email goes at once (tasks run eagerly here)
    [event] = status_changes(application)
    assert len(mail.outbox) == 1
    StatusEmail.objects.filter(pk=event.pk).update(sent_at=None)  # as if that send had never happened
    mail.outbox.clear()

    results = race([lambda: notifications.notify_status_change(event.pk)] * 6)

    assert sorted(results) == [False] * 5 + [True]
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_each_status_change_email_exactly_once(celery_worker, staff):
    application = complete_application()

    with TaskLedger() as ledger:
        services.submit_application(application_id=application.pk, by=application.created_by)
        [event] = status_changes(application)
        tasks.notify_status_change.delay(event.pk)  # a duplicate delivery of the submission email's task
        services.screen(application_id=application.pk, eligible=True, reason="Meets the criteria", by=staff)
        # Every task queued above, the duplicate included, has run before the outbox is read.
        ledger.wait_until_drained(timeout=30, message="the worker did not run the status emails' tasks")
    application.refresh_from_db()
    assert [m.subject for m in mail.outbox] == [
        f"{application.reference}: Checking eligibility",
        f"{application.reference}: Being assessed",
    ]
    assert all(m.to == [application.created_by.email] for m in mail.outbox)
    assert all(StatusEmail.objects.get(pk=c.pk).sent_at for c in status_changes(application))
