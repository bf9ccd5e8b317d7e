"""Template text helpers: the `#VARIABLE#` placeholders and the platform's `regexpText`."""

from __future__ import annotations

import re

PLACEHOLDER = re.compile(r"#([^#\s][^#]*?)#")
_SPECIAL = set(".^$*+?{}[]\\|()")


def _escape(literal: str) -> str:
    # Only what is special in a pattern: re.escape would also escape spaces and punctuation,
    # which the platform's regexpText does not.
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in literal)


def regexp_text(text: str) -> str:
    """`"Hi #NAME#."` -> `"^Hi (.+)\\.$"`: the pattern an incoming text is matched with."""
    parts = PLACEHOLDER.split(text)
    # split() alternates literal text and placeholder names; names become capture groups.
    pattern = "".join(_escape(part) if i % 2 == 0 else "(.+)" for i, part in enumerate(parts))
    return f"^{pattern}$"
