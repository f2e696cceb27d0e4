"""Redis stopped while people submit, screen, approve, invite and ask for an export, then started again.

What the people saw: their change committed and the page answered as usual (no 500). After Redis is back and the
outbox sweep has run (twice, as a beat may), every email is sent exactly once, every export is ready, and no outbox
message is left unfinished, even when each message is delivered a second time.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from applications import services
from applications.models import Award, Invitation, Status
from core import ratelimit
from exports.models import ExportJob
from outbox import services as outbox
from outbox.models import Message
from tests.applications.factories import (
    OrganisationFactory,
    approved_award,
    complete_application,
    finance_officer,
    grants_officer,
    member_of,
    submitted_application,
)

from .harness import (
    expected_emails,
    lost_and_duplicated,
    open_messages,
    redeliver_every_message,
    report,
    time_passes,
    unsent_marks,
    wait_for,
)

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def signed_in(user) -> Client:
    # raise_request_exception=False: a view that fails answers 500, as a person would see it, instead of raising here.
    # force_login passes the second factor too in tests (tests/conftest.py).
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_redis_down_during_submit_screen_approve_invite_and_export(faults):
    faults.worker.start()
    ratelimit.reset_redis_breaker()
    # Before the outage, with Redis up: the world the people act on. Its own emails go out first.
    draft = complete_application()
    to_screen = submitted_application()
    award = approved_award()
    organisation = OrganisationFactory()
    owner = member_of(organisation)
    officer = grants_officer()
    wait_for(lambda: open_messages() == 0, 60, "the setup's emails were not sent before the outage")
    messages_before = Message.objects.count()

    faults.redis.stop()
    assert faults.redis.is_down()
    seen = {}
    response = signed_in(draft.created_by).post(f"/applications/{draft.pk}/check/")
    seen["submit"] = response.status_code
    assert response.status_code == 302 and response.url == f"/applications/{draft.pk}/submitted/"
    response = signed_in(officer).post(
        f"/staff/applications/{to_screen.pk}/screen/",
        {"screen-eligible": "yes", "screen-reason": "Meets the criteria"},
    )
    seen["screen"] = response.status_code
    assert response.status_code == 302
    services.approve_award(award_id=award.pk, by=finance_officer())  # no exception: the commit stands
    seen["approve"] = "no exception"
    services.invite_member(organisation=organisation, email="colleague@example.org", by=owner)
    seen["invite"] = "no exception"
    exporter = signed_in(officer)
    response = exporter.post("/staff/applications/export/")
    seen["export"] = response.status_code
    assert response.status_code == 302
    job = ExportJob.objects.get()
    response = exporter.get(response.url)
    seen["export page"] = response.status_code
    assert response.status_code == 200 and "We are preparing your file" in response.content.decode()

    # Every change committed; every message about it is written, and none reached the broker.
    draft.refresh_from_db(), to_screen.refresh_from_db()
    assert draft.status == Status.SUBMITTED and to_screen.status == Status.IN_ASSESSMENT
    assert Award.objects.get(pk=award.pk).status == Award.Status.COMMITTED
    assert Invitation.objects.filter(email="colleague@example.org").exists()
    outage = Message.objects.order_by("pk")[messages_before:]
    # submit, screen, approve (status email + letter), invite, export
    assert len(outage) == 6
    assert all(m.dispatched_at is None and m.last_error for m in outage), [(m, m.last_error) for m in outage]

    faults.redis.start()  # empty: anything it held before it stopped is gone too
    time_passes(outbox.GRACE + datetime.timedelta(seconds=1))
    handed_over = outbox.dispatch_pending()
    assert handed_over == 6
    assert outbox.dispatch_pending() == 0  # beat firing twice: the second sweep finds nothing due
    wait_for(
        lambda: open_messages() == 0, 45, "the worker did not finish the outbox's messages after the outage"
    )
    faults.wait_until_idle("the worker did not go idle after the sweep")

    # Everything delivered a second time (a broker redelivery, a sweep that raced): nothing more may happen.
    redelivered = redeliver_every_message(faults.sender)
    faults.wait_until_idle("the worker did not go idle after the redeliveries")
    time_passes(datetime.timedelta(days=1))
    assert outbox.dispatch_pending() == 0  # a day of sweeps later, nothing is owed

    owed, sent = expected_emails(), faults.mailbox.sent()
    lost, duplicated = lost_and_duplicated(owed, sent)
    job.refresh_from_db()
    started, finished = job.started_at is not None, job.status == ExportJob.Status.READY
    errors = sum(1 for v in seen.values() if isinstance(v, int) and v >= 500)
    report(
        "redis down during submit, screen, approve, invite and export",
        lost=lost + unsent_marks(),
        duplicated=duplicated,
        errors=errors,
        extra=f"{sum(owed.values())} emails owed, {sum(sent.values())} sent; export ready: {finished}; "
        f"{open_messages()} outbox messages unfinished; {redelivered} messages delivered twice; pages {seen}",
    )
    assert (lost, duplicated, unsent_marks(), errors) == (0, 0, 0, 0), (owed, sent)
    assert started and finished and job.file
    assert open_messages() == 0
    response = exporter.get(reverse("exports:job", args=[job.pk]))
    assert response.status_code == 200 and "Your file is ready" in response.content.decode()
