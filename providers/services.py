"""Every write with a rule about services and returns. Views, admin, tasks and the demo call these."""

import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from audit.services import record_event, record_status_change
from funds.models import FinancialYear
from funds.services import BudgetRuleError, commit_to_line, release_commitment

from . import validation
from .models import (
    Measure,
    MonitoringReturn,
    MonitoringTemplate,
    ProviderMembership,
    ReportingPeriod,
    ReturnBreakdownValue,
    ReturnValue,
    Service,
    ServiceFunding,
)
from .workflow import EDITABLE, STATUS_CHANGED, Actor, allowed

if TYPE_CHECKING:
    from accounts.models import User

S = MonitoringReturn.Status


class ReturnRuleError(Exception):
    """A move refused because it would break a rule of the return lifecycle. The message is for the person who asked."""


class FundingRuleError(BudgetRuleError):
    """Funding refused for a reason of ours rather than the budget's; shown to staff the same way."""


class IncompleteReturn(ReturnRuleError):
    def __init__(self, problems: list[validation.Problem]):
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


# --- Contracts ---------------------------------------------------------------------------------------------------


@transaction.atomic
def fund_service(
    *, service: Service, line_id: int, amount: Decimal, by: "User | None" = None
) -> ServiceFunding:
    """Fund a service from a budget line for that line's year, committing the money so budget control counts it.

    Refused with funds.services.OverCommitment when the line has too little left.
    """
    _check_may_fund(by)
    commitment = commit_to_line(
        line_id=line_id,
        amount=amount,
        reference=f"Service: {service.name}"[:120],
        committed_for=service,
        by=by,
    )
    # Checked after commit_to_line has locked the line, so two staff funding the same pair at once queue here and
    # the second sees the first's row; raising rolls the second commitment back.
    existing = ServiceFunding.objects.filter(service=service, line_id=line_id).select_related("line").first()
    if existing is not None:
        raise FundingRuleError(
            f"{service.name} is already funded from {existing.line.name}. "
            "Release that funding first if the amount needs to change."
        )
    return ServiceFunding.objects.create(
        service=service, line_id=line_id, amount=amount, commitment=commitment
    )


def _check_may_fund(by: "User | None") -> None:
    """Committing or releasing a service's money is finance's to do (providers.fund_service). `by=None` is the
    system (the demo loader), which acts for nobody."""
    if by is not None and not by.has_perm("providers.fund_service"):
        raise FundingRuleError(
            "You do not have permission to commit or release money for commissioned services."
        )


@transaction.atomic
def release_funding(*, funding_id: int, by: "User | None" = None, reason: str = "") -> None:
    """Give a service's funding back to its budget line (a contract ended early or was funded from the wrong line).

    The commitment is kept, marked released, so the ledger still shows it; the funding row goes, so the line can fund
    the service again. Refused with BudgetRuleError if anything has been paid against it.
    """
    _check_may_fund(by)
    funding = ServiceFunding.objects.select_related("service", "line__budget").filter(pk=funding_id).first()
    if funding is None:
        raise FundingRuleError("This funding has already been released.")
    release_commitment(commitment_id=funding.commitment_id, by=by, reason=reason)
    # After funds has locked the line and commitment (the lock order rule), so a second release waits and finds
    # the row gone.
    if not ServiceFunding.objects.filter(pk=funding_id).delete()[0]:
        raise FundingRuleError("This funding has already been released.")
    record_event(
        "service_funding.released",
        obj=funding.service,
        by=by,
        before={
            "line": f"{funding.line.name} ({funding.line.budget})",
            "amount": str(funding.amount),
            "commitment": funding.commitment.reference,
        },
        after=None,
        note=reason,
    )


@transaction.atomic
def create_periods(*, template: MonitoringTemplate, year: FinancialYear) -> list[ReportingPeriod]:
    """The template's periods for a year, with their windows and due dates. Existing periods are kept as they are."""
    periods = []
    for label, start, end in template.period_bounds(year):
        opens = end + datetime.timedelta(days=1 + template.window_opens_after_days)
        due = max(end + datetime.timedelta(days=template.due_after_days), opens)
        period, _ = ReportingPeriod.objects.get_or_create(
            template=template,
            starts_on=start,
            defaults={"year": year, "label": label, "ends_on": end, "window_opens_on": opens, "due_on": due},
        )
        periods.append(period)
    return periods


@transaction.atomic
def open_year(*, template: MonitoringTemplate, year: FinancialYear) -> tuple[int, int]:
    """A template's periods for a year with every return open: (periods created, returns opened). Safe to repeat."""
    periods = ReportingPeriod.objects.filter(template=template, year=year)
    returns = MonitoringReturn.objects.filter(period__template=template, period__year=year)
    periods_before, returns_before = periods.count(), returns.count()
    for period in create_periods(template=template, year=year):
        open_returns(period=period)
    return periods.count() - periods_before, returns.count() - returns_before


