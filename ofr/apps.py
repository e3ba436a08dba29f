from django.apps import AppConfig


class OfrConfig(AppConfig):
    name = "ofr"
    verbose_name = "OFR foundation"

    def ready(self) -> None:
        # Both connect sign-in and sign-out signal receivers.
        from ofr import audit, sessions  # noqa: F401
