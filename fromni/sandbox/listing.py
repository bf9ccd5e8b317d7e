"""offset / limit / order, as every list method of the reference takes them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

T = TypeVar("T")


class ListingError(ValueError):
    pass


def _non_negative_int(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ListingError(f"{name} must be a non-negative number")
    return int(value)


def page(
    rows: Sequence[T],
    body: dict[str, Any],
    *,
    default_limit: int | None = None,
    cap: int | None = None,
) -> list[T]:
    """Rows `offset..offset+limit`. No `limit` means every row (as the reference says), or
    `default_limit` rows (its other reading, "Default: 10"); `cap` bounds any page (a platform
    may serve fewer rows than asked). See fromni.sandbox.variants."""
    offset = _non_negative_int(body, "offset") or 0
    limit = _non_negative_int(body, "limit")
    if limit is None:
        limit = default_limit
    if cap is not None:
        limit = cap if limit is None else min(limit, cap)
    return list(rows[offset:] if limit is None else rows[offset : offset + limit])


def _sort_key(value: Any) -> tuple[int, Any]:
    # Missing values sort last in ascending order; numbers, dates and text never compare
    # with each other, so each gets its own rank.
    if value is None or value == "":
        return (3, 0)
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    if isinstance(value, datetime):
        return (1, value.timestamp())
    return (2, str(value).lower())


def order(
    rows: list[T], spec: Any, value_of: Callable[[T, str], Any], known: Callable[[str], bool]
) -> list[T]:
    """Rows sorted by `[[field, "ASC"|"DESC"], ...]` (first pair is the main key)."""
    if spec is None:
        return rows
    if not isinstance(spec, list):
        raise ListingError("order must be an array of [field, direction] pairs")
    result = list(rows)
    for pair in reversed(spec):  # stable sorts from the least significant key
        if not isinstance(pair, list | tuple) or len(pair) != 2 or not isinstance(pair[0], str):
            raise ListingError(f"Invalid order item {pair!r}")
        field, direction = pair[0], str(pair[1]).upper()
        if direction not in ("ASC", "DESC"):
            raise ListingError(f"Invalid order direction {pair[1]!r}")
        if not known(field):
            raise ListingError(f"Unknown order field {field!r}")
        result.sort(
            key=lambda row, f=field: _sort_key(value_of(row, f)), reverse=direction == "DESC"
        )
    return result
