from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallbacksConfig(AppConfig):
    name = "callbacks"
    verbose_name = _("Callbacks")

    def ready(self) -> None:
        # Statuses parked for a reply's messageId are released when the outbox stores it.
        from callbacks import release

        release.connect()
