"""The audit trail as staff read it: each event in words, with names instead of the ids the trail stores.

audit sits below every app, so its events hold plain values: ids for the rows they point at ({"to": 4} for a
transfer, {"line": 12} for a commitment, the history snapshots' {"budget": 3, "area": 7}), amounts as strings and
statuses as stored values. This module, in reports (which may read every app), turns them back into what a person
recognises: "To: Victims Fund 2024/25", "Amount: £2,250", "Status: Submitted → Approved".

`describe(events)` does it for a page (or a chunk of an export) at a time: one query per kind of row named anywhere
in those events, never one per event, so the page's query count does not grow with its length.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.urls import reverse

from audit.models import AuditEvent
from audit.selectors import trail
from core.money import format_pounds

NO_REASON = "No reason given"
SYSTEM = "The system"
NOTHING = "nothing"

# What each action means, in words. An action not listed (a new one, or an old one) is still shown readably, from
# its name: "award.countersigned" becomes "Award: countersigned".
ACTIONS = {
    "application.status": "Application moved on",
    "application.anonymised": "Application anonymised",
    "award.accepted": "Award accepted by the applicant",
    "budget.pot_changed": "Pot changed",
    "budget.transfer": "Money transferred between budgets",
    "commitment.created": "Money committed",
    "commitment.released": "Commitment released",
    "document.downloaded": "Document downloaded",
    "export.downloaded": "Export downloaded",
    "funder_return.prepared": "Return to a funder built from provider returns and payments",
    "funder_return.status": "Return to a funder moved on",
    "grant_report.case_study": "Grant report chosen as a case study (or taken off)",
    "grant_report.scheduled": "Grant report due dates set",
    "grant_report.status": "Grant report moved on",
    "line.deleted": "Budget line deleted",
    "line.saved": "Budget line saved",
    "needs.adopted": "Needs assessment adopted",
    "needs.created": "Needs assessment started",
    "needs.filled_from_returns": "Needs figures filled from monitoring returns",
    "needs.inputs_saved": "Needs assessment figures saved",
    "payment.made": "Payment recorded",
    "return.status": "Monitoring return moved on",
    "service_funding.released": "Service funding released",
    "two_factor.recovery_codes_replaced": "Two-factor recovery codes replaced",
    "two_factor.reset": "Two-factor authentication reset",
    "two_factor.set_up": "Two-factor authentication set up",
}
HISTORY_KINDS = {"created": "created", "changed": "changed", "deleted": "deleted"}


def action_label(action: str) -> str:
    if action in ACTIONS:
        return ACTIONS[action]
    parts = action.split(".")
    if len(parts) == 3 and parts[0] == "history":
        # Snapshots brought in from the old simple-history trail (audit migration 0002).
        name = _model_name(f"funds.{parts[1]}") or parts[1]
        return f"{name[:1].upper()}{name[1:]} {HISTORY_KINDS.get(parts[2], parts[2])} (earlier history)"
    subject, _, verb = action.partition(".")
    words = subject.replace("_", " ")
    return f"{words[:1].upper()}{words[1:]}: {verb.replace('_', ' ')}" if verb else words.capitalize()


def _model_name(label: str) -> str | None:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return None


# --- the rows an event can be about --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectKind:
    """How the trail shows one model: the rows its name needs, its page (if staff have one) and what the object
    filter searches. `name` defaults to the model's str."""

    label: str  # "app_label.model"
    related: tuple[str, ...] = ()
    url: Callable[[Model], str | None] | None = None
    search: tuple[str, ...] = ()
    name: Callable[[Model], str] = str


def _budget_page(budget_id: int | None) -> str | None:
    return reverse("funds:budget", args=[budget_id]) if budget_id else None


