from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    # Installed for its management command (generate_scale_data); it owns no tables.
    name = "benchmarks"
    verbose_name = "Benchmarks"
