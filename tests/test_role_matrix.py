"""Who may do what, checked against the roles table (accounts.roles) for every role, on the demo.

- Every staff page declares the permission it needs (`accounts.permissions.permission_required`); a page under
  /staff/ without one fails `test_every_staff_page_declares_its_permission`.
- Every role opens every staff page: it gets in exactly when its group holds the page's permission, and a 403
  otherwise.
- Every admin page: the changelist opens exactly for the roles that may view or change the model; every admin
  action declares its permissions and is offered exactly to the roles that hold them.
The expectations come from the roles table, not from the code under test, so a page or action that checks the wrong
permission, or none, disagrees with the table and fails.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver, reverse

from accounts.roles import ROLES, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NO_ROLE = Role("Staff with no role", "", frozenset())


def staff_patterns() -> dict[str, tuple[str, object]]:
    """Every URL pattern outside the admin whose view declares a permission or lives under staff/:
    name -> (route, view)."""
    found: dict[str, tuple[str, object]] = {}

    def walk(patterns, prefix: str, namespaces: list[str]):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                walk(
                    pattern.url_patterns,
                    route,
                    namespaces + ([pattern.namespace] if pattern.namespace else []),
                )
                continue
            view = pattern.callback
            if hasattr(view, "required_permission") or route.startswith("staff/"):
                found[":".join([*namespaces, pattern.name])] = (route, view)

    walk(get_resolver().url_patterns, "", [])
    return found


def _demo_kwargs():
    from applications.models import Application, GrantReport, Status
    from funder_returns.models import FunderReturn
    from funds.models import Budget
    from needs.models import NeedsAssessment
    from providers.models import Measure, MonitoringReturn

    application = Application.objects.exclude(status=Status.DRAFT).order_by("pk").first()
    measure = Measure.objects.exclude(kind=Measure.Kind.TEXT).order_by("pk").first()
    return {
        "funds:budget": {"pk": Budget.objects.order_by("pk").first().pk},
        "applications:staff_detail": {"pk": application.pk},
        "applications:staff_action": {"pk": application.pk, "action": "screen"},
        "needs:assessment": {"pk": NeedsAssessment.objects.order_by("pk").first().pk},
        "needs:adopt": {"pk": NeedsAssessment.objects.order_by("pk").first().pk},
        "needs:export": {"pk": NeedsAssessment.objects.order_by("pk").first().pk},
        "providers:staff_return": {"pk": MonitoringReturn.objects.order_by("pk").first().pk},
        "providers:staff_measure_chart": {"pk": measure.pk},
        "providers:staff_claim": {"pk": _a_claim().pk},
        "applications:staff_grant_report": {"pk": GrantReport.objects.order_by("pk").first().pk},
        "applications:staff_grant_report_review": {"pk": GrantReport.objects.order_by("pk").first().pk},
        **{
            f"funder_returns:{name}": {"pk": FunderReturn.objects.order_by("pk").first().pk}
            for name in ("detail", "move", "rebuild", "download")
        },
    }


def _a_claim():
    """The demo's first claim, or one made for the test (the demo may have none)."""
    from providers.models import Claim, ServiceFunding

    claim = Claim.objects.order_by("pk").first()
    if claim is None:
        funding = ServiceFunding.objects.order_by("pk").first()
        member = funding.service.provider.memberships.order_by("pk").first()
        claim = Claim.objects.create(
            service=funding.service, funding=funding, amount="100.00", submitted_by=member.user
        )
    return claim


def _client_for(user) -> Client:
    from accounts.two_factor import VERIFIED_SESSION_KEY

    client = Client()
    client.force_login(user)
    session = client.session
    session[VERIFIED_SESSION_KEY] = True  # these tests are about permissions, not the second factor
    session.save()
    return client


def _person_with(role: Role, number: int):
    user = UserFactory(is_staff=True, email=f"role{number}@opcc.example", full_name=role.name)
    if role.permissions:
        user.groups.add(Group.objects.get(name=role.name))
    return user


def _holds(role: Role, permission) -> bool:
    wanted = (permission,) if isinstance(permission, str) else permission
    return any(p in role.permissions for p in wanted)


def test_the_roles_table_names_only_permissions_that_exist():
    from accounts.roles import sync_roles

    assert sync_roles() == []


def test_every_staff_page_declares_its_permission():
    undeclared = sorted(
        name for name, (_route, view) in staff_patterns().items() if not hasattr(view, "required_permission")
    )
    assert not undeclared, (
        "These staff pages check no permission of the person: decorate them with "
        f"accounts.permissions.permission_required: {undeclared}"
    )


def test_each_role_opens_exactly_the_staff_pages_its_permissions_allow(full_demo):
    kwargs = _demo_kwargs()
    people = {role.name: _client_for(_person_with(role, n)) for n, role in enumerate([*ROLES, NO_ROLE])}
    failures, checked = [], 0
    for name, (route, view) in sorted(staff_patterns().items()):
        permission = view.required_permission
        if permission is None:
            continue  # any member of staff; what they see is their own (exports: tests/test_url_walk.py)
        has_params = "<" in route
        assert not has_params or name in kwargs, f"add the URL kwargs for {name} to _demo_kwargs()"
        url = reverse(name, kwargs=kwargs.get(name))
        for role in [*ROLES, NO_ROLE]:
            client = people[role.name]
            response = client.get(url)
            if response.status_code == 405:
                response = client.post(url, {})
            checked += 1
            allowed = _holds(role, permission)
            if allowed and (response.status_code == 403 or response.status_code >= 500):
                failures.append(
                    f"{role.name} was refused {url} ({response.status_code}) but holds {permission}"
                )
            if not allowed and response.status_code != 403:
                failures.append(f"{role.name} got {response.status_code} from {url} without {permission}")
    assert checked > 50
    assert not failures, "\n".join(failures)


