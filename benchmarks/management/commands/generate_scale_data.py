"""Add realistic volumes of data on top of the demo data, for benchmarks: see benchmarks/scale_data.py for what is
made and how the money rules are kept without calling the per-award services."""

from django.core.management.base import BaseCommand, CommandError

from benchmarks.scale_data import ScaleDataError, generate, summary


class Command(BaseCommand):
    help = (
        "Generate scale data (PostgreSQL only): organisations, applications in every status, awards committed "
        "against budget lines, providers and monitoring returns. Refuses a database that already has some "
        "unless --force, which adds another batch beside it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, default=100_000)
        parser.add_argument("--organisations", type=int, default=10_000)
        parser.add_argument("--returns", type=int, default=50_000, help="Monitoring returns (0 for none)")
        parser.add_argument(
            "--seed", type=int, default=0, help="The same seed on an empty database gives the same data"
        )
        parser.add_argument(
            "--force", action="store_true", help="Add another batch to a database that has one"
        )

    def handle(self, *args, applications, organisations, returns, seed, force, **options):
        try:
            result = generate(
                applications=applications,
                organisations=organisations,
                returns=returns,
                seed=seed,
                force=force,
                out=self.stdout.write,
            )
        except ScaleDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Scale data batch {result['batch']} added. The database now holds:")
        )
        for name, count in summary().items():
            self.stdout.write(f"  {name}: {count:,}")
