"""The lifecycle of an end-of-grant report, as data: the one table of allowed moves and who may make each.

A report is filled in by the grantee (any member of the award's organisation) and reviewed by staff who hold
applications.review_grant_report. The same shape as a monitoring return's lifecycle (providers.workflow), without the
second signature: a grant report is the organisation's account of its project, not a figure the office pays on.
"""

import datetime

from django.db import models

from .models import GrantReport, Round

S = GrantReport.Status

REVIEW = "applications.review_grant_report"
# Staff who may read every report (accounts.roles gives it to every role that reads applications).
VIEW = "applications.view_grantreport"


class Actor(models.TextChoices):
    GRANTEE = "grantee", "Anyone at the organisation the grant was awarded to"
    REVIEWER = "reviewer", "OPCC staff who review grant reports"


# (from, to) -> (what happened, who may make it). The single source of truth for what can happen to a report.
TRANSITIONS: dict[tuple[str, str], tuple[str, Actor]] = {
    (S.DUE, S.IN_PROGRESS): ("started", Actor.GRANTEE),
    (S.CHANGES_REQUESTED, S.IN_PROGRESS): ("revised", Actor.GRANTEE),
    (S.IN_PROGRESS, S.SUBMITTED): ("submitted", Actor.GRANTEE),
    (S.SUBMITTED, S.ACCEPTED): ("accepted", Actor.REVIEWER),
    (S.SUBMITTED, S.CHANGES_REQUESTED): ("changes asked for", Actor.REVIEWER),
}

# The audit action under which each move is recorded, one event per move (audit.services.record_status_change).
STATUS_CHANGED = "grant_report.status"

# The grantee may change answers only while the report is with them.
EDITABLE = frozenset(GrantReport.OPEN)

TAG_CLASSES = {
    S.DUE: "govuk-tag--grey",
    S.IN_PROGRESS: "govuk-tag--light-blue",
    S.SUBMITTED: "govuk-tag--blue",
    S.CHANGES_REQUESTED: "govuk-tag--orange",
    S.ACCEPTED: "govuk-tag--green",
}


def allowed(from_status: str, to_status: str) -> tuple[str, Actor] | None:
    return TRANSITIONS.get((from_status, to_status))


def is_overdue(report: GrantReport, today: datetime.date) -> bool:
    return report.status in EDITABLE and report.due_on < today


# --- When reports fall due -------------------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it has no such day (31 August + 6 = 28 February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


def project_dates(round_: Round) -> tuple[datetime.date, datetime.date]:
    """When the round's projects run: its own dates, else its budget's financial year."""
    year = round_.budget.year
    return round_.projects_start_on or year.starts_on, round_.projects_end_on or year.ends_on


def report_periods(round_: Round) -> list[tuple[datetime.date, datetime.date, bool]]:
    """(start, end, final) of each period an award of the round reports on, in order. Six-monthly reports cover six
    months each from the project's start; the last period, however short, is the final report's."""
    frequency = round_.report_frequency
    if frequency == Round.ReportFrequency.NONE:
        return []
    start, end = project_dates(round_)
    if end < start:
        return []
    periods = []
    if frequency == Round.ReportFrequency.SIX_MONTHLY:
        n = 1
        while (period_end := add_months(start, 6 * n) - datetime.timedelta(days=1)) < end:
            periods.append((add_months(start, 6 * (n - 1)), period_end, False))
            n += 1
        start = add_months(start, 6 * (n - 1))
    periods.append((start, end, True))
    return periods