def _admin_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _action_permission(model_admin, permission: str) -> str:
    """The permission name an admin action's `allowed_permissions` entry stands for."""
    opts = model_admin.model._meta
    if permission in ("view", "add", "change", "delete"):
        return f"{opts.app_label}.{permission}_{opts.model_name}"
    return permission if "." in permission else f"{opts.app_label}.{permission}"


# Admin pages of packages we did not write. No role holds any of their permissions, so only the administrator
# (a superuser) sees them; the matrix below still checks that every role is kept out.
THIRD_PARTY = {"axes"}


def test_every_admin_action_declares_its_permissions():
    superuser = UserFactory(is_staff=True, is_superuser=True, email="root@opcc.example")
    undeclared = []
    for model, model_admin in admin.site._registry.items():
        for name, action in model_admin.get_actions(_admin_request(superuser)).items():
            func = action.func
            if model._meta.app_label in THIRD_PARTY:
                continue
            if name != "delete_selected" and not getattr(func, "allowed_permissions", None):
                undeclared.append(f"{model.__name__}.{name}")
    assert not undeclared, f"Admin actions that declare no permission: {undeclared}"


def test_each_role_sees_exactly_the_admin_pages_and_actions_its_permissions_allow(full_demo):
    failures = []
    for number, role in enumerate([*ROLES, NO_ROLE]):
        person = _person_with(role, number)
        client = _client_for(person)
        request = _admin_request(person)
        for model, model_admin in admin.site._registry.items():
            opts = model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            may_view = _holds(
                role,
                (f"{opts.app_label}.view_{opts.model_name}", f"{opts.app_label}.change_{opts.model_name}"),
            )
            status = client.get(url).status_code
            if may_view and status != 200:
                failures.append(
                    f"{role.name}: {url} gave {status}, but the role may view {opts.verbose_name_plural}"
                )
            if not may_view and status not in (302, 403):
                failures.append(
                    f"{role.name}: {url} gave {status} without permission to view {opts.verbose_name_plural}"
                )
            if not may_view:
                continue
            offered = set(model_admin.get_actions(request))
            everything = _admin_request(UserFactory.build(is_superuser=True, is_staff=True, is_active=True))
            for name, action in model_admin.get_actions(everything).items():
                func = action.func
                needed = [
                    _action_permission(model_admin, p) for p in getattr(func, "allowed_permissions", ())
                ]
                should = all(p in role.permissions for p in needed)
                if should != (name in offered):
                    failures.append(
                        f"{role.name}: the {opts.verbose_name} action {name!r} is "
                        f"{'offered' if name in offered else 'hidden'}, but the role "
                        f"{'holds' if should else 'lacks'} {needed}"
                    )
    assert not failures, "\n".join(failures)


def test_each_role_makes_exactly_the_application_moves_its_permissions_allow():
    from django.db import transaction

    from applications.models import Application
    from applications.workflow import APPLICANT, TRANSITIONS, TransitionNotAllowed, move
    from tests.applications.factories import submitted_application

    application = submitted_application()
    wrong = []
    for number, role in enumerate([*ROLES, NO_ROLE]):
        person = _person_with(role, number)
        for (frm, to), needed in TRANSITIONS.items():
            if needed == APPLICANT:
                continue  # an applicant's move, by membership of the organisation (test_transition_table.py)
            Application.objects.filter(pk=application.pk).update(status=frm)
            application.refresh_from_db()
            try:
                with transaction.atomic():
                    move(application, to, by=person, reason="role matrix")
                    moved = True
                    transaction.set_rollback(True)
            except TransitionNotAllowed:
                moved = False
            if moved != (needed in role.permissions):
                wrong.append(f"{role.name}: {frm} -> {to} {'made' if moved else 'refused'} (needs {needed})")
    assert not wrong, "\n".join(wrong)


def test_each_role_makes_exactly_the_return_moves_its_permissions_allow():
    """The OPCC's side of a monitoring return (request changes) needs providers.review_returns."""
    from django.db import transaction

    from providers import ready_templates, services
    from providers.models import MonitoringReturn
    from tests.providers.conftest import make_side
    from tests.providers.factories import PeriodFactory

    templates = ready_templates.install()
    side_a = make_side("Provider A", PeriodFactory(template=templates[ready_templates.VICTIMS_SERVICES]))

    wrong = []
    for number, role in enumerate([*ROLES, NO_ROLE]):
        person = _person_with(role, number)
        MonitoringReturn.objects.filter(pk=side_a.ret.pk).update(status=MonitoringReturn.Status.SUBMITTED)
        try:
            with transaction.atomic():
                services.request_changes(return_id=side_a.ret.pk, by=person, comment="Please check Q2")
                moved = True
                transaction.set_rollback(True)
        except services.ReturnRuleError:
            moved = False
        if moved != ("providers.review_returns" in role.permissions):
            wrong.append(f"{role.name}: requesting changes was {'allowed' if moved else 'refused'}")
    assert not wrong, "\n".join(wrong)
