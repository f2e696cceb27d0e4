"""Grant report reminders go once per report, milestone and person, however often the beat runs."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from applications import report_reminders, tasks
from applications.models import GrantReport, ReportReminder
from applications.services import grant_reports as services
from tests.applications.factories import RoundFactory, grants_officer, member_of
from tests.applications.grant_report_helpers import committed_award, report_form

pytestmark = pytest.mark.django_db


def report_due_in(days: int, round_=None) -> GrantReport:
    award = committed_award(round_=round_)
    report = award.reports.get()
    GrantReport.objects.filter(pk=report.pk).update(
        due_on=timezone.localdate() + datetime.timedelta(days=days)
    )
    report.refresh_from_db()
    return report


def test_two_beat_runs_claim_the_reminder_once_and_send_it_once():
    report = report_due_in(14)
    colleague = member_of(report.award.application.organisation)
    tasks.send_report_reminders()
    tasks.send_report_reminders()
    claims = ReportReminder.objects.filter(report=report)
    assert sorted(c.recipient for c in claims) == sorted(
        [report.award.application.created_by.email.lower(), colleague.email.lower()]
    )
    assert {(c.kind, c.status) for c in claims} == {("before_14", ReportReminder.Status.SENT)}
    assert len(mail.outbox) == 2
    assert {tuple(m.to) for m in mail.outbox} == {(c.recipient,) for c in claims}
    message = mail.outbox[0]
    assert "end-of-grant report is due on" in message.subject
    assert f"/applications/{report.award.application_id}/reports/{report.pk}/" in message.body


def test_only_the_latest_milestone_passed_is_claimed():
    report = report_due_in(-20)
    tasks.send_report_reminders()
    assert list(ReportReminder.objects.filter(report=report).values_list("kind", flat=True)) == ["overdue_14"]
    assert mail.outbox[0].subject.startswith("Overdue:")


def test_nothing_is_sent_before_the_first_milestone_or_long_after_the_last():
    early, late = report_due_in(15), report_due_in(-60)
    assert report_reminders.current_kind(early.due_on, timezone.localdate()) is None
    tasks.send_report_reminders()
    assert not ReportReminder.objects.filter(report__in=[early, late]).exists()
    assert mail.outbox == []


def test_a_report_submitted_after_its_reminder_was_claimed_is_skipped_not_sent():
    round_ = RoundFactory()
    form = report_form(round_)
    report = report_due_in(0, round_=round_)
    report_reminders.claim_due_reminders()
    grantee = report.award.application.created_by
    services.save_report(report_id=report.pk, answers=form.answers(), by=grantee)
    services.submit_report(report_id=report.pk, by=grantee)
    assert report_reminders.send_batch(report_reminders.pending_ids()) == 0
    assert ReportReminder.objects.get(report=report).status == ReportReminder.Status.SKIPPED
    assert mail.outbox == []


def test_submitted_reports_and_people_no_longer_active_get_no_reminder():
    round_ = RoundFactory()
    form = report_form(round_)
    report = report_due_in(0, round_=round_)
    leaver = member_of(report.award.application.organisation)
    leaver.is_active = False
    leaver.save()
    done = report_due_in(0, round_=round_)
    grantee = done.award.application.created_by
    services.save_report(report_id=done.pk, answers=form.answers(), by=grantee)
    services.submit_report(report_id=done.pk, by=grantee)
    tasks.send_report_reminders()
    assert list(ReportReminder.objects.values_list("report_id", "recipient")) == [
        (report.pk, report.award.application.created_by.email.lower())
    ]


def test_a_claim_whose_sending_failed_stays_pending_and_goes_on_the_next_tick(monkeypatch):
    report = report_due_in(0)
    report_reminders.claim_due_reminders()
    original = report_reminders.message

    def broken(*args):
        raise OSError("mail server down")

    monkeypatch.setattr(report_reminders, "message", broken)
    assert report_reminders.send_batch(report_reminders.pending_ids()) == 0
    assert ReportReminder.objects.get(report=report).status == ReportReminder.Status.PENDING
    monkeypatch.setattr(report_reminders, "message", original)
    tasks.send_report_reminders()
    claim = ReportReminder.objects.get(report=report)
    assert claim.status == ReportReminder.Status.SENT and claim.sent_at is not None
    assert len(mail.outbox) == 1


def test_setting_due_dates_for_last_years_awards_emails_nobody():
    round_ = RoundFactory()
    committed_award(round_=round_)  # due 30 April 2025, long past
    services.schedule_round_reports(round_id=round_.pk, by=grants_officer())
    tasks.send_report_reminders()
    assert mail.outbox == [] and not ReportReminder.objects.exists()
