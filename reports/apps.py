from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def _register_sqlite_functions(sender, connection, **kwargs) -> None:  # noqa: ANN001, ANN003
    # SQLite has no ordered-set aggregates: reports.sql.Percentile uses this one there.
    if connection.vendor == "sqlite":
        from reports.sql import SqlitePercentile

        connection.connection.create_aggregate("DESK_PERCENTILE", 2, SqlitePercentile)


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        connection_created.connect(_register_sqlite_functions, dispatch_uid="reports.sqlite_fns")
