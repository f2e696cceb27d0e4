"""The office's staff roles, as data: which Django permissions each role's group holds.

A role is a Django group of the same name. `sync_roles()` (run after every `migrate`, and by `manage.py setup_roles`)
creates a group the first time it is missing, with the permissions below; after that the group belongs to the
office's administrator, who may add or take away permissions in Django admin, and a later migrate leaves their
changes alone. `manage.py setup_roles --reset` puts every group back to this table.

Applicants and providers are not staff roles: a person acts for an organisation or a provider through membership of
it (applications.Membership, providers.ProviderContact), and sees only that organisation's data.

Every staff page, admin page and action, workflow move, export and download checks one of these permissions on the
person acting (`accounts.permissions.permission_required`, `ModelAdmin` permissions, `applications.workflow`).
Names are "app_label.codename" strings, so this table imports no app it describes.
"""

from dataclasses import dataclass

ASSESSOR = "Assessor"
GRANTS_OFFICER = "Grants officer"
COMMISSIONING_OFFICER = "Commissioning officer"
FINANCE_OFFICER = "Finance officer"
FINANCE_APPROVER = "Finance approver"
CHIEF_FINANCE_OFFICER = "Chief Finance Officer"
READ_ONLY = "Read-only (auditor, panel)"


def _view(*models: str) -> set[str]:
    return {f"{m.split('.')[0]}.view_{m.split('.')[1]}" for m in models}


def _edit(*models: str) -> set[str]:
    """View, add and change (never delete: money and records are never deleted from admin)."""
    perms = set()
    for m in models:
        app, model = m.split(".")
        perms |= {f"{app}.view_{model}", f"{app}.add_{model}", f"{app}.change_{model}"}
    return perms


# Everything a read-only person may look at: every list and page, the audit trail and the annual report, and no
# write of any kind.
EVERYTHING_VISIBLE = _view(
    "applications.application",
    "applications.award",
    "applications.awardpayment",
    "applications.round",
    "applications.section",
    "applications.question",
    "applications.criterion",
    "applications.formversion",
    "applications.organisation",
    "applications.invitation",
    "funds.office",
    "funds.financialyear",
    "funds.area",
    "funds.fundingsource",
    "funds.fundingstream",
    "funds.decision",
    "funds.budget",
    "funds.budgetentry",
    "funds.budgetline",
    "funds.commitment",
    "funds.payment",
    "funds.reporttable",
    "reports.datatable",
    "reports.datatablerow",
    "funds.precept",
    "funds.preceptband",
    "providers.provider",
    "providers.service",
    "providers.servicefunding",
    "providers.monitoringtemplate",
    "providers.monitoringreturn",
    "providers.reportingperiod",
    "providers.claim",
    "providers.paymentscheduleitem",
    "funds.commitmentchange",
    "applications.awardvariation",
    "applications.grantreport",
    "needs.needsassessment",
    "audit.auditevent",
    "funder_returns.funderreturn",
    "funder_returns.returntemplate",
    "funder_returns.returnsection",
)

# The office's returns to its funders (funder_returns): commissioning and finance officers build them and send them
# for sign-off; only the Chief Finance Officer signs them off. The funder's form is data the commissioning officer
# keeps up to date in admin when the funder changes it.
FUNDER_RETURNS = _view("funder_returns.funderreturn") | {"funder_returns.prepare_funderreturn"}
FUNDER_FORMS = _edit(
    "funder_returns.returntemplate", "funder_returns.returnsection", "funder_returns.returnquestion"
) | {"funder_returns.delete_returnsection", "funder_returns.delete_returnquestion"}

ASSESSING = _view("applications.application", "applications.round", "applications.grantreport") | {
    "applications.assess_application"
}

# Building a round's forms: its sections, questions and criteria are edited on the round's page, and may be taken
# away there too (an application keeps the version of the form it was started on: applications.FormVersion).
FORM_BUILDING = _edit("applications.section", "applications.question", "applications.criterion") | {
    "applications.delete_section",
    "applications.delete_question",
    "applications.delete_criterion",
}

GRANTS = (
    ASSESSING
    | _edit("applications.round", "applications.organisation", "applications.invitation")
    | FORM_BUILDING
    | _view(
        "applications.formversion",
        "applications.award",
        "applications.awardpayment",
        "funds.budget",
        "funds.budgetline",
        "funds.decision",
    )
    | {
        "applications.screen_application",
        "applications.recommend_application",
        "applications.decide_application",
        "applications.publish_grants",
        "applications.review_grant_report",
    }
)

# The annual report's tables printed from monitoring returns and the money ledger: definitions, not money, so they
# may be taken away. Commissioning officers know the measures; finance keeps the report's other tables.
DATA_TABLES = _edit("reports.datatable", "reports.datatablerow") | {
    "reports.delete_datatable",
    "reports.delete_datatablerow",
}

