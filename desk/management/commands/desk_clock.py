import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from desk.clock import clock_pass

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
        passes = 0
        while running:
            close_old_connections()
            try:
                # Pruning is cheap but pointless every second.
                done = clock_pass(prune=passes % 3600 == 0)
            except Exception:  # a bad pass must not stop the clock
                log.exception("clock pass failed")
            else:
                if any(done.values()):
                    log.info("clock: %s", done)
            passes += 1
            if once:
                return
            time.sleep(interval)
