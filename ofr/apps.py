from django.apps import AppConfig, apps


class OfrConfig(AppConfig):
    name = "ofr"
    verbose_name = "OFR foundation"

    def ready(self) -> None:
        # Both connect sign-in and sign-out signal receivers.
        from ofr import audit, sessions  # noqa: F401
        from ofr.choices import use_cached_choice_labels

        use_cached_choice_labels(apps.get_models())
