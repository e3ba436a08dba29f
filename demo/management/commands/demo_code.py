from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from demo.second_factor import demo_key
from ofr.models import SecondFactor
from ofr.second_factor import current_code


class Command(BaseCommand):
    help = (
        "Print the code a demo user's authenticator app would show now. Only for "
        "users enrolled with the demo's published secret; never anyone else's."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        device = SecondFactor.objects.filter(user=user).first() if user else None
        if device is None or device.key != demo_key():
            raise CommandError(
                f"{username!r} is not a demo user enrolled with the demo secret: "
                "their code is on their own phone."
            )
        self.stdout.write(current_code(device))