SUBJECTS = {
    kind.label: kind
    for kind in (
        SubjectKind(
            "applications.application",
            related=("organisation",),
            url=lambda a: reverse("applications:staff_detail", args=[a.pk]),
            search=("reference", "organisation__name"),
            name=lambda a: f"{a} ({a.organisation.name})" if a.organisation_id else str(a),
        ),
        SubjectKind(
            "applications.award",
            related=("application",),
            url=lambda a: reverse("applications:staff_detail", args=[a.application_id]),
            search=("application__reference",),
        ),
        SubjectKind(
            "applications.grantreport",
            related=("award__application",),
            url=lambda r: reverse("applications:staff_grant_report", args=[r.pk]),
            search=("award__application__reference",),
            name=lambda r: f"{r.award.application.reference}: {r}",
        ),
        SubjectKind("applications.organisation", search=("name",)),
        SubjectKind(
            "funds.budget",
            related=("stream", "year"),
            url=lambda b: _budget_page(b.pk),
            search=("stream__name",),
        ),
        SubjectKind(
            "funds.budgetline",
            related=("budget__stream", "budget__year"),
            url=lambda line: _budget_page(line.budget_id),
            search=("name",),
        ),
        SubjectKind(
            "funds.budgetentry",
            related=("budget__stream", "budget__year"),
            url=lambda e: _budget_page(e.budget_id),
            name=lambda e: f"{e.get_kind_display()} of {format_pounds(e.amount)} in {e.budget}",
        ),
        SubjectKind(
            "funds.commitment",
            related=("line",),
            url=lambda c: _budget_page(c.line.budget_id),
            search=("reference",),
            name=lambda c: f"{c.reference}: {format_pounds(c.amount)} from {c.line.name}",
        ),
        SubjectKind(
            "funds.payment",
            related=("commitment", "line"),
            url=lambda p: _budget_page(p.line.budget_id),
            search=("commitment__reference",),
            name=lambda p: (
                f"Payment of {format_pounds(p.amount)} on {p.paid_on.day} {p.paid_on:%B %Y} "
                f"for {p.commitment.reference}"
            ),
        ),
        # A transfer request is named by its two budgets ("Transfer of £… from … to …"): each its stream and year.
        SubjectKind(
            "funds.transferrequest",
            related=("from_budget__stream", "from_budget__year", "to_budget__stream", "to_budget__year"),
        ),
        SubjectKind("funds.decision", search=("number", "title")),
        SubjectKind("funds.area", search=("name",)),
        SubjectKind("funds.financialyear"),
        SubjectKind(
            "needs.needsassessment",
            url=lambda n: reverse("needs:assessment", args=[n.pk]),
            search=("name",),
        ),
        SubjectKind(
            "providers.monitoringreturn",
            related=("service", "period"),
            url=lambda r: reverse("providers:staff_return", args=[r.pk]),
            search=("service__name", "service__provider__name"),
        ),
        SubjectKind("providers.service", related=("provider",), search=("name", "provider__name")),
        SubjectKind(
            "funder_returns.funderreturn",
            related=("template",),
            url=lambda r: reverse("funder_returns:detail", args=[r.pk]),
            search=("template__name", "period_label"),
        ),
        SubjectKind("accounts.user", search=("full_name", "email")),
        SubjectKind("exports.exportjob", search=("title",)),
    )
}


def _subject_kind(label: str) -> SubjectKind:
    return SUBJECTS.get(label) or SubjectKind(label)


def _queryset(label: str) -> QuerySet | None:
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    related = _subject_kind(label).related
    return model._default_manager.select_related(*related) if related else model._default_manager.all()


def subjects_matching(text: str) -> Q:
    """Events about any row whose reference or name contains `text` (the object filter). Each kind is a subquery,
    so the filter adds no query of its own."""
    condition = Q(pk__in=[])
    for label, kind in SUBJECTS.items():
        queryset = _queryset(label)
        if queryset is None or not kind.search:
            continue
        matches = Q()
        for field_name in kind.search:
            matches |= Q(**{f"{field_name}__icontains": text})
        content_type = ContentType.objects.get_for_model(queryset.model)
        condition |= Q(content_type=content_type, object_id__in=queryset.filter(matches).values("pk"))
    return condition


# --- what a value in before/after means ----------------------------------------------------------------------------

