"""Beat ticks racing each other on real PostgreSQL transactions, one thread and one connection each."""

import datetime

import pytest
from django.core import mail

from providers import reminders
from providers.models import Reminder
from tests.concurrency import race, refused
from tests.providers.conftest import make_side

pytestmark = pytest.mark.django_db(transaction=True)


def test_racing_ticks_claim_and_send_each_reminder_once(period):
    sides = [make_side(f"Racer {n}", period) for n in range(3)]

    def tick():
        reminders.claim_due_reminders(datetime.date(2024, 7, 13))
        for pk in reminders.pending_ids():
            reminders.send(pk)

    assert refused(race([tick] * 4)) == []
    recipients = sorted(m.to[0] for m in mail.outbox)
    expected = sorted(
        e for s in sides for e in (s.preparer.email, s.signatory.email, s.provider.contact_email)
    )
    assert recipients == expected
    assert Reminder.objects.filter(status="sent").count() == 9
