"""Every URL pattern of the project, filled with real ids from the demo data, ids that do not exist, and hostile
query strings.

`all_patterns()` walks `get_resolver()` recursively, admin included, so a new pattern cannot escape the harness:
`test_every_url_pattern_is_filled_or_listed` fails, naming it, until it has a line in FILL (how to find a real
object for each of its parameters) or in NOT_FILLED (why it cannot be visited). Admin model pages are filled
generically from `admin.site._registry`: changelist, add, change, history and delete for a real object of each model.
"""

import re
import uuid
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver

from .world import World, password_reset_kwargs, verification_kwargs


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name", or the route itself for an unnamed pattern
    route: str  # the whole route from the root, e.g. "applications/<int:pk>/"
    converters: dict  # kwarg -> converter class name ("IntConverter"...); {} for regex patterns
    is_regex: bool


def all_patterns() -> dict[str, Pattern]:
    found: dict[str, Pattern] = {}

    def walk(patterns, prefix: str, converters: dict, namespaces: list[str], is_regex: bool):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            own = {k: type(v).__name__ for k, v in getattr(pattern.pattern, "converters", {}).items()}
            regex = is_regex or (not own and bool(pattern.pattern.regex.groupindex))
            if isinstance(pattern, URLResolver):
                walk(
                    pattern.url_patterns,
                    route,
                    {**converters, **own},
                    namespaces + ([pattern.namespace] if pattern.namespace else []),
                    regex,
                )
            elif isinstance(pattern, URLPattern):
                key = ":".join([*namespaces, pattern.name]) if pattern.name else route
                found.setdefault(key, Pattern(key, route, {**converters, **own}, regex))

    walk(get_resolver().url_patterns, "", {}, [], False)
    return found


# --- Real ids ---------------------------------------------------------------------------------------------------------

TASKS = ("organisation", "project", "budget", "documents", "declarations")
STAFF_ACTIONS = ("screen", "request_information", "conflict", "score", "recommend", "decide")


def _apps(w: World) -> list[dict]:
    o = w.objects
    return [{"pk": o["draft"].pk}, {"pk": o["submitted"].pk}, {"pk": o["other_app"].pk}]


def _section_tasks(pk: int) -> tuple[str, ...]:
    from applications.models import Application
    from applications.services import live_definition

    application = Application.objects.select_related("form_version", "round").get(pk=pk)
    form = (
        application.form if application.form_version_id else live_definition(application.round, "application")
    )
    return tuple(section["key"] for section in form["sections"])


def _returns(w: World) -> list[dict]:
    # Every one of the demo provider's returns (each status has its own page), and another provider's.
    return [{"pk": r.pk} for r in w.objects["own_returns"]] + [{"pk": w.objects["other_return"].pk}]


def _grant_reports(w: World) -> list[dict]:
    return [{"pk": w.objects["other_report"].pk}, {"pk": w.objects["accepted_report"].pk}]


def _first(model_label: str) -> dict:
    from django.apps import apps

    obj = apps.get_model(model_label).objects.order_by("pk").first()
    return {"pk": obj.pk}


def _rounds() -> list[dict]:
    from applications.models import Round

    return [{"slug": slug} for slug in Round.objects.order_by("pk").values_list("slug", flat=True)]


def _measures() -> list[dict]:
    from providers.models import Measure

    return [{"pk": pk} for pk in Measure.objects.order_by("pk").values_list("pk", flat=True)[:6]]


def _fundings() -> list[dict]:
    from providers.models import ServiceFunding

    f = ServiceFunding.objects.order_by("pk").first()
    return [{"pk": f.service_id, "funding_pk": f.pk}]


def _view_on_site() -> list[dict]:
    from applications.models import Round

    ct = ContentType.objects.get_for_model(Round)
    return [{"content_type_id": ct.pk, "object_id": Round.objects.order_by("pk").first().pk}]


