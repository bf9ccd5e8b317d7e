"""Run the whole embedded desk in one terminal: daphne, the sandbox platform, the workers.

Ctrl-C stops them all; a process that dies is started again (desk/devstack.py).
"""

from __future__ import annotations

import argparse
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
        parser.add_argument(
            "--showcase",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="the sandbox launches a few campaigns and notifications once the desk is up",
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        sandbox_port: int,
        autopilot: float,
        showcase: bool,
        **opts,
    ):
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
            if showcase:
                # Once the desk answers, so that their callbacks find it on the first attempt.
                stack.sandbox.control("POST", "showcase")
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
