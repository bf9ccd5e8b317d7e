"""Identifiers shaped like the platform's: MongoDB ObjectIds for documents."""

from __future__ import annotations

import itertools
import os
import random
import threading
import time

# An ObjectId is 4 bytes of seconds since the epoch, 5 random bytes fixed per process and a
# 3-byte counter; we build them the same way so they sort by creation time like the real ones.
_PROCESS_BYTES = os.urandom(5)
_counter = itertools.count(random.randrange(0xFFFFFF))
_lock = threading.Lock()


def object_id() -> str:
    """A new 24-hex-digit ObjectId string."""
    with _lock:
        count = next(_counter) & 0xFFFFFF
    seconds = int(time.time()) & 0xFFFFFFFF
    return (seconds.to_bytes(4, "big") + _PROCESS_BYTES + count.to_bytes(3, "big")).hex()
