from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    name = "callbacks"

    def ready(self) -> None:
        # Statuses parked for a reply's messageId are released when the outbox stores it.
        from callbacks import release

        release.connect()
