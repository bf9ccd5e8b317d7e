"""Pieces of request bodies shared by several API sections, spelled as the reference shows them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ..errors import FromniValueError
from ..models import format_datetime

JSONBody = Mapping[str, Any] | Sequence[Any]
# A channel step of a notification or campaign: a designation such as "notify+vk", or the full
# object {"name", "connections", "ttl", "message"?}.
ChannelSpec = str | Mapping[str, Any]


def compact(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The body without the optional fields the caller left out (None), so the platform
    applies its documented defaults instead of receiving explicit nulls."""
    return {key: value for key, value in fields.items() if value is not None}


def json_default(value: Any) -> Any:
    """How json.dumps writes what it cannot: callers may pass models and datetimes inside
    free-form parts of a body (filters, data)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def paging(offset: int, limit: int, method: str) -> dict[str, int]:
    """`offset` and `limit`, always both: how the platform reads a missing `limit` is
    ambiguous (docs/platform.md), so the desk never leaves it out."""
    for name, value, least in (("offset", offset, 0), ("limit", limit, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise FromniValueError(f"{name} must be an integer >= {least}", method=method)
    return {"offset": offset, "limit": limit}


def order(columns: Sequence[Sequence[str]] | None) -> list[list[str]] | None:
    """A list method's `order` ([["createdAt", "ASC"], ...]), or None to leave it out."""
    return [list(c) for c in columns] if columns is not None else None


def message(text: str | None, attachments: Iterable[Any]) -> dict[str, Any]:
    """A message body. The reference always shows `attachments`, empty when there are none;
    `text` may be left out (None) for an attachment-only message."""
    return compact({"text": text, "attachments": list(attachments)})


def channels(channels: Iterable[ChannelSpec]) -> list[Any]:
    return [{"name": c} if isinstance(c, str) else dict(c) for c in channels]


def date(value: datetime | str | None, method: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    try:
        return format_datetime(value)
    except ValueError as exc:
        raise FromniValueError(str(exc), method=method) from None
