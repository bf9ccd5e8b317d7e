from django.apps import AppConfig


class OperatorsConfig(AppConfig):
    name = "operators"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from operators.presence import presence_on_logout

        user_logged_out.connect(presence_on_logout, dispatch_uid="operators.presence.logout")
