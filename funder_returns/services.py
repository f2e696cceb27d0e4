"""Preparing a return to a funder and moving it to sign-off: the only writers of funder_returns' rows.

TRANSITIONS is the one table of allowed moves and the permissions that may make each. Whoever built a return's
figures never signs it off (separation of duties, also a constraint on the table). A return is built, and rebuilt,
only while it is a draft: once signed off, its figures, their trace and its gaps are what the Chief Finance Officer
signed, whatever happens to the provider returns behind them afterwards.
"""

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record_event, record_status_change
from funds.models import FinancialYear

from . import build, periods, selectors
from .models import FigureSource, FunderReturn, FunderReturnFigure, ReturnGap, ReturnTemplate

if TYPE_CHECKING:
    from accounts.models import User

S = FunderReturn.Status

PREPARE = "funder_returns.prepare_funderreturn"  # commissioning and finance officers
SIGN_OFF = "funder_returns.sign_off_funderreturn"  # the Chief Finance Officer

# (from, to) -> (what the move is called, the permissions any one of which lets a person make it).
# The single source of truth for what can happen to a funder return.
TRANSITIONS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    (S.DRAFT, S.READY): ("sent for sign-off", (PREPARE,)),
    (S.READY, S.DRAFT): ("sent back to draft", (PREPARE, SIGN_OFF)),
    (S.READY, S.SIGNED_OFF): ("signed off", (SIGN_OFF,)),
}

PREPARED = selectors.PREPARED
STATUS_CHANGED = selectors.STATUS_CHANGED


class FunderReturnError(Exception):
    """A return refused or a move not allowed. The message is for the person who tried; `field` names the form field
    it is about, where there is one."""

    def __init__(self, message: str, *, field: str | None = None):
        self.field = field
        super().__init__(message)


def refusal(funder_return: FunderReturn, to_status: str, by: "User | None") -> str | None:
    """Why `by` may not move the return to `to_status`, or None if they may. Pages ask it which buttons to show."""
    rule = TRANSITIONS.get((funder_return.status, to_status))
    if rule is None:
        return f"A return that is “{S(funder_return.status).label.lower()}” cannot be {_moved(to_status)}."
    _action, permissions = rule
    if by is None or not by.is_authenticated or not any(by.has_perm(p) for p in permissions):
        return "You do not have permission to do that."
    if to_status == S.SIGNED_OFF and funder_return.prepared_by_id == by.pk:
        return "You prepared this return, so someone else must sign it off."
    return None


def may(funder_return: FunderReturn, to_status: str, by: "User | None") -> bool:
    return refusal(funder_return, to_status, by) is None


def _moved(to_status: str) -> str:
    return {S.DRAFT: "sent back to draft", S.READY: "sent for sign-off", S.SIGNED_OFF: "signed off"}[
        S(to_status)
    ]


@transaction.atomic
def move(*, return_id: int, to_status: str, by: "User", reason: str = "") -> FunderReturn:
    funder_return = FunderReturn.objects.select_for_update().get(pk=return_id)
    if problem := refusal(funder_return, to_status, by):
        raise FunderReturnError(problem)
    from_status = funder_return.status
    funder_return.status = to_status
    fields = ["status"]
    after: dict = {}
    if to_status == S.SIGNED_OFF:
        funder_return.signed_off_by, funder_return.signed_off_at = by, timezone.now()
        fields += ["signed_off_by", "signed_off_at"]
        after = {"signed_off_by": by.pk}
    funder_return.save(update_fields=fields)
    record_status_change(
        STATUS_CHANGED,
        obj=funder_return,
        from_status=from_status,
        to_status=to_status,
        by=by,
        reason=reason,
        after=after,
    )
    return funder_return


def may_prepare(by: "User | None") -> bool:
    return by is not None and by.is_authenticated and by.has_perm(PREPARE)


