from django.core.management.base import BaseCommand

from providers import ready_templates


class Command(BaseCommand):
    help = (
        "Install (or bring up to date) the ready-made victims' services and IDVA/ISVA monitoring templates."
    )

    def handle(self, *args, **options):
        for template in ready_templates.install().values():
            self.stdout.write(f"{template.name}: {template.measures.count()} measures")