COMMISSIONING = (
    _view(
        "applications.application",
        "applications.grantreport",
        "funds.budget",
        "funds.budgetline",
        "funds.decision",
        "funds.commitment",
    )
    | _edit(
        "providers.provider",
        "providers.service",
        "providers.providermembership",
        "providers.monitoringtemplate",
        "providers.measure",
        "providers.reportingperiod",
        "needs.needsassessment",
    )
    | _view(
        "providers.servicefunding",
        "providers.monitoringreturn",
        "providers.claim",
        "providers.paymentscheduleitem",
        "funds.payment",
    )
    | {"providers.review_returns", "providers.check_claim"}
    | FUNDER_RETURNS
    | FUNDER_FORMS
    | DATA_TABLES
)

FINANCE = (
    _view(
        "applications.application",
        "applications.round",
        "applications.organisation",
        "applications.grantreport",
        "funds.commitment",
        "funds.payment",
        "funds.office",
        "funds.financialyear",
        "funds.area",
        "funds.fundingsource",
        "funds.fundingstream",
        "funds.reporttable",
        "providers.provider",
        "providers.service",
        "providers.servicefunding",
        "needs.needsassessment",
        "audit.auditevent",
        "funder_returns.returntemplate",
        "funder_returns.returnsection",
    )
    | FUNDER_RETURNS
    | _edit(
        "applications.award",
        "funds.budget",
        "funds.budgetline",
        "funds.budgetsection",
        "funds.budgetentry",
        "funds.decision",
        # The police precept's Band D (funds.services.set_precept) and the bands typed in to check it against.
        "funds.precept",
        "funds.preceptband",
    )
    | DATA_TABLES
    | _view(
        "applications.awardpayment",
        "applications.awardvariation",
        "funds.commitmentchange",
        "providers.claim",
        "providers.paymentscheduleitem",
    )
    | {
        "applications.approve_award",
        "applications.record_award_payment",
        "applications.vary_award",
        "funds.vary_commitment",
        "funds.carry_forward_commitment",
        "providers.approve_claim",
        "funds.record_payment",
        "funds.transfer_funds",
        # Only an empty line or section can go, and only through funds.services.delete_line / delete_section.
        "funds.delete_budgetline",
        "funds.delete_budgetsection",
        "needs.adopt_needsassessment",
        "providers.fund_service",
    }
)

APPROVING = FINANCE | {
    "funds.countersign",
    "funds.release_commitment",
    "funds.reverse_payment",
    "funds.roll_forward_year",
    "applications.cancel_award",
}


@dataclass(frozen=True)
class Role:
    name: str
    summary: str
    permissions: frozenset[str]


ROLES: tuple[Role, ...] = (
    Role(
        ASSESSOR, "Declares any conflict, then scores the applications given to them.", frozenset(ASSESSING)
    ),
    Role(
        GRANTS_OFFICER,
        "Runs rounds: sets them up and builds their forms, screens, asks for information, assesses, recommends "
        "and records the panel's decision; reviews grant reports. Cannot approve or pay money.",
        frozenset(GRANTS),
    ),
    Role(
        COMMISSIONING_OFFICER,
        "Manages commissioned services and providers, reviews monitoring returns, runs needs assessments.",
        frozenset(COMMISSIONING),
    ),
    Role(
        FINANCE_OFFICER,
        "Keeps the budgets, approves awards and records payments, proposes transfers. A large award or transfer "
        "needs a finance approver's second signature.",
        frozenset(FINANCE),
    ),
    Role(
        FINANCE_APPROVER,
        "Everything a finance officer does, plus the second signature on large awards and transfers, releasing "
        "commitments, cancelling awards and correcting payments.",
        frozenset(APPROVING),
    ),
    Role(
        CHIEF_FINANCE_OFFICER,
        "Everything a finance approver does, closes the financial year and signs off the office's returns to "
        "its funders.",
        frozenset(APPROVING | {"funds.close_financialyear", "funder_returns.sign_off_funderreturn"}),
    ),
    Role(
        READ_ONLY,
        "Sees every page, report and the audit trail; changes nothing.",
        frozenset(EVERYTHING_VISIBLE),
    ),
)

BY_NAME = {role.name: role for role in ROLES}


def sync_roles(*, reset: bool = False, using: str = "default") -> list[str]:
    """Make each role's group: a missing group gets the table's permissions; with `reset`, every group does.

    Returns the permission names the table asks for that do not exist (a model renamed or a permission dropped), so
    a typo here is caught by a test instead of quietly granting nothing.
    """
    from django.contrib.auth.models import Group, Permission

    wanted = set().union(*(role.permissions for role in ROLES))
    found = {
        f"{app}.{codename}": pk
        for pk, app, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    missing = sorted(wanted - found.keys())
    for role in ROLES:
        group, created = Group.objects.using(using).get_or_create(name=role.name)
        if created or reset:
            group.permissions.set([found[p] for p in role.permissions if p in found])
    return missing
