from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperatorsConfig(AppConfig):
    name = "operators"
    verbose_name = _("Operators")

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_out

        from operators.presence import presence_on_logout
        from operators.sign_in import on_locked_out

        user_logged_out.connect(presence_on_logout, dispatch_uid="operators.presence.logout")
        user_locked_out.connect(on_locked_out, dispatch_uid="operators.sign_in.locked_out")
