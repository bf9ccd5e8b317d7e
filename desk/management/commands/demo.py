"""Run the whole embedded desk in one terminal: daphne, the sandbox platform, the workers.

Ctrl-C stops them all; a process that dies is started again (desk/devstack.py).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from desk.devstack import DeskStack


class Command(BaseCommand):
    help = "Serve the desk on daphne with the sandbox platform (autopilot) and the workers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=8100)
        parser.add_argument(
            "--autopilot", type=float, default=2, help="dialogs the sandbox starts per minute"
        )

    def handle(self, *args, host: str, port: int, sandbox_port: int, autopilot: float, **opts):
        stack = DeskStack(
            env={
                "FROMNI_API_TOKEN": settings.FROMNI_API_TOKEN,
                "FROMNI_CALLBACK_SECRET": settings.FROMNI_CALLBACK_SECRET,
            },
            host=host,
            ports=(port,),
            sandbox_port=sandbox_port,
            autopilot=autopilot,
            quiet=False,
        )
        stack.start()
        try:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Operator Desk on {stack.url}/  (sandbox: {stack.sandbox.base_url})"
                )
            )
            self.stdout.write("Ctrl-C stops everything.")
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            stack.stop()
