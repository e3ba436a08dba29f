from django.apps import AppConfig


class OfrConfig(AppConfig):
    name = "ofr"
    verbose_name = "OFR foundation"

    def ready(self) -> None:
        from ofr import audit  # noqa: F401  (connects the sign-in signal receivers)