def open_returns(*, period: ReportingPeriod) -> int:
    """Make sure every service reporting on this period's template, in its years, has a return. Safe to repeat."""
    services = Service.objects.filter(
        template_id=period.template_id,
        start_year__start_year__lte=period.year.start_year,
        end_year__start_year__gte=period.year.start_year,
    ).exclude(status=Service.Status.ENDED)
    rows = [MonitoringReturn(service=s, period=period) for s in services]
    return len(MonitoringReturn.objects.bulk_create(rows, ignore_conflicts=True))


# --- Returns ---------------------------------------------------------------------------------------------------------


def _member(user: "User", ret: MonitoringReturn) -> ProviderMembership | None:
    return ProviderMembership.objects.filter(user=user, provider_id=ret.service.provider_id).first()


def _check_actor(actor: Actor, ret: MonitoringReturn, by: "User") -> None:
    if actor == Actor.REVIEWER:
        if not by.has_perm("providers.review_returns"):
            raise ReturnRuleError("Only OPCC staff who review returns can do that.")
        return
    membership = _member(by, ret)
    if membership is None:
        raise ReturnRuleError("Only people at the provider can do that.")
    if actor == Actor.SIGNATORY:
        if membership.role != ProviderMembership.Role.SIGNATORY:
            raise ReturnRuleError("Only a signatory at the provider can sign off a return.")
        if ret.prepared_by_id == by.pk:
            raise ReturnRuleError(
                "You prepared this return, so someone else at your organisation must sign it off."
            )


def _move(
    ret: MonitoringReturn,
    to_status: str,
    *,
    by: "User",
    comment: str = "",
    after: dict[str, object] | None = None,
) -> None:
    rule = allowed(ret.status, to_status)
    if rule is None:
        raise ReturnRuleError(
            f"A return that is {ret.get_status_display().lower()} cannot be {S(to_status).label.lower()}."
        )
    _action, actor = rule
    _check_actor(actor, ret, by)
    record_status_change(
        STATUS_CHANGED,
        obj=ret,
        from_status=ret.status,
        to_status=to_status,
        by=by,
        reason=comment,
        after=after,
    )
    ret.status = to_status


def _lock(return_id: int) -> MonitoringReturn:
    return (
        MonitoringReturn.objects.select_for_update(of=("self",))
        .select_related("service", "period", "period__template")
        .get(pk=return_id)
    )


def template_measures(template_id: int) -> list[Measure]:
    return list(
        Measure.objects.filter(template_id=template_id)
        .select_related("numerator", "denominator", "weighted_by")
        .prefetch_related("breakdowns__options")
    )


@transaction.atomic
def save_figures(
    *,
    return_id: int,
    values: dict[str, validation.Figure],
    option_counts: dict[str, int | None],
    by: "User",
) -> MonitoringReturn:
    """Save what the provider typed (already read by validation.read_*). Blank figures are kept blank: it is a draft."""
    ret = _lock(return_id)
    if ret.status not in EDITABLE:
        raise ReturnRuleError(
            f"This return is {ret.get_status_display().lower()}, so its figures cannot be changed now."
        )
    if _member(by, ret) is None:
        raise ReturnRuleError("Only people at the provider can do that.")
    if ret.status != S.DRAFT:
        _move(ret, S.DRAFT, by=by)
    measures = template_measures(ret.period.template_id)
    for measure in measures:
        name = validation.measure_field(measure)
        if name in values and not measure.is_recomputed:
            value = values[name]
            is_text = measure.kind == Measure.Kind.TEXT
            ReturnValue.objects.update_or_create(
                monitoring_return=ret,
                measure=measure,
                defaults={"text": str(value or "") if is_text else "", "number": None if is_text else value},
            )
        for breakdown in measure.breakdowns.all():
            for option in breakdown.options.all():
                name = validation.option_field(breakdown, option)
                if name not in option_counts:
                    continue
                count = option_counts[name]
                if count is None:
                    ReturnBreakdownValue.objects.filter(monitoring_return=ret, option=option).delete()
                else:
                    ReturnBreakdownValue.objects.update_or_create(
                        monitoring_return=ret, option=option, defaults={"count": count}
                    )
    _work_out_percentages(ret, measures)
    ret.save()
    return ret


def _work_out_percentages(ret: MonitoringReturn, measures: list[Measure]) -> None:
    """Store each percentage recomputed from its parts, from the parts as now saved: the provider is never asked for
    what can be worked out, and exports and reports read the same figure the portal shows."""
    recomputed = [m for m in measures if m.is_recomputed]
    if not recomputed:
        return
    saved, _ = stored_figures(ret)
    for measure in recomputed:
        ReturnValue.objects.update_or_create(
            monitoring_return=ret,
            measure=measure,
            defaults={"text": "", "number": validation.worked_out_percentage(measure, saved)},
        )


