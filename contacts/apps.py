from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _register_sqlite_functions(sender, connection, **kwargs) -> None:  # noqa: ANN001, ANN003
    # SQLite's lower() folds ASCII only; the contact filter's `contains` must fold "ИВАН" too,
    # as the platform (and PostgreSQL's lower()) do.
    if connection.vendor == "sqlite":
        connection.connection.create_function("DESK_LOWER", 1, _lower, deterministic=True)


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        connection_created.connect(_register_sqlite_functions, dispatch_uid="contacts.sqlite_fns")
