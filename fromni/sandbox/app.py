"""The sandbox as one object: configuration, state, scheduler, callbacks, faults and logs.

Everything that plays the platform (the API handlers, dialogs, profiles, storage, the control
API, the autopilot) is handed this object and imports it; it imports none of them, so the
dependencies run one way. What drives the sandbox from outside (the server, the autopilot) is
put together with it by `__main__`.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .callbacks import CallbackDispatcher
from .faults import FaultBook
from .logbook import LogBook
from .scheduler import Scheduler
from .seed import seed_state
from .state import PlatformState, StateStore
from .variants import IdNumbers, Variants, outgoing

log = logging.getLogger(__name__)

DEFAULT_STATUS_DELAYS = (1.0, 3.0)
# The callbacks a change made through the API sends about itself (held back by
# Variants.no_write_callbacks; a merge it causes is still announced).
WRITE_ECHOES = ("contact_created", "contact_updated")


@dataclass(frozen=True)
class SandboxConfig:
    token: str
    callback_url: str = ""
    secret: str = ""
    host: str = "127.0.0.1"
    port: int = 8100
    # Dialogs a minute started by the autopilot (0: none); __main__ runs it.
    autopilot: float = 0.0
    # Every sandbox schedule runs this many times faster (never operatorMode.expiresAt).
    time_scale: float = 1.0
    # Seconds until an operator's message is delivered and read; None: it stays `sent`.
    status_delays: tuple[float, float] | None = DEFAULT_STATUS_DELAYS
    # Which reading of the reference's ambiguities the sandbox plays (variants.py).
    variants: Variants = field(default_factory=Variants)


class Sandbox:
    def __init__(self, config: SandboxConfig, *, rng: random.Random | None = None) -> None:
        if config.time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.config = config
        self.rng = rng or random.Random()
        self.store = StateStore(seed_state(config.callback_url, config.secret))
        self.scheduler = Scheduler()
        self.callbacks = CallbackDispatcher(
            self._callback_target, self.scheduler, time_scale=config.time_scale
        )
        self.faults = FaultBook()
        self.requests = LogBook()
        # The reading played now: the control API may change it; reset restores the start's.
        self.variants = config.variants
        self.id_numbers = IdNumbers()
        # Counts resets: an API call that began before one (held by a `timeout` fault) neither
        # takes effect nor is logged after it.
        self.resets = 0
        # Set while an API write runs, so that no_write_callbacks can hold its callbacks back.
        self._in_api_write = threading.local()
        # Set on shutdown: long waits (the `timeout` fault) end at once.
        self.stopping = threading.Event()
        # Signs storage upload parameters so an upload must carry the fields it was given.
        self.signing_key = os.urandom(32)
        # Where links the sandbox makes on its own (users' attachments) point; the server
        # sets it once it has bound its port.
        self.public_url = f"http://{config.host}:{config.port}"

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self.scheduler.start()
        self.callbacks.start()

    def stop(self) -> None:
        self.stopping.set()
        self.scheduler.stop()
        self.callbacks.stop()

    def reset(self) -> None:
        """Back to the seed: dialogs, contacts, uploads, callbacks, faults and logs forgotten."""
        with self.store.transaction():
            self.scheduler.clear()
            self.callbacks.reset()
            self.store.reset()
            self.faults.clear()
            self.requests.clear()
            self.variants = self.config.variants
            self.resets += 1

    # --- helpers for handlers ----------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[PlatformState]:
        with self.store.transaction() as state:
            yield state

    def emit(self, body: dict[str, Any]) -> None:
        """Send a callback to the desk (queued; retried on the scaled schedule), spelled as the
        current reading says (variants.outgoing)."""
        variants = self.variants
        quiet = variants.no_write_callbacks and getattr(self._in_api_write, "active", False)
        if quiet and body.get("type") in WRITE_ECHOES:
            return
        self.callbacks.send(outgoing(variants, self.id_numbers, body))

    @contextmanager
    def api_write(self) -> Iterator[None]:
        """Around an API write method's handler (see Variants.no_write_callbacks)."""
        self._in_api_write.active = True
        try:
            yield
        finally:
            self._in_api_write.active = False

    def later(self, seconds: float, job: Callable[[PlatformState], None]) -> None:
        """Run `job(state)` under the state lock after `seconds` of sandbox (scaled) time."""

        def run() -> None:
            with self.store.transaction() as state:
                job(state)

        self.scheduler.call_later(self.scaled(seconds), run)

    def scaled(self, seconds: float) -> float:
        return seconds / self.config.time_scale

    def _callback_target(self) -> tuple[str, str]:
        with self.store.transaction() as state:
            return state.callback_url, state.secret