FILL = {
    # accounts: signed links; the token is the capability
    "accounts:verify": lambda w: [
        verification_kwargs(w.objects["unverified"]),
        {"uidb64": "MQ", "token": "not-a-token"},
    ],
    "password_reset_confirm": lambda w: [
        password_reset_kwargs(w.users["applicant"]),
        {"uidb64": "x", "token": "set-password"},
    ],
    "accounts:password_reset_confirm": lambda w: [
        password_reset_kwargs(w.users["applicant"]),
        {"uidb64": "x", "token": "set-password"},
    ],
    # staff: funds, exports, needs
    "funds:budget": lambda w: [_first("funds.Budget")],
    "admin:funds_budgetline_import_job": lambda w: [_first("funds.BudgetImportJob")],
    "exports:job": lambda w: [{"pk": w.objects["export"].pk}],
    "exports:download": lambda w: [{"pk": w.objects["export"].pk}],
    "needs:assessment": lambda w: [_first("needs.NeedsAssessment")],
    "needs:adopt": lambda w: [_first("needs.NeedsAssessment")],
    "needs:export": lambda w: [_first("needs.NeedsAssessment")],
    "funder_returns:detail": lambda w: [_first("funder_returns.FunderReturn")],
    "funder_returns:move": lambda w: [_first("funder_returns.FunderReturn")],
    "funder_returns:rebuild": lambda w: [_first("funder_returns.FunderReturn")],
    "funder_returns:download": lambda w: [_first("funder_returns.FunderReturn")],
    # applications: public rounds, the applicant's own and another organisation's
    "applications:round": lambda w: _rounds(),
    "applications:eligibility": lambda w: _rounds(),
    "applications:start": lambda w: _rounds(),
    "applications:detail": _apps,
    "applications:check": _apps,
    "applications:confirmation": _apps,
    "applications:withdraw": _apps,
    "applications:accept_award": lambda w: [*_apps(w), {"pk": w.objects["other_app"].pk}],
    "applications:respond": lambda w: [
        {"pk": w.objects["submitted"].pk, "request_pk": w.objects["question"].pk},
        {"pk": w.objects["other_app"].pk, "request_pk": w.objects["other_question"].pk},
        {"pk": w.objects["submitted"].pk, "request_pk": w.objects["other_question"].pk},
    ],
    "applications:download": lambda w: [
        {"pk": w.objects["draft"].pk, "document_pk": w.objects["own_doc"].pk},
        {"pk": w.objects["other_app"].pk, "document_pk": w.objects["other_doc"].pk},
        {"pk": w.objects["draft"].pk, "document_pk": w.objects["other_doc"].pk},
    ],
    # The fixed tasks, and each section of the round's own questions (its form version's, or the round's live form).
    "applications:task": lambda w: [
        {"pk": a["pk"], "task": t} for a in _apps(w) for t in TASKS + _section_tasks(a["pk"])
    ],
    "applications:organisation": lambda w: [
        {"pk": w.objects["own_org"].pk},
        {"pk": w.objects["other_org"].pk},
    ],
    "applications:accept_invitation": lambda w: [{"token": w.objects["invitation"].token}],
    "applications:staff_detail": _apps,
    "applications:grant_report": lambda w: [
        {"pk": w.objects["other_app"].pk, "report_pk": w.objects["other_report"].pk},
        {"pk": w.objects["draft"].pk, "report_pk": w.objects["other_report"].pk},
    ],
    "applications:staff_grant_report": lambda w: _grant_reports(w),
    "applications:staff_grant_report_review": lambda w: _grant_reports(w),
    "applications:staff_action": lambda w: [
        {"pk": w.objects["submitted"].pk, "action": a} for a in STAFF_ACTIONS
    ],
    # providers: the demo provider's services and returns, and another provider's
    "providers:service": lambda w: [
        {"pk": w.objects["own_service"].pk},
        {"pk": w.objects["other_service"].pk},
    ],
    "providers:service_document": lambda w: [
        {"pk": w.objects["own_service"].pk, "document_pk": w.objects["own_service_doc"].pk},
        {"pk": w.objects["other_service"].pk, "document_pk": w.objects["other_service_doc"].pk},
        {"pk": w.objects["own_service"].pk, "document_pk": w.objects["other_service_doc"].pk},
    ],
    "providers:return": _returns,
    "providers:return_edit": _returns,
    "providers:return_send_for_sign_off": _returns,
    "providers:return_sign_off": _returns,
    "providers:return_send_back": _returns,
    "providers:staff_return": _returns,
    "providers:staff_measure_chart": lambda w: _measures(),
    "providers:claim": lambda w: [{"pk": w.objects["own_claim"].pk}, {"pk": w.objects["other_claim"].pk}],
    "providers:claim_new": lambda w: [
        {"pk": w.objects["own_service"].pk},
        {"pk": w.objects["other_service"].pk},
    ],
    "providers:staff_claim": lambda w: [
        {"pk": w.objects["own_claim"].pk},
        {"pk": w.objects["other_claim"].pk},
    ],
    # transparency
    "transparency:decision": lambda w: [{"number": n} for n in _decision_numbers()],
    # admin views of the project's own
    "admin:funds_budget_transfer": lambda w: [_first("funds.Budget")],
    "admin:providers_service_fund": lambda w: [{"pk": w.objects["own_service"].pk}],
    "admin:providers_service_release_funding": lambda w: _fundings(),
    "admin:view_on_site": lambda w: _view_on_site(),
    "admin:auth_user_password_change": lambda w: [{"id": w.users["applicant"].pk}],
}

