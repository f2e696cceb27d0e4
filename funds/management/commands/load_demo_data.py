import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, ensure_demo_logins


class Command(BaseCommand):
    help = "Load the West Midlands demo data (2024/25 published figures) and demo logins. Safe to run twice."

    def handle(self, *args, **options):
        extra_logins = []
        with transaction.atomic():
            # Each app that has demo data keeps it in its own demo.py with a load() function; funds goes first.
            for config in apps.get_app_configs():
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                if hasattr(module, "load"):
                    module.load()
                    extra_logins.extend(getattr(module, "LOGINS", []))
                    self.stdout.write(f"Loaded demo data for {config.verbose_name}")
        logins = ensure_demo_logins()
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Sign in with:"))
        for role, email, password in logins:
            self.stdout.write(f"  {role}: {email} / {password}")
        for role, email in extra_logins:
            self.stdout.write(f"  {role}: {email} / {DEMO_PASSWORD}")
        self.stdout.write(
            "Staff logins set up an authenticator app at first sign-in. Without a phone, "
            "`python manage.py demo_two_factor_code EMAIL` prints the code the set-up and sign-in pages ask for."
        )
