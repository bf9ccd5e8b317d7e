"""manage.py fromni_sync [variables|contacts|connections|templates|conversations] ...

Backfills the desk from the platform's API, page by page with a progress bar. Safe to stop
(Ctrl-C) and run again: every row is an idempotent upsert, and the contact backfill goes on
from where it stopped (see contacts/sync.py).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from contacts.sync import KINDS, sync
from fromni.errors import FromniError
from operator_desk.platform import platform_client


class Command(BaseCommand):
    help = "Backfill contacts, variables, connections, templates and conversations from Fromni."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kinds",
            nargs="*",
            metavar="KIND",
            help=f"what to sync (default: {' '.join(KINDS)})",
        )
        parser.add_argument(
            "--restart",
            action="store_true",
            help="read every contact again instead of going on from an interrupted run",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar (e.g. in logs)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = options["kinds"] or list(KINDS)
        # Checked here, not with argparse choices: Python 3.11 refuses an empty `*` list there.
        unknown = [kind for kind in kinds if kind not in KINDS]
        if unknown:
            raise CommandError(f"unknown kind {', '.join(unknown)}; use {', '.join(KINDS)}")
        client = platform_client()
        for kind in kinds:
            bar = tqdm(
                desc=kind,
                unit=" rows",
                file=sys.stderr,
                disable=options["no_progress"] or None,  # None: only on a terminal
                dynamic_ncols=True,
            )

            def progress(done: int, total: int | None, bar: tqdm = bar) -> None:
                if total is not None and bar.total != total:
                    bar.total = total
                bar.n = done
                bar.refresh()

            try:
                report = sync(kind, client, progress, restart=options["restart"])
            except KeyboardInterrupt:
                bar.close()
                self.stderr.write(f"{kind}: interrupted; run the same command again to go on.")
                raise SystemExit(130) from None
            except FromniError as error:
                bar.close()
                raise CommandError(f"{kind}: {error}") from error
            bar.close()
            self.stdout.write(report.line())
