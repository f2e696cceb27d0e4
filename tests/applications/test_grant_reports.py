"""End-of-grant reports: when they fall due, who may move them where, what a submission needs, and who sees them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from applications.grant_reports import TRANSITIONS, Actor, report_periods
from applications.models import Document, FormVersion, GrantReport, Round
from applications.services import grant_reports as services
from audit.models import AuditEvent
from tests.applications.factories import (
    OrganisationFactory,
    RoundFactory,
    grants_officer,
    member_of,
    pdf,
    staff_in,
)
from tests.applications.grant_report_helpers import committed_award, report_form
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

S = GrantReport.Status


def grantee(award):
    return award.application.created_by


# --- When reports fall due -------------------------------------------------------------------------------------------


def test_finance_approval_sets_one_end_of_grant_report_due_after_the_financial_year_ends():
    award = committed_award()
    (report,) = award.reports.all()
    # The round has no project dates of its own: its budget's year, 2024/25; due the round's 30 days after it ends.
    assert (report.period_start, report.period_end) == (datetime.date(2024, 4, 1), datetime.date(2025, 3, 31))
    assert report.due_on == datetime.date(2025, 4, 30)
    assert report.final and report.status == S.DUE
    assert AuditEvent.objects.filter(action="grant_report.scheduled", object_id=award.pk).exists()


def test_a_six_monthly_round_reports_every_six_months_from_the_start_and_at_the_end():
    round_ = RoundFactory(
        report_frequency=Round.ReportFrequency.SIX_MONTHLY,
        projects_start_on=datetime.date(2024, 6, 1),
        projects_end_on=datetime.date(2025, 8, 15),
        report_due_days=14,
    )
    award = committed_award(round_=round_)
    got = [(r.period_start, r.period_end, r.due_on, r.final) for r in award.reports.order_by("period_end")]
    assert got == [
        (datetime.date(2024, 6, 1), datetime.date(2024, 11, 30), datetime.date(2024, 12, 14), False),
        (datetime.date(2024, 12, 1), datetime.date(2025, 5, 31), datetime.date(2025, 6, 14), False),
        (datetime.date(2025, 6, 1), datetime.date(2025, 8, 15), datetime.date(2025, 8, 29), True),
    ]


def test_a_year_long_six_monthly_project_has_one_progress_report_and_the_final_one():
    round_ = RoundFactory(report_frequency=Round.ReportFrequency.SIX_MONTHLY)
    assert [(s, e, final) for s, e, final in report_periods(round_)] == [
        (datetime.date(2024, 4, 1), datetime.date(2024, 9, 30), False),
        (datetime.date(2024, 10, 1), datetime.date(2025, 3, 31), True),
    ]


def test_a_round_that_asks_for_no_reports_schedules_none():
    award = committed_award(round_=RoundFactory(report_frequency=Round.ReportFrequency.NONE))
    assert not award.reports.exists()


def test_setting_due_dates_again_makes_no_second_report_and_keeps_answers():
    round_ = RoundFactory()
    form = report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()
    services.save_report(report_id=report.pk, answers=form.answers(), by=grantee(award))
    assert services.schedule_reports(award) == []
    assert services.schedule_round_reports(round_id=round_.pk, by=grants_officer()) == 0
    report.refresh_from_db()
    assert award.reports.count() == 1 and report.answers == form.answers()


def test_the_staff_button_sets_due_dates_for_awards_approved_before_the_round_asked_for_reports(client):
    round_ = RoundFactory(report_frequency=Round.ReportFrequency.NONE)
    award = committed_award(round_=round_)
    Round.objects.filter(pk=round_.pk).update(report_frequency=Round.ReportFrequency.END_OF_PROJECT)
    client.force_login(grants_officer())
    response = client.post(
        reverse("applications:staff_grant_reports_schedule"), {"round": round_.pk}, follow=True
    )
    assert "1 report set up" in response.content.decode()
    assert award.reports.count() == 1
    response = client.post(
        reverse("applications:staff_grant_reports_schedule"), {"round": round_.pk}, follow=True
    )
    assert "already has its reports" in response.content.decode()
    assert award.reports.count() == 1


# --- Who may move a report where -------------------------------------------------------------------------------------


def test_the_table_gives_the_grantee_the_filling_in_and_staff_the_review():
    assert {to for (frm, to), (_, who) in TRANSITIONS.items() if who == Actor.REVIEWER} == {
        S.ACCEPTED,
        S.CHANGES_REQUESTED,
    }
    assert all(frm == S.SUBMITTED for (frm, _), (_, who) in TRANSITIONS.items() if who == Actor.REVIEWER)


def test_only_people_at_the_organisation_can_save_or_submit_its_report():
    round_ = RoundFactory()
    form = report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()
    outsider = member_of(OrganisationFactory())
    with pytest.raises(services.ReportRuleError, match="Only people at the organisation"):
        services.save_report(report_id=report.pk, answers=form.answers(), by=outsider)
    with pytest.raises(services.ReportRuleError, match="Only people at the organisation"):
        services.save_report(report_id=report.pk, answers=form.answers(), by=grants_officer())
    services.save_report(report_id=report.pk, answers=form.answers(), by=grantee(award))
    with pytest.raises(services.ReportRuleError, match="Only people at the organisation"):
        services.submit_report(report_id=report.pk, by=outsider)
    report.refresh_from_db()
    assert report.status == S.IN_PROGRESS


def test_a_grantee_cannot_accept_their_own_report_and_staff_need_the_review_permission():
    round_ = RoundFactory()
    form = report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()
    services.save_report(report_id=report.pk, answers=form.answers(), by=grantee(award))
    services.submit_report(report_id=report.pk, by=grantee(award))
    with pytest.raises(services.ReportRuleError, match="Only OPCC staff"):
        services.accept_report(report_id=report.pk, by=grantee(award))
    with pytest.raises(services.ReportRuleError, match="Only OPCC staff"):
        services.accept_report(report_id=report.pk, by=staff_in(roles.READ_ONLY))
    with pytest.raises(services.ReportRuleError, match="Only OPCC staff"):
        services.request_changes(report_id=report.pk, by=staff_in(roles.FINANCE_OFFICER), feedback="More")
    services.accept_report(report_id=report.pk, by=grants_officer())
    report.refresh_from_db()
    assert report.status == S.ACCEPTED and report.reviewed_by is not None


def test_a_report_not_yet_submitted_cannot_be_accepted_and_an_accepted_one_cannot_be_changed():
    round_ = RoundFactory()
    form = report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()
    with pytest.raises(services.ReportRuleError, match="not started cannot be accepted"):
        services.accept_report(report_id=report.pk, by=grants_officer())
    services.save_report(report_id=report.pk, answers=form.answers(), by=grantee(award))
    services.submit_report(report_id=report.pk, by=grantee(award))
    with pytest.raises(services.ReportRuleError, match="cannot be changed now"):
        services.save_report(report_id=report.pk, answers=form.answers(young="5"), by=grantee(award))
    services.accept_report(report_id=report.pk, by=grants_officer())
    with pytest.raises(services.ReportRuleError, match="accepted cannot be changes asked for"):
        services.request_changes(report_id=report.pk, by=grants_officer(), feedback="Too late")


def test_asking_for_changes_needs_feedback_and_the_grantee_then_revises_and_resubmits():
    round_ = RoundFactory()
    form = report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()
    services.save_report(report_id=report.pk, answers=form.answers(), by=grantee(award))
    services.submit_report(report_id=report.pk, by=grantee(award))
    with pytest.raises(services.ReportRuleError, match="Say what the organisation needs to change"):
        services.request_changes(report_id=report.pk, by=grants_officer(), feedback="  ")
    services.request_changes(report_id=report.pk, by=grants_officer(), feedback="Say how many sessions ran")
    report.refresh_from_db()
    assert report.status == S.CHANGES_REQUESTED and report.feedback == "Say how many sessions ran"
    services.save_report(report_id=report.pk, answers=form.answers(young="85"), by=grantee(award))
    services.submit_report(report_id=report.pk, by=grantee(award))
    report.refresh_from_db()
    assert report.status == S.SUBMITTED and report.answers[str(form.young.pk)] == "85"
    moves = AuditEvent.objects.filter(action="grant_report.status", object_id=report.pk).order_by("pk")
    assert [e.after["status"] for e in moves] == [
        S.IN_PROGRESS,
        S.SUBMITTED,
        S.CHANGES_REQUESTED,
        S.IN_PROGRESS,
        S.SUBMITTED,
    ]


def test_only_an_accepted_report_can_be_a_case_study():
    round_ = RoundFactory()
    form = report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()
    services.save_report(report_id=report.pk, answers=form.answers(), by=grantee(award))
    services.submit_report(report_id=report.pk, by=grantee(award))
    with pytest.raises(services.ReportRuleError, match="Only an accepted report"):
        services.mark_case_study(report_id=report.pk, by=grants_officer())
    services.accept_report(report_id=report.pk, by=grants_officer())
    with pytest.raises(services.ReportRuleError, match="Only OPCC staff"):
        services.mark_case_study(report_id=report.pk, by=grantee(award))
    services.mark_case_study(report_id=report.pk, by=grants_officer())
    report.refresh_from_db()
    assert report.case_study
    services.mark_case_study(report_id=report.pk, by=grants_officer(), on=False)
    report.refresh_from_db()
    assert not report.case_study


# --- What a submission needs -----------------------------------------------------------------------------------------


def test_submitting_is_refused_with_every_required_question_still_to_answer():
    round_ = RoundFactory()
    form = report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()
    services.save_report(report_id=report.pk, answers={str(form.young.pk): "12"}, by=grantee(award))
    with pytest.raises(services.IncompleteReport) as refused:
        services.submit_report(report_id=report.pk, by=grantee(award))
    assert refused.value.problems == [
        "Answer the question “What difference did it make?”",
        "Answer the question “Would you like us to share your story?”",
    ]
    # Yes to sharing asks for the story, which is then required too.
    services.save_report(report_id=report.pk, answers=form.answers(share="Yes"), by=grantee(award))
    with pytest.raises(services.IncompleteReport) as refused:
        services.submit_report(report_id=report.pk, by=grantee(award))
    assert refused.value.problems == ["Answer the question “Tell us the story you would like us to share”"]
    report.refresh_from_db()
    assert report.status == S.IN_PROGRESS and report.submitted_at is None


def test_the_report_keeps_the_form_version_it_was_started_on():
    round_ = RoundFactory()
    form = report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()
    services.save_report(report_id=report.pk, answers=form.answers(), by=grantee(award))
    form.difference.text = "What changed for the people who took part?"
    form.difference.save()
    services.save_report(report_id=report.pk, answers=form.answers(young="90"), by=grantee(award))
    report.refresh_from_db()
    assert report.form_version.number == 1 and report.form_version.purpose == "report"
    texts = [q["text"] for s in report.form_version.definition["sections"] for q in s["questions"]]
    assert "What difference did it make?" in texts
    assert FormVersion.objects.filter(round=round_, purpose="application").count() <= 1


def test_a_file_answer_is_kept_for_that_report_and_question_and_replaces_only_its_own_earlier_file():
    round_ = RoundFactory()
    form = report_form(round_)
    photos = form.section.questions.create(
        round=round_, order=5, kind="file", text="Photos of the project", required=False
    )
    award = committed_award(round_=round_)
    report = award.reports.get()
    application_files = award.application.documents.count()
    by = grantee(award)
    services.save_report(report_id=report.pk, answers={}, uploads={str(photos.pk): pdf("first.pdf")}, by=by)
    services.save_report(report_id=report.pk, answers={}, uploads={str(photos.pk): pdf("second.pdf")}, by=by)
    report.refresh_from_db()
    (document,) = Document.objects.filter(grant_report=report)
    assert (document.question, document.kind, document.original_name) == (
        str(photos.pk),
        "answer",
        "second.pdf",
    )
    assert report.answers[str(photos.pk)] == {"document": document.pk, "name": "second.pdf"}
    assert award.application.documents.count() == application_files + 1


# --- Pages and who sees them -----------------------------------------------------------------------------------------


def test_the_application_page_lists_the_awards_reports_with_a_link_to_fill_one_in(client):
    round_ = RoundFactory()
    report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()
    client.force_login(grantee(award))
    page = client.get(reverse("applications:detail", args=[award.application_id])).content.decode()
    assert "Reports on your grant" in page
    assert "End-of-grant report, due 30 April 2025" in page and "Overdue" in page
    assert reverse("applications:grant_report", args=[award.application_id, report.pk]) in page


def test_saving_with_a_wrong_answer_shows_it_in_the_error_summary_and_keeps_the_rest(client):
    round_ = RoundFactory()
    form = report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()
    url = reverse("applications:grant_report", args=[award.application_id, report.pk])
    client.force_login(grantee(award))
    page = client.get(url).content.decode()
    assert "What your project delivered" in page and "Save and come back later" in page
    response = client.post(
        url, {**form.posted(young="lots", difference="Good things", share=""), "action": "save"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "Enter a whole number" in page
    # An empty answer is no error until the report is submitted.
    assert "Select yes or no" not in page
    report.refresh_from_db()
    assert report.answers == {str(form.difference.pk): "Good things"}
    assert report.drafts[f"q_{form.young.pk}"] == "lots"


def test_submitting_an_incomplete_report_through_the_page_names_each_question(client):
    round_ = RoundFactory()
    form = report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()
    url = reverse("applications:grant_report", args=[award.application_id, report.pk])
    client.force_login(grantee(award))
    response = client.post(url, {**form.posted(difference="", share="Yes"), "action": "submit"})
    page = response.content.decode()
    assert "Answer the question: What difference did it make?" in page
    assert "Tell us the story you would like us to share" in page
    report.refresh_from_db()
    assert report.status == S.IN_PROGRESS


def test_a_submitted_report_is_shown_read_only_and_changes_asked_for_show_the_feedback(client):
    round_ = RoundFactory()
    form = report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()
    url = reverse("applications:grant_report", args=[award.application_id, report.pk])
    client.force_login(grantee(award))
    response = client.post(url, {**form.posted(), "action": "submit"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Submit report" not in page and "Fewer calls about the shops." in page
    services.request_changes(
        report_id=report.pk, by=grants_officer(), feedback="Tell us about the summer sessions"
    )
    page = client.get(url).content.decode()
    assert (
        "govuk-inset-text" in page and "Tell us about the summer sessions" in page and "Submit report" in page
    )


def test_a_member_of_another_organisation_gets_404_for_the_report(client):
    round_ = RoundFactory()
    form = report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()
    url = reverse("applications:grant_report", args=[award.application_id, report.pk])
    client.force_login(member_of(OrganisationFactory()))
    assert client.get(url).status_code == 404
    assert client.post(url, {**form.posted(), "action": "submit"}).status_code == 404
    # Its own application's id with someone else's report: not found either.
    other = committed_award(round_=round_)
    client.force_login(grantee(other))
    assert (
        client.get(reverse("applications:grant_report", args=[other.application_id, report.pk])).status_code
        == 404
    )
    report.refresh_from_db()
    assert report.status == S.DUE


def test_staff_pages_need_their_permissions_and_read_only_staff_see_but_cannot_act(client):
    round_ = RoundFactory()
    form = report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()
    services.save_report(report_id=report.pk, answers=form.answers(), by=grantee(award))
    services.submit_report(report_id=report.pk, by=grantee(award))
    detail = reverse("applications:staff_grant_report", args=[report.pk])
    review = reverse("applications:staff_grant_report_review", args=[report.pk])
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("applications:staff_grant_reports")).status_code == 403
    assert client.get(detail).status_code == 403
    assert client.post(review, {"action": "accept"}).status_code == 403
    client.force_login(staff_in(roles.READ_ONLY))
    page = client.get(detail).content.decode()
    assert "Fewer calls about the shops." in page and "Accept report" not in page
    assert client.post(review, {"action": "accept"}).status_code == 403
    report.refresh_from_db()
    assert report.status == S.SUBMITTED


def test_asking_for_changes_without_feedback_shows_the_error_and_changes_nothing(client):
    round_ = RoundFactory()
    form = report_form(round_)
    award = committed_award(round_=round_)
    report = award.reports.get()
    services.save_report(report_id=report.pk, answers=form.answers(), by=grantee(award))
    services.submit_report(report_id=report.pk, by=grantee(award))
    client.force_login(grants_officer())
    review = reverse("applications:staff_grant_report_review", args=[report.pk])
    response = client.post(review, {"action": "request_changes", "feedback": ""})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    report.refresh_from_db()
    assert report.status == S.SUBMITTED


def test_the_staff_list_filters_by_round_and_shows_overdue_reports(client):
    round_ = RoundFactory()
    report_form(round_)
    for _ in range(3):
        committed_award(round_=round_)
    other = committed_award()
    client.force_login(grants_officer())
    page = client.get(
        reverse("applications:staff_grant_reports"), {"round": round_.pk, "status": "overdue"}
    ).content.decode()
    assert page.count(">Overdue</strong>") == 3 and "3 reports" in page
    assert other.application.reference not in page


def test_the_staff_list_reads_as_many_queries_for_many_reports_as_for_one(
    client, django_assert_max_num_queries
):
    round_ = RoundFactory()
    committed_award(round_=round_)
    client.force_login(grants_officer())
    url = reverse("applications:staff_grant_reports")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(4):
        committed_award(round_=round_)
    with django_assert_max_num_queries(len(one)):
        page = client.get(url).content.decode()
    assert "5 reports" in page
