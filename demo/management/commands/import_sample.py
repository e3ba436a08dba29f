"""`manage.py import_sample`: write the demo's sample case import (see
demo/import_sample.py) from the loaded demo."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.import_sample import sample_csv
from ofr.models import Team

DEFAULT = settings.BASE_DIR / "demo" / "samples" / "me-cases.csv"


class Command(BaseCommand):
    help = "Write demo/samples/me-cases.csv (or --output) from the loaded demo."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", default=str(DEFAULT), help="Where to write the CSV.")

    def handle(self, *args, output: str, **options) -> None:
        if not Team.objects.filter(short_code="RIV").exists():
            raise CommandError("Load the demo first (manage.py demo): the sample names its cases.")
        Path(output).write_text(sample_csv(), encoding="utf-8")
        self.stdout.write(f"Wrote {output}.")
