"""The other readings of the reference: switches that make the sandbox answer as a real account
might where the reference is ambiguous (docs/platform.md lists the ambiguities).

By default the sandbox fills every gap of the reference one way (docs/sandbox.md, "Where the
reference leaves room"); each switch here plays the other reading, so the desk's tests can run
against both. Every switch is a command-line flag, a FROMNI_SANDBOX_* variable and a setting of
the control API (`GET|POST /_sandbox/variants`); `POST /_sandbox/reset` restores the ones the
process started with.

Most switches act in the handlers; the ones that change how values are spelled (null for empty,
numeric ids, `whatsapp`, bare URL attachments) rewrite answers and callbacks on the way out
(`outgoing`) and read numeric ids back on the way in (`incoming`).
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from fromni.methods import CHANNEL_ID_FIELDS, METHODS_BY_PATH

WHATSAPP_NAMES = ("whatsapp-business", "whatsapp")


@dataclass(frozen=True)
class Variants:
    # Empty lists and objects in answers and callbacks are sent as `null`.
    null_empty: bool = False
    # Ids the reference shows as hex strings (contacts, dialogs, deals, variables...) are sent
    # as numbers, and read back as numbers or numeric strings.
    numeric_ids: bool = False
    # At most this many rows a page, whatever `limit` asks (None: no cap).
    page_cap: int | None = None
    # A list request without `limit` gets this many rows (None: all of them; the reference
    # says both "Default: 10" and "do not specify it to return all records").
    default_limit: int | None = None
    # deals/list ignores `filter` (the reference documents only `filter: {}`).
    deals_filter_ignored: bool = False
    # conversations/messages lists the bot history only, not the operator's sends.
    messages_without_operator_sends: bool = False
    # How WhatsApp Business is spelled in answers and callbacks.
    whatsapp_name: str = "whatsapp-business"
    # channels/connections answers a list of {id, channel, name} instead of a map.
    connections_as_list: bool = False
    # A notification reports sent, delivered, read (no statusDetails) instead of one status.
    notification_status_sequence: bool = False
    # The contacts filter takes variables (and `channels`) only: createdAt, identifiers and
    # profile paths are refused.
    contact_filter_variables_only: bool = False
    # contacts/update takes one identifier and no null; contacts/variables takes no null value.
    strict_contact_writes: bool = False
    # Changes made through the API send no contact_created / contact_updated callback.
    no_write_callbacks: bool = False
    # callback/get answers only `secret` (the reference's sample), no `callbackUrl`.
    callback_get_secret_only: bool = False
    # Users' attachments come as bare URL strings, not {type, url, name} objects.
    attachments_as_urls: bool = False
    # notifications/send without `channels` uses the account's channels (the reference's text)
    # instead of being refused (its field table marks `channels` required).
    notification_channels_optional: bool = False
    # A channel entry of notifications/send or campaigns/launch must name its `connections`
    # (the reference's examples always do; its field table does not say).
    channel_entries_need_connections: bool = False
    # API paths served under another name: {path in fromni.methods: path served}.
    renamed_paths: Mapping[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            _camel(f.name): dict(value) if isinstance(value, Mapping) else value
            for f in fields(self)
            for value in [getattr(self, f.name)]
        }

    def served_path(self, path: str) -> str:
        return self.renamed_paths.get(path, path)

    def method_path(self, served: str) -> str | None:
        """The method table's path of a path as served, None for one renamed away."""
        for original, renamed in self.renamed_paths.items():
            if served == renamed:
                return original
        if served in self.renamed_paths:
            return None
        return served


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_BY_CAMEL = {_camel(f.name): f.name for f in fields(Variants)}


# --- parsing, shared by the CLI, the environment and the control API --------------------------


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{name} must be true or false")


def _rows(value: Any, name: str) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "off")):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer or null")
    return value


def _whatsapp(value: Any, name: str) -> str:
    if value not in WHATSAPP_NAMES:
        raise ValueError(f"{name} must be one of {', '.join(WHATSAPP_NAMES)}")
    return value


