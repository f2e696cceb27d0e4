"""Demo logins printed by load_demo_data, so a newcomer can sign in straight away. Never loaded in production.

Each staff login holds one role (accounts.roles), so the demo shows who may do what: the grants officer cannot
approve money, the finance officer can, and an award or transfer over the office's threshold needs the finance
approver's second signature. Logins that other apps' demos make (the grants officer, the commissioning officer) are
given their role here, after those apps have loaded.
"""

from django.contrib.auth.models import Group

from . import roles
from .models import User

DEMO_PASSWORD = "demo-password-2425"
STAFF = {"is_staff": True, "is_superuser": False}

# (what the login is for, email, fields, role) in the order load_demo_data prints them.
DEMO_LOGINS = [
    (
        "OPCC finance officer: budgets, approves awards, payments",
        "finance@demo.pcc-grants.example",
        {**STAFF, "full_name": "Demo Finance Officer"},
        roles.FINANCE_OFFICER,
    ),
    (
        "OPCC finance approver: second signature on large awards and transfers",
        "approver@demo.pcc-grants.example",
        {**STAFF, "full_name": "Demo Finance Approver"},
        roles.FINANCE_APPROVER,
    ),
    (
        "OPCC Chief Finance Officer: closes the financial year, signs off returns to funders",
        "cfo@demo.pcc-grants.example",
        {**STAFF, "full_name": "Demo Chief Finance Officer"},
        roles.CHIEF_FINANCE_OFFICER,
    ),
    (
        "OPCC grants officer: screens, assesses, recommends, records decisions",
        "grants@demo.pcc-grants.example",
        {**STAFF, "full_name": "Demo Grants Officer"},
        roles.GRANTS_OFFICER,
    ),
    (
        "OPCC grants officer who records the panel's decisions (whoever recommends may not also decide)",
        "decisions@demo.pcc-grants.example",
        {**STAFF, "full_name": "Demo Panel Clerk"},
        roles.GRANTS_OFFICER,
    ),
    (
        "OPCC assessor: declares conflicts and scores",
        "assessor@demo.pcc-grants.example",
        {**STAFF, "full_name": "Demo Assessor"},
        roles.ASSESSOR,
    ),
    (
        "OPCC commissioning officer: providers, returns, needs",
        "commissioning@demo.pcc-grants.example",
        {**STAFF, "full_name": "Demo Commissioning Officer"},
        roles.COMMISSIONING_OFFICER,
    ),
    (
        "Auditor (read-only): every page and the audit trail",
        "auditor@demo.pcc-grants.example",
        {**STAFF, "full_name": "Demo Auditor"},
        roles.READ_ONLY,
    ),
    (
        "OPCC administrator: Django admin, people and roles",
        "admin@demo.pcc-grants.example",
        {"is_staff": True, "is_superuser": True, "full_name": "Demo Administrator"},
        None,
    ),
]


def ensure_demo_logins() -> list[tuple[str, str, str]]:
    roles.sync_roles()
    printed = []
    for purpose, email, fields, role in DEMO_LOGINS:
        user, _ = User.objects.get_or_create(email=email, defaults=fields)
        for name, value in fields.items():
            setattr(user, name, value)
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=role)] if role else [])
        printed.append((purpose, email, DEMO_PASSWORD))
    return printed
