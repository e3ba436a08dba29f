"""Print the SUDORS mapping as markdown: docs/sudors-mapping.md is its output."""

from django.core.management.base import BaseCommand

from cases.exchange.sudors import mapping_markdown


class Command(BaseCommand):
    help = "Print the case file's SUDORS variable mapping as markdown (docs/sudors-mapping.md)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(mapping_markdown(), ending="")
