"""Parsing request bodies as strict JSON."""

from __future__ import annotations

import json
import re
from typing import Any

# Deeper than any body the platform or the desk's pages send (a callback's deepest value, a
# contact's city in its VK profile, is 5 levels down). Everything that later walks a body
# (hashing, validation, the database's JSON) recurses, so depth is refused at the door.
MAX_DEPTH = 64

# What parsing may turn into a string no database can store: a NUL escape, or a surrogate
# (UTF-8 text has none, so in bytes it can only come from a \uD800-\uDFFF escape; json.loads
# joins escaped pairs, so what is left of them after parsing is unpaired).
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89abcdefABCDEF])")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BodyError(ValueError):
    """The body cannot be read as JSON; the message says why (safe to show the sender)."""


def _refuse_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON (and the database's JSON columns) do not.
    raise BodyError(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    # 1e400 is valid JSON, but Python reads it as infinity, which no JSON column stores.
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise BodyError(f"the number {text[:40]} is too large")
    return value


# Built once: json.loads with hooks would build a decoder for every body.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite)


def strict_json(raw: bytes | str) -> Any:
    """json.loads that refuses what the desk could not store or walk; raises ValueError
    (BodyError, or UnicodeDecodeError for bytes that are not UTF-8).

    Refused: NaN/Infinity, numbers beyond a float's range, values nested more than
    MAX_DEPTH levels. Repaired rather than refused, because a refused callback is lost once
    the platform gives up re-sending it: a NUL character (\\u0000, valid JSON, but PostgreSQL
    cannot store it in text or jsonb) and an unpaired UTF-16 surrogate (\\ud800 alone, valid
    JSON syntax, but not a character: nothing can encode it) both become U+FFFD.

    Bytes must be UTF-8 (RFC 8259), a leading byte order mark aside: json.loads alone would
    also take UTF-16 and UTF-32, and let encoded surrogates through."""
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise BodyError(f"the body is nested more than {MAX_DEPTH} levels deep") from None
    # Depth cannot exceed the number of brackets: only a body with many is walked.
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth_exceeds(value, MAX_DEPTH):
        raise BodyError(f"the body is nested more than {MAX_DEPTH} levels deep")
    escaped = "\\u" in text and _UNSTORABLE_ESCAPE.search(text)
    if escaped or (isinstance(raw, str) and _UNSTORABLE.search(raw)):
        value = _repaired(value)
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether containers nest deeper than `limit` (iterative: the value may be deep)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _repaired_text(text: str) -> str:
    return _UNSTORABLE.sub("\ufffd", text)


def _repaired(value: Any) -> Any:
    # Recursion is safe here: the depth was checked first.
    if isinstance(value, str):
        return _repaired_text(value)
    if isinstance(value, list):
        return [_repaired(item) for item in value]
    if isinstance(value, dict):
        return {_repaired_text(key): _repaired(item) for key, item in value.items()}
    return value
