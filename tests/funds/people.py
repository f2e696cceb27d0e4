"""People holding exactly the funds permissions a test names, as accounts.roles would give them."""

from django.contrib.auth.models import Permission

from accounts.models import User
from tests.factories import UserFactory

FINANCE_OFFICER = (
    "funds.transfer_funds",
    "funds.record_payment",
    "funds.add_budgetline",
    "funds.change_budgetline",
    "funds.change_budget",
)
FINANCE_APPROVER = (
    *FINANCE_OFFICER,
    "funds.countersign",
    "funds.release_commitment",
    "funds.reverse_payment",
)


def person_with(*permissions: str, **fields) -> User:
    user = UserFactory(is_staff=True, **fields)
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return User.objects.get(pk=user.pk)  # a fresh object: Django caches permissions on the one it checked


def finance_officer(**fields) -> User:
    return person_with(*FINANCE_OFFICER, **fields)


def finance_approver(**fields) -> User:
    return person_with(*FINANCE_APPROVER, **fields)
