"""Run the whole embedded desk in one terminal: daphne, the sandbox platform, the workers.

Ctrl-C (or any child dying) stops them all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from fromni.sandbox.process import SandboxProcess


class Command(BaseCommand):
    help = "Serve the desk on daphne with the sandbox platform (autopilot) and the workers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sandbox-port", type=int, default=8100)
        parser.add_argument(
            "--autopilot", type=int, default=2, help="dialogs the sandbox starts per minute"
        )

    def handle(self, *args, host: str, port: int, sandbox_port: int, autopilot: int, **opts):
        desk_url = f"http://{host}:{port}"
        sandbox = SandboxProcess(
            host=host,
            port=sandbox_port,
            token=settings.FROMNI_API_TOKEN,
            secret=settings.FROMNI_CALLBACK_SECRET,
            callback_url=f"{desk_url}/fromni/callback/",
            autopilot=autopilot,
        )
        env = {**os.environ, "FROMNI_BASE_URL": f"http://{host}:{sandbox_port}/user"}
        children: list[subprocess.Popen] = []
        sandbox.start()
        try:
            children.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "daphne",
                        "-b",
                        host,
                        "-p",
                        str(port),
                        "operator_desk.asgi:application",
                    ],
                    env=env,
                )
            )
            for command in worker_commands():
                children.append(subprocess.Popen([sys.executable, "manage.py", *command], env=env))
            self.stdout.write(
                self.style.SUCCESS(f"Operator Desk on {desk_url}/  (sandbox: {sandbox.base_url})")
            )
            self.stdout.write("Ctrl-C stops everything.")
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            self.stderr.write("A process of the desk stopped; stopping the rest.")
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
            sandbox.stop()


def worker_commands() -> list[list[str]]:
    """The background workers the desk needs, as manage.py commands."""
    return [
        ["db_worker", "--interval", "0.2", "--no-reload", "--no-startup-delay"],
        ["desk_clock"],
    ]
