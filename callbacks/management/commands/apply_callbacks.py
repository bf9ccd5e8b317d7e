import signal

from django.core.management.base import BaseCommand

from callbacks.applier import run_applier
from operator_desk.heap import freeze_startup_objects


class Command(BaseCommand):
    help = "Apply the callbacks the endpoint stored, as they arrive (run one or more)."

    def handle(self, *args, **options) -> None:
        running = True

        def stop(*_):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        freeze_startup_objects()
        run_applier(running=lambda: running)
