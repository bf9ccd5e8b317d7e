"""The long-running processes' heap: what start-up built stays out of full garbage collections."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Call once a process has loaded everything it serves with (Django, the URLconf, the
    routes), before it starts serving.

    CPython's full (generation 2) collection walks every tracked object, and start-up leaves
    hundreds of thousands of them that live as long as the process: Django, Twisted, the app
    modules. In daphne each full pass took long enough, often enough under a stream of
    callbacks, to show in the p99 of bench/latency.py: it holds the event loop, so callbacks
    waited to be stored and frames to be sent. Frozen, those objects are never walked again;
    what requests create later is collected as before.
    """
    gc.collect()  # nothing that is already garbage gets frozen
    gc.freeze()
