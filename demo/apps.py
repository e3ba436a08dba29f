from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The synthetic-data builders: the demo (`manage.py demo`) and the
    benchmarks (`manage.py bench`, `manage.py bench_packet`). No models; it
    imports from every app and nothing imports from it."""

    name = "demo"
    verbose_name = "Demo and benchmark data"
