"""Real transactions racing on PostgreSQL: each thread has its own connection."""

import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection

from applications import services
from applications.models import Application, Award, Status
from funds.selectors import line_committed
from tests.applications.factories import RoundFactory, approved_award, area_line, complete_application
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _race(targets):
    barrier = threading.Barrier(len(targets))
    results = [None] * len(targets)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = ("ok", fn())
        except Exception as exc:  # noqa: BLE001 - the test counts refusals by type
            results[i] = ("refused", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_racing_approvals_never_over_commit_a_line(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    finance = UserFactory(is_staff=True)
    round_ = RoundFactory()
    line = area_line(round_, amount="5000")  # room for exactly 5 awards of £1,000
    awards = [approved_award(round_=round_, amount=Decimal("1000"), line=line) for _ in range(12)]

    results = _race([lambda a=a: services.approve_award(award_id=a.pk, by=finance) for a in awards])

    succeeded = [r for r in results if r[0] == "ok"]
    refused = [r for r in results if r[0] == "refused"]
    assert len(succeeded) == 5
    assert len(refused) == 7 and all(isinstance(exc, services.AwardError) for _, exc in refused)
    assert line_committed(line.pk) == Decimal("5000") <= line.amount
    assert Award.objects.filter(status=Award.Status.COMMITTED).count() == 5
    assert Application.objects.filter(status=Status.AWARDED).count() == 5


def test_two_concurrent_submits_make_one_submission_and_one_email(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    application = complete_application()
    user = application.created_by
    results = _race([lambda: services.submit_application(application_id=application.pk, by=user)] * 4)

    assert sum(1 for r in results if r[0] == "ok") == 1
    assert all(isinstance(r[1], services.AlreadySubmitted) for r in results if r[0] == "refused")
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and application.events.count() == 1
    assert len(mail.outbox) == 1


def test_concurrent_submissions_to_one_round_get_distinct_references(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    round_ = RoundFactory()
    applications = [complete_application(round_=round_) for _ in range(5)]
    _race([lambda a=a: services.submit_application(application_id=a.pk, by=a.created_by) for a in applications])
    references = set(Application.objects.values_list("reference", flat=True))
    assert len(references) == 5 and None not in references
