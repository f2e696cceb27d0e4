"""One function that loads the whole demo, used by `manage.py load_demo_data` and by the tests' session-wide demo
database, so both hold exactly the same rows."""

from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, ensure_demo_logins
from applications import demo as applications_demo
from funder_returns import demo as funder_returns_demo
from funds import demo as funds_demo
from needs import demo as needs_demo
from providers import demo as providers_demo
from reports import demo as reports_demo
from transparency import demo as transparency_demo

# Order matters: each app's demo builds on the rows of those before it (funds' budgets first, then the grants and
# contracts against them, then the needs assessment that reads the contracts, then what was published).
PARTS = [
    ("funds", funds_demo),
    ("applications", applications_demo),
    ("providers", providers_demo),
    ("reports", reports_demo),  # the tables printed from the returns and budgets above
    ("needs", needs_demo),
    ("funder_returns", funder_returns_demo),
    ("transparency", transparency_demo),
]


@dataclass
class Loaded:
    parts: list[str] = field(default_factory=list)  # each app's name, as `load_demo_data` prints it
    # (role, email, password) for every demo login
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def load_demo() -> Loaded:
    """Load every app's demo rows and the demo logins. Safe to run twice: each part finds what it made before."""
    loaded = Loaded()
    extra_logins = []
    with transaction.atomic():
        for label, module in PARTS:
            module.load()
            extra_logins.extend(getattr(module, "LOGINS", []))
            loaded.parts.append(apps.get_app_config(label).verbose_name)
    loaded.logins = list(ensure_demo_logins())
    loaded.logins += [(role, email, DEMO_PASSWORD) for role, email in extra_logins]
    return loaded
