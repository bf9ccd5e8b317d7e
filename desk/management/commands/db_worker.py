"""`manage.py db_worker`: django-tasks-db's worker, riding out database restarts.

The library's worker exits on any database error but a locked SQLite file: an AdminShutdown
while it looks for a task, a lost connection while it records a result. Under systemd that is a
restart and a traceback every few seconds of an outage; under anything that does not restart
it, replies left queued. This one waits for the database to come back (a growing pause, the
outage logged once when it starts and once when it ends) and carries on with the same options,
queues included. A task it was running when the database went away stays "running" in the
task table; the desk recovers what the task was doing (desk/clock.py: replies stuck in
sending are checked, replies no worker took are queued again).

The app that holds this command comes before django_tasks_db in INSTALLED_APPS, so
`manage.py db_worker` is this one. `--reload` (the default with DEBUG) runs the library's
worker under Django's reloader unchanged: a development convenience, not for production.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, connection
from django_tasks_db.management.commands import db_worker

from operator_desk.db import reconnect_afresh
from operator_desk.outage import Outage, database_unavailable

log = logging.getLogger("desk.worker")


class Command(db_worker.Command):
    help = db_worker.Command.help + ", riding out database restarts"

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reload"]:
            return super().handle(*args, **options)
        outage = Outage("database (task worker)", log)
        while True:
            try:
                return super().handle(*args, **options)
            except DatabaseError as error:
                if not database_unavailable(error):
                    raise
                outage.failed(error)
            self._wait_for_database(outage)
            # Back: start again at once (the start-up delay is for a fleet starting together).
            options["startup_delay"] = False

    @staticmethod
    def _wait_for_database(outage: Outage) -> None:
        """Until a query answers. The library's signal handlers stay in place: SIGTERM or
        SIGINT meanwhile exits at once (there is no task running)."""
        while True:
            reconnect_afresh()
            outage.wait()
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
            except DatabaseError as error:
                if not database_unavailable(error):
                    raise
                outage.failed(error)
                continue
            outage.recovered()
            return
