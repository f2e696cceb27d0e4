from django.core.management.base import BaseCommand, CommandError

from accounts.roles import ROLES, sync_roles


class Command(BaseCommand):
    help = (
        "Make the staff roles' groups (accounts.roles). Groups that exist are left as an administrator set them, "
        "unless --reset puts them back to the table."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Give every role exactly the table's permissions"
        )

    def handle(self, *args, reset=False, **options):
        missing = sync_roles(reset=reset)
        if missing:
            raise CommandError(f"The roles table names permissions that do not exist: {', '.join(missing)}")
        for role in ROLES:
            self.stdout.write(f"{role.name}: {len(role.permissions)} permissions. {role.summary}")
