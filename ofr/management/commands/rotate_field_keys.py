from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from ofr.encryption import encrypted_models, field_keys_rotated, rotate_stored, stale_count


class Command(BaseCommand):
    help = (
        "After a new key was put first in FIELD_ENCRYPTION_KEYS: rebuild the blind "
        "indexes under it, then re-encrypt under it every encrypted value (history "
        "included) still under an older key. The values do not change, so no history "
        "is written. Then the older keys can go. --check counts the values not under "
        "the newest key and exits 1 if there are any."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing: count the values not under the newest key (exit 1 if any).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Rows read and updated at a time."
        )

    def handle(self, *args, check: bool, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            if check:
                self.check_keys(batch_size)
            else:
                self.rotate(batch_size)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc

    def check_keys(self, batch_size: int) -> None:
        stale = 0
        for model, fields in encrypted_models().items():
            count = stale_count(model, fields, batch_size)
            if count:
                self.stdout.write(f"{model._meta.label}: {count} values under an older key")
            stale += count
        if stale:
            raise CommandError(
                f"{stale} encrypted values are not under the newest key: "
                "run `manage.py rotate_field_keys`."
            )
        self.stdout.write("Every encrypted value is under the newest key.")

    def rotate(self, batch_size: int) -> None:
        # Derived data first: once every value is under the newest key (what
        # --check tests), the blind indexes are too, even if this run stopped.
        for _receiver, said in field_keys_rotated.send(sender=self.__class__):
            if said:
                self.stdout.write(said)
        total = 0
        for model, fields in encrypted_models().items():
            rotated, skipped = rotate_stored(model, fields, batch_size)
            self.stdout.write(f"{model._meta.label}: {rotated} values re-encrypted")
            if skipped:
                self.stdout.write(
                    f"{model._meta.label}: {skipped} rows changed meanwhile and were "
                    "skipped; run again to take them"
                )
            total += rotated
        self.stdout.write(f"Re-encrypted {total} values under the newest key.")