# Keys whose integer value is the id of a row, and which model that is. Lists of ids ("budgets", "lines") too.
REFERENCES = {
    "to": "funds.budget",
    "from": "funds.budget",
    "budget": "funds.budget",
    "budgets": "funds.budget",
    "counterpart": "funds.budget",
    "line": "funds.budgetline",
    "lines": "funds.budgetline",
    "pot_line": "funds.budgetline",
    "area": "funds.area",
    "stream": "funds.fundingstream",
    "year": "funds.financialyear",
    "section": "funds.budgetsection",
    "source": "funds.fundingsource",
    "decision": "funds.decision",
    "commitment": "funds.commitment",
    "award": "applications.award",
    "application": "applications.application",
    "created_by": "accounts.user",
    "released_by": "accounts.user",
}
# How a referenced row is named: a line by its name, anything else by its str.
REFERENCE_NAMES: dict[str, Callable[[Model], str]] = {"funds.budgetline": lambda line: line.name}
MONEY_KEYS = {
    "amount",
    "pot",
    "line_committed",
    "committed",
    "allocated",
    "paid",
    "remaining",
    "amount_requested",
    "amount_awarded",
    "lines",  # needs.adopted's {"lines": {area name: whole pounds}}
}
KEY_LABELS = {
    "to": "To",
    "from": "From",
    "line": "Budget line",
    "lines": "Lines",
    "pot_line": "Pot line",
    "pot": "Pot",
    "line_committed": "Committed on the line",
    "counterpart": "Other budget",
    "created_by": "Entered by",
    "file_name": "File",
    "reference": "Reference",
}


def key_label(key: str) -> str:
    return KEY_LABELS.get(key) or f"{key[:1].upper()}{key[1:]}".replace("_", " ")


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ids_in(key: str, value) -> list[int]:
    if key not in REFERENCES:
        return []
    if _is_id(value):
        return [value]
    if isinstance(value, list):
        return [v for v in value if _is_id(v)]
    return []


