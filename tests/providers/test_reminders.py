import datetime

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import override_settings
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
    for chunk in reminders.chunks(reminders.pending_ids()):
        tasks.send_reminders.delay(chunk)


class RefusingBackend(EmailBackend):
    """A mail server that refuses the addresses in `refused` (every address when it holds "*"), and counts the
    connections it was asked to open and the messages it was offered."""

    refused: set[str] = set()
    opened = offered = 0

    def open(self):
        type(self).opened += 1

    def send_messages(self, messages):
        for message in messages:
            type(self).offered += 1
            if "*" in self.refused or set(message.to) & self.refused:
                raise OSError(f"mail server refused {message.to}")
        return super().send_messages(messages)


@pytest.fixture
def mail_server():
    RefusingBackend.refused, RefusingBackend.opened, RefusingBackend.offered = set(), 0, 0
    with override_settings(MAILERS={"default": {"BACKEND": f"{__name__}.RefusingBackend"}}):
        yield RefusingBackend


def test_milestones_default_to_10_and_3_days_before_then_due_then_weekly_overdue(period):
    assert reminders.milestones(period) == [
        ("before_10", datetime.date(2024, 7, 12)),
        ("before_3", datetime.date(2024, 7, 19)),
        ("due", DUE),
        ("overdue_1", datetime.date(2024, 7, 29)),
        ("overdue_2", datetime.date(2024, 8, 5)),
        ("overdue_3", datetime.date(2024, 8, 12)),
        ("overdue_4", datetime.date(2024, 8, 19)),
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
        for email in [side_a.preparer.email, side_a.signatory.email, side_a.provider.contact_email]
    )
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
    tick(
        DUE
    )  # a due-date tick the day after does not resend "due" to the manager: due reminders are the provider's
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


def test_a_reminder_that_failed_to_send_stays_pending_and_goes_on_the_next_tick(side_a, mail_server):
    mail_server.refused = {"*"}
    tick(datetime.date(2024, 7, 13))
    assert mail.outbox == []
    assert Reminder.objects.filter(status="pending").count() == 3
    mail_server.refused = set()
    tick(datetime.date(2024, 7, 13))
    assert len(mail.outbox) == 3
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}


def test_one_refused_address_does_not_hold_up_the_rest_of_the_batch(side_a, side_b, mail_server):
    mail_server.refused = {side_a.signatory.email}
    tick(datetime.date(2024, 7, 13))
    assert len(mail.outbox) == 5 and side_a.signatory.email not in [m.to[0] for m in mail.outbox]
    assert list(Reminder.objects.filter(status="pending").values_list("recipient", flat=True)) == [
        side_a.signatory.email
    ]


def test_when_mail_is_down_a_batch_stops_after_three_failures_and_leaves_the_rest_pending(
    side_a, side_b, mail_server
):
    mail_server.refused = {"*"}
    reminders.claim_due_reminders(datetime.date(2024, 7, 13))
    assert reminders.send_batch(reminders.pending_ids()) == 0
    assert mail_server.offered == reminders.FAILURES_BEFORE_GIVING_UP
    assert Reminder.objects.filter(status="pending").count() == 6


def test_a_batch_sends_over_one_mail_connection(side_a, side_b, mail_server):
    reminders.claim_due_reminders(datetime.date(2024, 7, 13))
    assert reminders.send_batch(reminders.pending_ids()) == 6
    assert len(mail.outbox) == 6 and mail_server.opened == 1


def test_each_reminder_in_a_batch_costs_the_same_few_statements(side_a, side_b, django_assert_num_queries):
    reminders.claim_due_reminders(datetime.date(2024, 7, 13))
    ids = reminders.pending_ids()
    # One read of the batch's returns, then per reminder: its own transaction (a savepoint inside the test's), the
    # locking SELECT and one UPDATE.
    with django_assert_num_queries(1 + len(ids) * 4):
        assert reminders.send_batch(ids) == 6


def test_a_reminder_sent_on_its_own_says_the_same_as_one_sent_in_a_batch(side_a):
    reminders.claim_due_reminders(datetime.date(2024, 7, 13))
    first, *rest = reminders.pending_ids()
    assert reminders.send(first) and reminders.send_batch(rest) == 2
    assert len(mail.outbox) == 3 and len({(m.subject, m.body) for m in mail.outbox}) == 1


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
