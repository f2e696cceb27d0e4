from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts import two_factor
from accounts.models import User

DEMO_DOMAIN = "@demo.pcc-grants.example"


class Command(BaseCommand):
    help = (
        "Print the current authenticator code for a demo staff login, so the demo can be tried without a phone. "
        "Refuses in production and for anyone who is not a demo login."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help=f"a demo login ending {DEMO_DOMAIN}")

    def handle(self, *args, email, **options):
        if settings.PRODUCTION:
            raise CommandError("This command is for the demo only and does not run in production.")
        if not email.lower().endswith(DEMO_DOMAIN):
            raise CommandError(f"Only demo logins (ending {DEMO_DOMAIN}) can be given a code this way.")
        user = User.objects.filter(email__iexact=email, is_staff=True).first()
        if user is None:
            raise CommandError(f"There is no demo staff login {email}. Run load_demo_data first.")
        # The same device the set-up page shows: made on first use and kept until it is confirmed.
        device = two_factor.start_setup(user)
        self.stdout.write(two_factor.totp(device.secret))
