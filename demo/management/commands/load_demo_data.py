from django.core.management.base import BaseCommand

from demo.loader import load_demo


class Command(BaseCommand):
    help = "Load the West Midlands demo data (2024/25 published figures) and demo logins. Safe to run twice."

    def handle(self, *args, **options):
        loaded = load_demo()
        for part in loaded.parts:
            self.stdout.write(f"Loaded demo data for {part}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Sign in with:"))
        for role, email, password in loaded.logins:
            self.stdout.write(f"  {role}: {email} / {password}")
        self.stdout.write(
            "Staff logins set up an authenticator app at first sign-in. Without a phone, "
            "`python manage.py demo_two_factor_code EMAIL` prints the code the set-up and sign-in pages ask for."
        )