def _pounds(value) -> str | None:
    try:
        return format_pounds(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


@dataclass
class Change:
    label: str
    before: str | None  # None: the event had no value here before (something new)
    after: str | None  # None: nothing after (something removed)


@dataclass
class EventView:
    """One event as the trail page and its CSV show it."""

    event: AuditEvent
    when: datetime.datetime
    who: str
    what: str
    kind: str
    subject: str
    subject_url: str | None
    changes: list[Change] = field(default_factory=list)
    reason: str = NO_REASON

    @property
    def changes_text(self) -> str:
        return "; ".join(_change_text(c) for c in self.changes)


def _change_text(change: Change) -> str:
    if change.before is None:
        return f"{change.label}: {change.after}"
    if change.after is None:
        return f"{change.label}: {change.before} (removed)"
    return f"{change.label}: {change.before} → {change.after}"


class Names:
    """The rows named anywhere in a batch of events, looked up once per model."""

    def __init__(self, wanted: dict[str, set[int]]):
        self._found: dict[str, dict[int, Model]] = {}
        for label, ids in wanted.items():
            queryset = _queryset(label)
            self._found[label] = {} if queryset is None else queryset.in_bulk(ids)

    def name(self, label: str, pk: int) -> str:
        obj = self._found.get(label, {}).get(pk)
        if obj is None:
            return f"{_model_name(label) or 'record'} {pk} (since deleted)"
        return REFERENCE_NAMES.get(label, _subject_kind(label).name)(obj)

    def get(self, label: str, pk: int) -> Model | None:
        return self._found.get(label, {}).get(pk)


def _status_label(event: AuditEvent, value: str) -> str:
    model = event.content_type.model_class() if event.content_type_id else None
    try:
        status = model._meta.get_field("status") if model else None
    except Exception:
        status = None
    for stored, label in getattr(status, "choices", None) or ():
        if stored == value:
            return str(label)
    return str(value).replace("_", " ").capitalize()


def _value_text(event: AuditEvent, key: str, value, names: Names) -> str:
    if value is None or value == "":
        return NOTHING
    if key in REFERENCES and _is_id(value):
        return names.name(REFERENCES[key], value)
    if key in REFERENCES and isinstance(value, list) and all(_is_id(v) for v in value):
        return ", ".join(names.name(REFERENCES[key], v) for v in value) or NOTHING
    if key == "status" and isinstance(value, str):
        return _status_label(event, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        money = key in MONEY_KEYS
        parts = [
            f"{k}: {(money and _pounds(v)) or _value_text(event, k, v, names)}" for k, v in value.items()
        ]
        return "; ".join(parts) or NOTHING
    if isinstance(value, list):
        return ", ".join(_value_text(event, key, v, names) for v in value) or NOTHING
    if key in MONEY_KEYS and (pounds := _pounds(value)):
        return pounds
    return str(value)


def _changes(event: AuditEvent, names: Names) -> list[Change]:
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    changes = []
    for key in [*before, *(k for k in after if k not in before)]:
        old = _value_text(event, key, before[key], names) if key in before else None
        new = _value_text(event, key, after[key], names) if key in after else None
        if key in before and key in after and old == new:
            continue  # unchanged: a snapshot repeats every field, the reader wants what moved
        changes.append(Change(key_label(key), old, new))
    return changes


def describe(events: Iterable[AuditEvent]) -> list[EventView]:
    """The events in words. Expects `actor` and `content_type` already joined (audit.selectors.trail does)."""
    events = list(events)
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.content_type_id and event.object_id is not None:
            wanted[f"{event.content_type.app_label}.{event.content_type.model}"].add(event.object_id)
        for values in (event.before, event.after):
            for key, value in (values or {}).items() if isinstance(values, dict) else ():
                for pk in _ids_in(key, value):
                    wanted[REFERENCES[key]].add(pk)
    names = Names(wanted)
    views = []
    for event in events:
        kind, subject, url = "", "", None
        if event.content_type_id:
            label = f"{event.content_type.app_label}.{event.content_type.model}"
            kind = (_model_name(label) or event.content_type.model).capitalize()
            if event.object_id is not None:
                obj = names.get(label, event.object_id)
                subject = names.name(label, event.object_id)
                make_url = _subject_kind(label).url
                url = make_url(obj) if obj is not None and make_url else None
        views.append(
            EventView(
                event=event,
                when=event.at,
                who=str(event.actor) if event.actor_id else SYSTEM,
                what=action_label(event.action),
                kind=kind,
                subject=subject,
                subject_url=url,
                changes=_changes(event, names),
                reason=event.note.strip() or NO_REASON,
            )
        )
    return views


# --- the filter's choices: each read through an index, never by going over the whole trail ---------------------------


def actions_recorded() -> list[str]:
    """Every action the trail holds, read as a skip scan of the action index: one index probe per distinct action,
    where a DISTINCT over the trail would read every one of its hundreds of thousands of events."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    column = connection.ops.quote_name(AuditEvent._meta.get_field("action").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE found(action) AS ("
            f" SELECT MIN({column}) FROM {table}"
            f" UNION ALL SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > found.action)"
            f" FROM found WHERE found.action IS NOT NULL)"
            f" SELECT action FROM found WHERE action IS NOT NULL"
        )
        return [row[0] for row in cursor.fetchall()]


def kinds_recorded() -> QuerySet[ContentType]:
    """The kinds of record the trail holds events about: one index probe per kind there is."""
    return ContentType.objects.filter(Exists(AuditEvent.objects.filter(content_type=OuterRef("pk"))))


def people_who_acted() -> QuerySet:
    """Everyone the trail names as having acted, by email as every list of people. Asked about one person (the
    filter's choice), it is one index probe, where a DISTINCT over the trail would read every event."""
    return (
        get_user_model()
        .objects.filter(Exists(AuditEvent.objects.filter(actor=OuterRef("pk"))))
        .order_by("email", "pk")
    )


def people_offered(chosen_id: int | None = None) -> QuerySet:
    """The people the person filter lists: the office's staff who acted (one index probe each), and whoever is
    chosen. Applicants and providers who acted are thousands at scale; a link to their events still works."""
    wanted = Q(is_staff=True) | Q(pk=chosen_id) if chosen_id else Q(is_staff=True)
    return people_who_acted().filter(wanted)


def filtered_trail(filters: dict) -> QuerySet[AuditEvent]:
    """The trail narrowed by AuditTrailFilterForm.filters(): the person, kind, action and dates by audit's own
    selector, the reference or name by searching the rows the events are about."""
    filters = dict(filters)
    text = filters.pop("subject", "")
    return trail(**filters, subjects=subjects_matching(text) if text else None)