def _renames(value: Any, name: str) -> dict[str, str]:
    if isinstance(value, str):
        pairs = [item.split("=", 1) for item in value.split(",") if item.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError(f"{name} must be OLD=NEW pairs")
        value = {old.strip(): new.strip() for old, new in pairs}
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be an object {{path: new path}}")
    renames: dict[str, str] = {}
    for old, new in value.items():
        old_path, new_path = str(old).strip("/"), str(new).strip("/") if new else ""
        if old_path not in METHODS_BY_PATH:
            raise ValueError(f"{name}: {old!r} is not an API method path")
        if not new_path or new_path in METHODS_BY_PATH:
            raise ValueError(f"{name}: {new!r} must be a new path, not empty or an existing one")
        renames[old_path] = new_path
    if len(set(renames.values())) != len(renames):
        raise ValueError(f"{name}: two paths cannot be renamed to the same one")
    return renames


_PARSERS: dict[str, Callable[[Any, str], Any]] = {
    "page_cap": _rows,
    "default_limit": _rows,
    "whatsapp_name": _whatsapp,
    "renamed_paths": _renames,
}


def parse_value(name: str, value: Any) -> Any:
    """A setting's value from JSON or text (`name` in snake_case); ValueError if it is wrong."""
    return _PARSERS.get(name, _flag)(value, _camel(name))


def updated(current: Variants, changes: Any) -> Variants:
    """`current` with the control API's `{camelName: value}` changes; ValueError names a wrong
    or unknown setting and nothing changes."""
    if not isinstance(changes, Mapping):
        raise ValueError("body must be an object of settings")
    unknown = [key for key in changes if key not in _BY_CAMEL]
    if unknown:
        raise ValueError(
            f"unknown setting(s) {', '.join(map(str, unknown))}; known: {', '.join(_BY_CAMEL)}"
        )
    parsed = {_BY_CAMEL[key]: parse_value(_BY_CAMEL[key], value) for key, value in changes.items()}
    return replace(current, **parsed)


# --- the command line ------------------------------------------------------------------------

_HELP = {
    "null_empty": "send null for empty lists and objects",
    "numeric_ids": "send string ids (contacts, dialogs, deals...) as numbers",
    "page_cap": "at most N rows a page, whatever limit asks",
    "default_limit": "N rows when a list request has no limit (default: all)",
    "deals_filter_ignored": "deals/list ignores its filter",
    "messages_without_operator_sends": "conversations/messages lists the bot history only",
    "whatsapp_name": "how WhatsApp Business is spelled in answers and callbacks",
    "connections_as_list": "channels/connections answers a list of {id, channel, name}",
    "notification_status_sequence": "notifications report sent, delivered, read",
    "contact_filter_variables_only": "the contacts filter refuses fields that are no variable",
    "strict_contact_writes": "contacts/update takes one field, no null; no null variable values",
    "no_write_callbacks": "no contact callbacks for changes made through the API",
    "callback_get_secret_only": "callback/get answers only the secret",
    "attachments_as_urls": "users' attachments are bare URL strings",
    "notification_channels_optional": "notifications/send without channels uses the account's",
    "channel_entries_need_connections": "a channel entry must name its connections",
    "renamed_paths": "serve API path OLD as NEW (OLD=NEW, comma-separated or repeated)",
}


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def add_arguments(parser: argparse.ArgumentParser, env: Callable[[str], str | None]) -> None:
    """One flag per switch; each falls back to FROMNI_SANDBOX_<NAME> (`env(NAME)`)."""
    group = parser.add_argument_group("readings of the reference (docs/platform.md)")
    for item in fields(Variants):
        name = item.name
        from_env = env(name.upper())
        if item.type == "bool":
            default = parse_value(name, from_env) if from_env is not None else False
            group.add_argument(
                _option(name), action="store_true", default=default, help=_HELP[name]
            )
        elif name == "renamed_paths":
            group.add_argument(
                "--rename-path",
                dest=name,
                action="append",
                default=[from_env] if from_env else [],
                metavar="OLD=NEW",
                help=_HELP[name],
            )
        else:
            group.add_argument(
                _option(name),
                default=from_env,
                metavar="NAME" if name == "whatsapp_name" else "N",
                help=_HELP[name],
            )


def from_arguments(args: argparse.Namespace) -> Variants:
    """The switches of parsed arguments; ValueError names a wrong one."""
    values: dict[str, Any] = {}
    for item in fields(Variants):
        raw = getattr(args, item.name)
        if item.name == "renamed_paths":
            raw = ",".join(raw)
        if raw is None:
            continue
        values[item.name] = parse_value(item.name, raw)
    return Variants(**values)


def cli_arguments(settings: Mapping[str, Any]) -> list[str]:
    """The command-line flags for control-API style settings ({camelName: value})."""
    chosen = updated(Variants(), settings)
    args: list[str] = []
    for item in fields(Variants):
        value = getattr(chosen, item.name)
        if value == getattr(Variants(), item.name):
            continue
        if item.type == "bool":
            args.append(_option(item.name))
        elif item.name == "renamed_paths":
            for old, new in value.items():
                args += ["--rename-path", f"{old}={new}"]
        else:
            args += [_option(item.name), str(value)]
    return args


def from_environment() -> Variants:
    """The switches set by FROMNI_SANDBOX_* variables alone (for embedding without the CLI)."""
    parser = argparse.ArgumentParser(add_help=False)
    add_arguments(parser, lambda name: os.environ.get("FROMNI_SANDBOX_" + name))
    return from_arguments(parser.parse_args([]))


# --- spelling: answers and callbacks out, requests in ------------------------------------------

_OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
# Request fields that carry a string id (the filter's `value` too, when its `field` is one).
_ID_KEYS = frozenset(
    {"id", "contactId", "conversationId", "dealId", "attributeId", "productId", "preservedId"}
)
_FILTER_ID_FIELDS = frozenset({"id", "contactId"})
# Numeric ids start here: well away from the small integer ids (connections, templates).
_FIRST_NUMBER = 9_000_000_001


class IdNumbers:
    """A number for each hex id the sandbox has shown as a number, and back."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._ids: dict[int, str] = {}
        self._next = itertools.count(_FIRST_NUMBER)
        self._lock = threading.Lock()

    def number(self, hex_id: str) -> int:
        with self._lock:
            number = self._numbers.get(hex_id)
            if number is None:
                number = next(self._next)
                self._numbers[hex_id], self._ids[number] = number, hex_id
            return number

    def hex_id(self, value: Any) -> Any:
        """The hex id behind a number (or its decimal string); anything else unchanged."""
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            number: Any = int(value.strip())
        elif isinstance(value, int):
            number = value
        else:
            return value
        with self._lock:
            return self._ids.get(number, value)


def _channel_name(value: Any, spelling: str) -> Any:
    if not isinstance(value, str) or spelling == "whatsapp-business":
        return value
    parts = value.split("+")
    if "whatsapp-business" in parts and all(part in CHANNEL_ID_FIELDS for part in parts):
        return "+".join(spelling if part == "whatsapp-business" else part for part in parts)
    return value


def outgoing(variants: Variants, numbers: IdNumbers, payload: Any) -> Any:
    """An answer's or a callback's JSON as this reading spells it (a new object)."""

    def walk(value: Any, key: str | None) -> Any:
        if isinstance(value, dict):
            result = {}
            for name, item in value.items():
                if variants.whatsapp_name != "whatsapp-business" and name == "whatsapp-business":
                    name = variants.whatsapp_name
                result[name] = walk(item, name)
            value = result
        elif isinstance(value, list):
            if key == "attachments" and variants.attachments_as_urls:
                value = [_bare_url(item) for item in value]
            value = [walk(item, None) for item in value]
        elif key in ("channel", "name"):
            value = _channel_name(value, variants.whatsapp_name)
        elif (
            variants.numeric_ids
            and isinstance(value, str)
            and (key == "id" or (key or "").endswith("Id"))
            and _OBJECT_ID.match(value)
        ):
            value = numbers.number(value)
        if variants.null_empty and key is not None and value in ([], {}):
            return None
        return value

    if not isinstance(payload, dict):
        return payload
    return {name: walk(item, name) for name, item in payload.items()}


def _bare_url(item: Any) -> Any:
    return item["url"] if isinstance(item, dict) and isinstance(item.get("url"), str) else item


def incoming(variants: Variants, numbers: IdNumbers, body: Any) -> Any:
    """A request's JSON with numeric ids read back as the hex ids they stand for."""
    if not variants.numeric_ids:
        return body

    def read(value: Any) -> Any:
        if isinstance(value, list):
            return [numbers.hex_id(item) for item in value]
        return numbers.hex_id(value)

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(item) for item in value]
        if not isinstance(value, dict):
            return value
        result = {}
        for name, item in value.items():
            an_id = name in _ID_KEYS and not isinstance(item, dict)
            if an_id or (name == "value" and value.get("field") in _FILTER_ID_FIELDS):
                result[name] = read(item)
            else:
                result[name] = walk(item)
        return result

    return walk(body)
