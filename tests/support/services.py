"""What a test needs from the machine beyond the suite (a Redis server, PostgreSQL's binaries).

Where it is missing, a developer's run skips the test and says why; where the services are
required (REQUIRE_SERVICES=1: CI, .ci/run), the test fails instead, so a pass that was meant to
exercise them cannot go green without doing so.
"""

from __future__ import annotations

import os

import pytest

REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"


def require(available: bool, what: str) -> None:
    """Go on if `available`; otherwise skip, or fail under REQUIRE_SERVICES=1."""
    __tracebackhide__ = True  # reported at the test's line, not here
    if available:
        return
    if REQUIRED:
        pytest.fail(f"needs {what}, which REQUIRE_SERVICES=1 requires")
    pytest.skip(f"needs {what}")
