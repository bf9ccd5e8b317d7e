"""What every /user/ method handler gets and the helpers they share.

A handler takes a `Call` (run inside the state transaction) and returns the answer's fields;
the dispatcher adds `"result": "success"`. Any ValueError (ApiError among them) becomes the
platform's HTTP 500 `{"result": "error", "message": ...}`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from fromni.methods import CHANNEL_ID_FIELDS, channel_family

from ..app import Sandbox
from ..listing import order, page
from ..state import PlatformState

K = TypeVar("K")
V = TypeVar("V")


class ApiError(ValueError):
    pass


@dataclass
class Call:
    sb: Sandbox
    state: PlatformState
    body: Any
    # The sandbox as the caller reached it (for links it hands out: storage URLs).
    base_url: str

    @property
    def args(self) -> dict[str, Any]:
        """The body as an object; list methods also take `null` or no fields."""
        if self.body is None:
            return {}
        if not isinstance(self.body, dict):
            raise ApiError("Request body must be a JSON object")
        return self.body


Handler = Callable[[Call], dict[str, Any]]


def found(mapping: Mapping[K, V], key: Any, what: str) -> V:
    """`mapping[key]`, or the platform's 500 "<what> not found"."""
    try:
        value = mapping.get(key)
    except TypeError:  # an unhashable key (a list or an object) names nothing
        value = None
    if value is None:
        raise ApiError(f"{what} not found")
    return value


def int_id(value: Any, name: str) -> int:
    """Integer ids (connections, templates, groups) may arrive as numbers or numeric strings."""
    if isinstance(value, bool):
        raise ApiError(f"Field '{name}' must be a number")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ApiError(f"Field '{name}' must be a number") from None
    if number != value and str(number) != str(value).strip():
        raise ApiError(f"Field '{name}' must be a number")
    return number


def list_of(value: Any, name: str, *, allow_empty: bool = False) -> list[Any]:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise ApiError(f"Field '{name}' must be a non-empty array")
    return value


def listed(
    call: Call,
    rows: list[V],
    value_of: Callable[[V, str], Any],
    known: Callable[[str], bool],
) -> list[V]:
    """Rows ordered by the call's `order` and cut by its `offset` and `limit`."""
    return paged(call, order(rows, call.args.get("order"), value_of, known))


def paged(call: Call, rows: list[V]) -> list[V]:
    """Rows cut by the call's `offset` and `limit`, as the sandbox's reading of paging says."""
    variants = call.sb.variants
    return page(rows, call.args, default_limit=variants.default_limit, cap=variants.page_cap)


def channel_designations(state: PlatformState, channels: Any) -> list[str]:
    """Designations in sending order from `[{name: "notify+vk", connections: [1, 2], ttl}]`.

    Refuses unknown designations and connections that do not exist.
    """
    designations: list[str] = []
    for entry in list_of(channels, "channels"):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ApiError("Each of channels must be an object with a 'name'")
        for designation in entry["name"].split("+"):
            if designation not in CHANNEL_ID_FIELDS:
                raise ApiError(f"Unknown channel '{designation}'")
            designations.append(designation)
        for conn_id in entry.get("connections") or []:
            found(state.connections, int_id(conn_id, "connections"), f"Connection {conn_id}")
    return designations


def require_connections(state: PlatformState, channels: Any) -> None:
    """The stricter reading (Variants.channel_entries_need_connections): every channel entry
    names its connections, each a connection of one of the entry's channels."""
    for entry in list_of(channels, "channels"):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            raise ApiError("Each of channels must be an object with a 'name'")
        ids = entry.get("connections")
        if not isinstance(ids, list) or not ids:
            raise ApiError(f"Field 'connections' is required for channel '{name}'")
        families = {channel_family(part) for part in name.split("+")}
        for conn_id in ids:
            conn = found(state.connections, int_id(conn_id, "connections"), f"Connection {conn_id}")
            if channel_family(conn.channel) not in families:
                raise ApiError(f"Connection {conn_id} is not a connection of '{name}'")