@transaction.atomic
def prepare_return(*, template_id: int, year_id: int, period_code: str, by: "User") -> FunderReturn:
    """Build a period's return as a draft, or build its draft again from today's returns and payments.

    Refused for a return sent for sign-off or signed off, a period the template does not have, and a year with no
    provider return periods inside the funder's period (there would be nothing to build it from)."""
    if not may_prepare(by):
        raise FunderReturnError("You do not have permission to prepare returns to funders.")
    template = ReturnTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise FunderReturnError("Choose the return to prepare.", field="template")
    year = FinancialYear.objects.filter(pk=year_id).first()
    if year is None:
        raise FunderReturnError("Choose the financial year of the return.", field="year")
    try:
        period = periods.find_period(template.frequency, year, period_code)
    except periods.UnknownPeriod as exc:
        raise FunderReturnError(str(exc), field="period") from None
    if not build.reporting_periods(template, period):
        raise FunderReturnError(
            f"There are no {template.monitoring_template} return periods inside {period.label}, so there is "
            "nothing to build the return from. Set up the providers' return periods for the year first.",
            field="year",
        )
    funder_return = _locked(template, year, period, by)
    if funder_return.status != S.DRAFT:
        raise FunderReturnError(
            f"The {period.label} return is “{S(funder_return.status).label.lower()}”, so its figures cannot be "
            "built again." + (" Send it back to draft first." if funder_return.status == S.READY else ""),
            field="period",
        )
    built = build.build(template, year, period)
    _replace_figures(funder_return, built)
    funder_return.prepared_by, funder_return.prepared_at = by, timezone.now()
    funder_return.save(update_fields=["prepared_by", "prepared_at"])
    record_event(
        PREPARED,
        obj=funder_return,
        by=by,
        after={
            "figures": len(built.figures),
            "gaps": len(built.gaps),
            "returns": sorted(
                {r.monitoring_return_id for f in built.figures for r in f.rows if r.monitoring_return_id}
            ),
        },
    )
    return funder_return


def _locked(
    template: ReturnTemplate, year: FinancialYear, period: periods.Period, by: "User"
) -> FunderReturn:
    """The period's return, locked, made first if there is none. Two people preparing the same period at once queue
    on the row; the one who made it second finds the first's."""
    lookup = {"template": template, "starts_on": period.starts_on, "ends_on": period.ends_on}
    funder_return = FunderReturn.objects.select_for_update().filter(**lookup).first()
    if funder_return is not None:
        return funder_return
    try:
        with transaction.atomic():
            FunderReturn.objects.create(**lookup, year=year, period_label=period.label, prepared_by=by)
    except IntegrityError:
        pass  # made by someone else a moment ago
    return FunderReturn.objects.select_for_update().get(**lookup)


def _replace_figures(funder_return: FunderReturn, built: build.Built) -> None:
    funder_return.figures.all().delete()
    funder_return.gaps.all().delete()
    figures = FunderReturnFigure.objects.bulk_create(
        FunderReturnFigure(
            funder_return=funder_return,
            question=f.question,
            section_heading=f.section_heading,
            label=f.label,
            order=order,
            kind=f.kind,
            value=f.value,
            how=f.how,
        )
        for order, f in enumerate(built.figures, start=1)
    )
    FigureSource.objects.bulk_create(
        FigureSource(
            figure=figure,
            kind=row.kind,
            monitoring_return_id=row.monitoring_return_id,
            payment_id=row.payment_id,
            service_id=row.service_id,
            description=row.description[:400],
            amount=row.amount,
        )
        for figure, f in zip(figures, built.figures, strict=True)
        for row in f.rows
    )
    ReturnGap.objects.bulk_create(
        ReturnGap(
            funder_return=funder_return,
            service=gap.service,
            provider_name=gap.service.provider.name,
            service_name=gap.service.name,
            period_label=gap.period_label,
            state=gap.state,
        )
        for gap in built.gaps
    )