# Regex patterns: the URLs to visit, as written.
REGEX_URLS = {
    "admin:app_list": lambda: [
        f"/admin/{label}/" for label in sorted({m._meta.app_label for m in admin.site._registry})
    ],
    "admin/(?P<url>.*)$": lambda: ["/admin/no-such-app/", "/admin/funds/no-such-model/1/"],
}

NOT_FILLED: dict[str, str] = {
    # Every pattern here is one the harness cannot visit with a real id; say why.
}


def _decision_numbers() -> list[str]:
    from funds.models import Decision

    numbers = list(Decision.objects.order_by("pk").values_list("number", flat=True))
    confidential = (
        Decision.objects.exclude(confidentiality="public").values_list("number", flat=True).first()
        if hasattr(Decision, "confidentiality")
        else None
    )
    return numbers[:3] + ([confidential] if confidential and confidential not in numbers[:3] else [])


# --- Admin model pages, from the registry ---------------------------------------------------------------------------

ADMIN_PAGE = re.compile(
    # An app label may hold underscores (funder_returns); a model name never does, so the shortest app that leaves a
    # model and a page is the one.
    r"^admin:(?P<app>[a-z0-9_]+?)_(?P<model>[a-z0-9]+)_(?P<page>changelist|add|change|history|delete)$"
)
ADMIN_REDIRECT = re.compile(r"^admin/(?P<app>[a-z0-9_]+)/(?P<model>[a-z0-9]+)/<path:object_id>/$")


def _admin_model(app: str, model: str):
    for m in admin.site._registry:
        if m._meta.app_label == app and m._meta.model_name == model:
            return m
    return None


def admin_kwargs(key: str) -> list[dict] | None:
    """A real object for an admin model page, or None if `key` is not one."""
    match = ADMIN_PAGE.match(key) or ADMIN_REDIRECT.match(key)
    if not match:
        return None
    model = _admin_model(match["app"], match["model"])
    if model is None:
        return None
    if match.groupdict().get("page") in ("changelist", "add"):
        return [{}]
    pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    if pk is None:
        return []  # reported by the fill test: the world must make one
    return [{"object_id": pk}]


# --- URLs -------------------------------------------------------------------------------------------------------------

_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")


def build(pattern: Pattern, kwargs: dict) -> str:
    def value(match):
        return str(kwargs[match["name"]])

    return "/" + _PARAM.sub(value, pattern.route)


def real_urls(pattern: Pattern, world: World) -> list[str]:
    if pattern.key in REGEX_URLS:
        return REGEX_URLS[pattern.key]()
    if pattern.key in NOT_FILLED:
        return []
    if pattern.key in FILL:
        return [build(pattern, kw) for kw in FILL[pattern.key](world)]
    kwargs = admin_kwargs(pattern.key)
    if kwargs is not None:
        return [build(pattern, kw) for kw in kwargs]
    if not pattern.converters and not pattern.is_regex:
        return [build(pattern, {})]
    return []


MISSING = {
    # converter -> values that find nothing, from "plausible" to "does not fit the column"
    "IntConverter": ["999999999", "99999999999999999999"],
    "PathConverter": ["999999999", "99999999999999999999"],
    "SlugConverter": ["no-such-thing"],
    "StringConverter": ["nothing-here"],
    "UUIDConverter": [str(uuid.UUID(int=0))],
}


def missing_urls(pattern: Pattern, world: World) -> list[str]:
    """The pattern with every parameter swapped, one at a time, for a value that matches no row."""
    if pattern.is_regex or not pattern.converters or pattern.key in NOT_FILLED:
        return []
    real = (FILL[pattern.key](world) if pattern.key in FILL else admin_kwargs(pattern.key)) or []
    if not real:
        return []
    urls = []
    for name, converter in pattern.converters.items():
        for bad in MISSING.get(converter, []):
            urls.append(build(pattern, {**real[0], name: bad}))
    return urls


# Several hostile parameters per query string (a page reads the ones it knows): out of range, repeated, script,
# NUL, right-to-left, and the admin's own (o, p, e, _to_field).
HOSTILE_QUERIES = [
    "page=99999999999999999999&year=9999-00&o=999&p=99999999999999999999",
    "page=-1&page=0&page=abc&year=0000-01&year=2024-25&area=99999999999999999999&stream=%00",
    "sort=%3Cscript%3Ealert(1)%3C/script%3E&q=%00&status=%E2%80%AEevil&round=-1",
    "e=1&_to_field=password&format=xlsx&per_page=10000000&year=9999%2F00",
]