def stored_figures(
    ret: MonitoringReturn,
) -> tuple[dict[str, validation.StoredFigure], dict[str, int | validation.NeedsCorrection]]:
    """(values, counts) as saved, keyed by form field name. A figure today's rules refuse (saved before they
    existed) comes back as validation.NeedsCorrection, so pages show it for correction and the return cannot be
    submitted with it; nothing here raises on what the database holds."""
    values: dict[str, validation.StoredFigure] = {}
    counts: dict[str, int | validation.NeedsCorrection] = {}
    # Numbers are read as text: a value the Decimal column cannot give back (SQLite keeps whatever it was given)
    # would otherwise fail the whole query, and with it every page that shows the return.
    rows = (
        ret.values.select_related("measure").defer("number").annotate(number_text=Cast("number", TextField()))
    )
    for value in rows:
        name, measure = validation.measure_field(value.measure), value.measure
        if measure.is_recomputed:
            continue  # worked out from the parts (validation.worked_out_percentage), not the provider's figure
        if measure.kind == Measure.Kind.TEXT:
            values[name] = value.text
        else:
            values[name] = _stored_number(value.number_text, measure)
    for row in ret.breakdown_values.select_related("option__breakdown__measure"):
        name = validation.option_field(row.option.breakdown, row.option)
        label = f"{row.option.breakdown.measure.label} ({row.option.breakdown.label}: {row.option.label})"
        try:
            counts[name] = validation.check_stored_count(row.count, label)
        except validation.FigureError as exc:
            counts[name] = validation.NeedsCorrection(f"{row.count}", str(exc))
    return values, counts


def _stored_number(text: str | None, measure: Measure) -> validation.StoredFigure:
    if text is None:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return validation.NeedsCorrection(
            text, f"Enter a new figure for {measure.label}: the one saved could not be read"
        )
    try:
        return validation.check_stored(number, measure)
    except validation.FigureError as exc:
        shown = f"{number.normalize():f}" if number.is_finite() else text
        return validation.NeedsCorrection(shown, str(exc))


def problems_with(ret: MonitoringReturn) -> list[validation.Problem]:
    values, counts = stored_figures(ret)
    return validation.completeness_problems(template_measures(ret.period.template_id), values, counts)


@transaction.atomic
def send_for_sign_off(*, return_id: int, by: "User") -> MonitoringReturn:
    ret = _lock(return_id)
    problems = problems_with(ret)
    if problems:
        raise IncompleteReturn(problems)
    _move(ret, S.AWAITING_SIGN_OFF, by=by)
    ret.prepared_by = by
    ret.save()
    return ret


@transaction.atomic
def send_back(*, return_id: int, by: "User", comment: str = "") -> MonitoringReturn:
    ret = _lock(return_id)
    _move(ret, S.DRAFT, by=by, comment=comment)
    ret.save()
    return ret


def is_late(period: ReportingPeriod, at: datetime.datetime) -> bool:
    """Late means after the end of the due date, in the office's time zone."""
    return timezone.localtime(at).date() > period.due_on


@transaction.atomic
def sign_off_and_submit(
    *, return_id: int, by: "User", now: datetime.datetime | None = None
) -> MonitoringReturn:
    """A second person signs the return off, which submits it. A late return is marked late, never refused."""
    now = now or timezone.now()
    ret = _lock(return_id)
    if timezone.localtime(now).date() < ret.period.window_opens_on:
        raise ReturnRuleError(
            f"Returns for {ret.period.label} can be submitted from {ret.period.window_opens_on:%-d %B %Y}."
        )
    problems = problems_with(ret)
    if problems:
        raise IncompleteReturn(problems)
    late = is_late(ret.period, now) if ret.first_submitted_at is None else ret.late
    _move(ret, S.SUBMITTED, by=by, after={"late": late, "submitted_at": now.isoformat()})
    ret.signed_off_by = by
    ret.submitted_at = now
    if ret.first_submitted_at is None:
        ret.first_submitted_at = now
        ret.late = late
    ret.save()
    return ret


@transaction.atomic
def accept(*, return_id: int, by: "User") -> MonitoringReturn:
    ret = _lock(return_id)
    values, counts = stored_figures(ret)
    if any(isinstance(v, validation.NeedsCorrection) for v in (*values.values(), *counts.values())):
        # Saved before today's limits: accepting would put a figure nobody can stand behind into the totals.
        raise ReturnRuleError(
            "Some figures in this return need correcting. Request changes so the provider can correct them."
        )
    _move(ret, S.ACCEPTED, by=by)
    ret.save()
    return ret


@transaction.atomic
def request_changes(*, return_id: int, by: "User", comment: str) -> MonitoringReturn:
    if not (comment or "").strip():
        raise ReturnRuleError("Say what the provider needs to change")
    ret = _lock(return_id)
    _move(ret, S.CHANGES_REQUESTED, by=by, comment=comment.strip())
    ret.save()
    return ret


@transaction.atomic
def reopen(*, return_id: int, by: "User", reason: str) -> MonitoringReturn:
    """Send an accepted return back to the provider. The reason is kept with the transition."""
    if not (reason or "").strip():
        raise ReturnRuleError("Say why the return is being reopened")
    ret = _lock(return_id)
    _move(ret, S.CHANGES_REQUESTED, by=by, comment=reason.strip())
    ret.save()
    return ret
