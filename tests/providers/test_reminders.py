import datetime
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from providers import reminders, services, tasks
from providers.models import Reminder
from tests.factories import UserFactory
from tests.providers.conftest import fill_and_send

DUE = datetime.date(2024, 7, 22)


def sent_to(outbox) -> list[tuple[str, str]]:
    return sorted((m.to[0], m.subject) for m in outbox)


def tick(today):
    """What one beat tick does, for a given day (the task itself uses today's date)."""
    reminders.claim_due_reminders(today)
    for pk in reminders.pending_ids():
        tasks.send_reminder.delay(pk)


def test_milestones_default_to_10_and_3_days_before_then_due_then_weekly_overdue(period):
    assert reminders.milestones(period) == [
        ("before_10", datetime.date(2024, 7, 12)), ("before_3", datetime.date(2024, 7, 19)), ("due", DUE),
        ("overdue_1", datetime.date(2024, 7, 29)), ("overdue_2", datetime.date(2024, 8, 5)),
        ("overdue_3", datetime.date(2024, 8, 12)), ("overdue_4", datetime.date(2024, 8, 19)),
    ]


def test_offsets_and_intervals_come_from_the_template(period):
    period.template.reminder_days_before, period.template.overdue_interval_days = "14", 3
    period.template.overdue_reminder_limit = 1
    assert [k for k, _ in reminders.milestones(period)] == ["before_14", "due", "overdue_1"]
    assert reminders.current_kind(period, DUE + datetime.timedelta(days=3)) == "overdue_1"


def test_before_the_due_date_the_provider_is_reminded_once_however_often_beat_ticks(side_a):
    for _ in range(3):
        tick(datetime.date(2024, 7, 13))
    assert sent_to(mail.outbox) == sorted(
        (email, f"{side_a.service.name}: Q1 2024/25 monitoring return due on 22 July 2024")
        for email in [side_a.preparer.email, side_a.signatory.email, side_a.provider.contact_email])
    assert set(Reminder.objects.values_list("kind", "status")) == {("before_10", "sent")}


def test_each_milestone_sends_its_own_reminder(side_a):
    for day in [datetime.date(2024, 7, 12), datetime.date(2024, 7, 19), DUE, DUE]:
        tick(day)
    assert sorted(set(Reminder.objects.values_list("kind", flat=True))) == ["before_10", "before_3", "due"]
    assert len(mail.outbox) == 9


def test_overdue_reminders_also_go_to_the_contract_manager(side_a):
    manager = UserFactory(email="contracts@opcc.example")
    side_a.service.contract_manager = manager
    side_a.service.save()
    tick(datetime.date(2024, 7, 30))
    overdue = [m for m in mail.outbox if m.to == [manager.email]]
    assert len(overdue) == 1 and overdue[0].subject.startswith("Overdue:")
    tick(DUE)  # a due-date tick the day after does not resend "due" to the manager: due reminders are the provider's
    assert [m for m in mail.outbox if m.to == [manager.email]] == overdue


def test_a_submitted_return_gets_no_reminders(side_a):
    fill_and_send(side_a)
    services.sign_off_and_submit(return_id=side_a.ret.pk, by=side_a.signatory)
    tick(datetime.date(2024, 7, 30))
    assert mail.outbox == []


def test_a_claim_whose_return_came_in_before_sending_is_skipped(side_a):
    reminders.claim_due_reminders(datetime.date(2024, 7, 30))
    fill_and_send(side_a)
    services.sign_off_and_submit(return_id=side_a.ret.pk, by=side_a.signatory)
    for pk in reminders.pending_ids():
        tasks.send_reminder.delay(pk)
    assert mail.outbox == []
    assert set(Reminder.objects.values_list("status", flat=True)) == {"skipped"}


def test_a_reminder_that_failed_to_send_stays_pending_and_goes_on_the_next_tick(side_a):
    with mock.patch("providers.reminders.send_mail", side_effect=OSError("mail server down")):
        with pytest.raises(OSError):
            tick(datetime.date(2024, 7, 13))
    assert Reminder.objects.filter(status="pending").count() == 3
    tick(datetime.date(2024, 7, 13))
    assert len(mail.outbox) == 3
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}


def test_the_hourly_task_claims_and_sends_for_today(side_a, period):
    import django.utils.timezone as tz

    period.due_on = tz.localdate()
    period.window_opens_on = period.due_on - datetime.timedelta(days=5)
    period.save()
    tasks.send_monitoring_reminders.delay()
    tasks.send_monitoring_reminders.delay()
    assert len(mail.outbox) == 3 and {m.subject.endswith("due today") for m in mail.outbox} == {True}


def test_staff_see_each_returns_reminder_history(client, side_a, reviewer):
    tick(datetime.date(2024, 7, 13))
    client.force_login(reviewer)
    page = client.get(reverse("providers:staff_return", args=[side_a.ret.pk])).content.decode()
    assert page.count("before_10") == 3 and side_a.signatory.email in page
