"""manage.py fromni_probe [--json]

Calls every read-only method of the platform account the desk is configured for (FROMNI_BASE_URL,
FROMNI_API_TOKEN) with a harmless body and reports per path: answered (and whether the answer
fits the desk's models), refused (the platform's words), not found (a wrong path guess),
unauthorised, unreachable; then which reading of the reference's ambiguities the account uses
(docs/platform.md). It never changes anything on the platform. The run is audited.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from administration.probe import platform_probe


class Command(BaseCommand):
    help = "Probe the Fromni account with read-only calls; report per path and per ambiguity."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        report = platform_probe(actor=None, via="command")
        if options["json"]:
            payload = {
                "baseUrl": report.base_url,
                "startedAt": report.started_at.isoformat(),
                "paths": [asdict(p) for p in report.paths],
                "readings": [asdict(r) for r in report.readings],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self.stdout.write("\n".join(report.lines()))
