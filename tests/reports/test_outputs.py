"""What grants delivered: accepted grant reports' outputs in the year's figures, by round and by area."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from applications import tasks
from applications.models import Application, GrantReport, ReportReminder
from applications.report_outputs import delivered_in_year
from applications.services import grant_reports as services
from tests.applications.factories import RoundFactory, grants_officer
from tests.applications.grant_report_helpers import committed_award, report_form
from tests.factories import AreaFactory, BudgetFactory, FinancialYearFactory

pytestmark = pytest.mark.django_db


def accepted(award, form, **answers):
    report = award.reports.get()
    grantee = award.application.created_by
    services.save_report(report_id=report.pk, answers=form.answers(**answers), by=grantee)
    services.submit_report(report_id=report.pk, by=grantee)
    return services.accept_report(report_id=report.pk, by=grants_officer())


def award_in(round_, area):
    award = committed_award(round_=round_)
    Application.objects.filter(pk=award.application_id).update(area=area)
    return award


def test_an_end_of_grant_report_is_due_reminded_once_submitted_accepted_and_counted_in_the_years_figures(
    client,
):
    today = timezone.localdate()
    # The project ends today and its report is due in 14 days: the first reminder's day.
    round_ = RoundFactory(projects_end_on=today, report_due_days=14)
    form = report_form(round_)
    award = committed_award(round_=round_)
    application, grantee = award.application, award.application.created_by
    report = award.reports.get()
    assert report.due_on == today + datetime.timedelta(days=14) and report.status == GrantReport.Status.DUE

    # Reminded once, however often the beat runs.
    tasks.send_report_reminders()
    tasks.send_report_reminders()
    assert [m.to for m in mail.outbox] == [[grantee.email.lower()]]
    assert ReportReminder.objects.get(report=report).status == ReportReminder.Status.SENT

    # The grantee finds it on their application, saves part of it, then submits it.
    client.force_login(grantee)
    url = reverse("applications:grant_report", args=[application.pk, report.pk])
    assert url in client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    response = client.post(url, {**form.posted(young="80", difference="", share=""), "action": "save"})
    assert response.status_code == 302
    response = client.post(
        url,
        {
            **form.posted(
                young="80",
                difference="The boxing club met three evenings a week.",
                share="Yes",
                story="Jay came to every session for a year.",
            ),
            "action": "submit",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == GrantReport.Status.SUBMITTED

    # Staff see it, accept it and choose it as a case study.
    client.force_login(grants_officer())
    assert application.reference in client.get(reverse("applications:staff_grant_reports")).content.decode()
    page = client.get(reverse("applications:staff_grant_report", args=[report.pk])).content.decode()
    assert "The boxing club met three evenings a week." in page and "Accept report" in page
    review = reverse("applications:staff_grant_report_review", args=[report.pk])
    assert client.post(review, {"action": "accept"}).status_code == 302
    assert client.post(review, {"action": "case_study"}).status_code == 302
    report.refresh_from_db()
    assert report.status == GrantReport.Status.ACCEPTED and report.case_study

    # Its outputs are in the year's figures, on the annual report pack's page.
    page = client.get(reverse("reports:annual_report_pack"), {"year": round_.budget.year_id}).content.decode()
    section = page[page.index("What grants delivered") :]
    assert "Young people reached" in section and ">80<" in section
    assert round_.name in section and application.area.name in section
    assert application.project_title in section and "The boxing club met three evenings a week." in section


def test_outputs_add_up_by_name_round_and_area_counting_only_accepted_reports_of_the_year():
    north, south = AreaFactory(name="North"), AreaFactory(name="South")
    first = RoundFactory(name="First round", areas=[north, south])
    second = RoundFactory(name="Second round", budget=first.budget, areas=[north])
    form1, form2 = report_form(first), report_form(second)
    accepted(award_in(first, north), form1, young="80")
    accepted(award_in(first, south), form1, young="20")
    accepted(award_in(second, north), form2, young="5")
    # Submitted but not accepted: not counted.
    waiting = award_in(first, north)
    services.save_report(
        report_id=waiting.reports.get().pk,
        answers=form1.answers(young="1000"),
        by=waiting.application.created_by,
    )
    # Another year's round: not counted in this one.
    later = RoundFactory(
        budget=BudgetFactory(year=FinancialYearFactory(start_year=2025), pot=Decimal("1000"))
    )
    accepted(committed_award(round_=later), report_form(later), young="7")

    delivered = delivered_in_year(first.budget.year)
    assert delivered.output_totals == [("Young people reached", 105)]
    assert [(r.name, r.values) for r in delivered.by_round] == [("First round", [100]), ("Second round", [5])]
    assert [(r.name, r.values) for r in delivered.by_area] == [("North", [85]), ("South", [20])]
    assert delivered.reports == 3 and delivered.case_studies == []


def test_questions_with_the_same_output_name_on_different_rounds_add_up_together_and_others_apart():
    first = RoundFactory()
    second = RoundFactory(budget=first.budget)
    form1 = report_form(first)
    form2 = report_form(second, output="Sessions run")
    accepted(committed_award(round_=first), form1, young="12")
    accepted(committed_award(round_=second), form2, young="30")
    delivered = delivered_in_year(first.budget.year)
    assert delivered.output_totals == [("Sessions run", 30), ("Young people reached", 12)]


def test_the_years_outputs_are_read_in_two_queries_however_many_reports(django_assert_max_num_queries):
    round_ = RoundFactory()
    form = report_form(round_)
    reports = [accepted(committed_award(round_=round_), form, young=str(n)) for n in range(1, 7)]
    services.mark_case_study(report_id=reports[0].pk, by=grants_officer())
    with django_assert_max_num_queries(2):
        delivered = delivered_in_year(round_.budget.year)
    assert delivered.output_totals == [("Young people reached", 21)]
    assert [c.report_id for c in delivered.case_studies] == [reports[0].pk]
