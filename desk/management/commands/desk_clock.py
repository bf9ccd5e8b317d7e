import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from desk.clock import clock_pass
from operator_desk.db import reconnect_afresh
from operator_desk.outage import Outage, database_unavailable

log = logging.getLogger("desk.clock")


class Command(BaseCommand):
    help = "Expire conversations whose window passed, recover stuck sends, prune old events."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between passes")
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args, interval: float, once: bool, **options) -> None:
        running = True

        def stop(*_):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # The database away: a warning when it goes and when it is back, passes more seldom
        # meanwhile (not a traceback a pass).
        outage = Outage("database (clock)", log, first_pause=interval, max_pause=max(interval, 2))
        passes = 0
        while running:
            close_old_connections()
            try:
                # Pruning is cheap but pointless every second.
                done = clock_pass(prune=passes % 3600 == 0)
            except Exception as error:  # a bad pass must not stop the clock
                if not database_unavailable(error):
                    log.exception("clock pass failed")
                else:
                    outage.failed(error)
                    reconnect_afresh()
            else:
                outage.recovered()
                if any(done.values()):
                    log.info("clock: %s", done)
            passes += 1
            if once:
                return
            if outage.ongoing:
                outage.wait(lambda: running)
            else:
                time.sleep(interval)
