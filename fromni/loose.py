"""Liberal types for what the platform sends: accept every plausible spelling of a value.

The reference shows one spelling of each value and a real account may use another (see
docs/platform.md, "Where the reference is ambiguous"). The desk is liberal in what it accepts
and strict in what it sends, so these annotated types turn the other spellings into the one the
desk works with, instead of failing a whole answer (or callback) over one field:

- `LooseList[T]`: `null` for an empty list becomes `[]`.
- `LooseDict`: `null` for an empty object becomes `{}`.
- `StrId`: an id the reference shows as a string may come as a number; it becomes its decimal
  string (pydantic alone refuses numbers for `str`).
- `LooseAttachments`: a message's attachments, `null` or a list of `{url, name, type}` objects
  or of bare URL strings ("insert the mediaUrl"); strings become `{"url", "name", "type"}`.
- `Status`, `Channel`: any string is kept (an unknown status or channel is shown, never refused).

Each type can also say what it had to accept. Validate with
`context={"observed": Observations()}` and every leniency used is noted there by model and
field (`null_as_empty`, `number_as_id`, `unknown_status`, ...); the probe (fromni.probe)
reports them to tell which reading a real account uses. Without that context they cost nothing
more. No Django here.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, ValidationInfo

from .methods import CHANNEL_ID_FIELDS, MESSAGE_STATUSES

__all__ = [
    "KINDS",
    "Channel",
    "LooseAttachments",
    "LooseDict",
    "LooseList",
    "Observation",
    "Observations",
    "Status",
    "StrId",
    "attachment_from",
    "observing",
]

T = TypeVar("T")

# Every leniency a type may note, with what it means (the probe shows these words).
KINDS: dict[str, str] = {
    "null_as_empty": "null where the reference shows an empty list or object",
    "number_as_id": "a number where the reference shows a string id",
    "url_attachment": "an attachment given as a bare URL, not an object",
    "unknown_status": "a status the reference does not list",
    "unknown_channel": "a channel designation the reference does not list",
    "whatsapp_spelling": "which spelling of WhatsApp the platform uses",
    "connections_form": "whether channels/connections answers a map of channels or a list",
}


@dataclass(frozen=True, slots=True, order=True)
class Observation:
    kind: str  # a key of KINDS
    where: str  # "Model.field"
    detail: str = ""


@dataclass
class Observations:
    """What the loose types had to accept during one or more validations."""

    seen: set[Observation] = field(default_factory=set)

    def note(self, kind: str, where: str, detail: str = "") -> None:
        self.seen.add(Observation(kind, where, detail))

    def of(self, kind: str) -> list[Observation]:
        return sorted(o for o in self.seen if o.kind == kind)

    def __iter__(self) -> Iterator[Observation]:
        return iter(sorted(self.seen))

    def __len__(self) -> int:
        return len(self.seen)


def observing(observations: Observations) -> dict[str, Any]:
    """The validation context that makes the loose types note into `observations`:
    `Model.model_validate(data, context=observing(obs))`."""
    return {"observed": observations}


def _note(info: ValidationInfo, kind: str, detail: str = "") -> None:
    context = info.context
    observed = context.get("observed") if isinstance(context, dict) else None
    if isinstance(observed, Observations):
        model = (info.config or {}).get("title") or "?"
        observed.note(kind, f"{model}.{info.field_name or '?'}", detail)


def _null_to_list(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        _note(info, "null_as_empty")
        return []
    return value


def _null_to_dict(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        _note(info, "null_as_empty")
        return {}
    return value


def _number_to_str(value: Any, info: ValidationInfo) -> Any:
    # bool is an int in Python, but `true` is not an id: left for pydantic to refuse.
    if isinstance(value, int) and not isinstance(value, bool):
        _note(info, "number_as_id")
        return str(value)
    if isinstance(value, float) and value.is_integer():
        _note(info, "number_as_id")
        return str(int(value))
    return value


def attachment_from(item: Any) -> Any:
    """`{url, name, type}` from a bare URL string; anything else unchanged."""
    if not isinstance(item, str):
        return item
    name = posixpath.basename(urlsplit(item).path) if "://" in item else ""
    return {"url": item, "name": name, "type": ""}


def _attachments(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        _note(info, "null_as_empty")
        return []
    if isinstance(value, list):
        if any(isinstance(item, str) for item in value):
            _note(info, "url_attachment")
        return [attachment_from(item) for item in value]
    return value


def _known(values: Iterable[str], kind: str) -> Any:
    known = frozenset(values)

    def check(value: str, info: ValidationInfo) -> str:
        if value not in known:
            _note(info, kind, value)
        return value

    return check


def _channel(value: str, info: ValidationInfo) -> str:
    if value in ("whatsapp", "whatsapp-business"):
        _note(info, "whatsapp_spelling", value)
    elif value not in CHANNEL_ID_FIELDS:
        _note(info, "unknown_channel", value)
    return value


LooseList = Annotated[list[T], BeforeValidator(_null_to_list)]
LooseDict = Annotated[dict[str, Any], BeforeValidator(_null_to_dict)]
StrId = Annotated[str, BeforeValidator(_number_to_str)]
LooseAttachments = Annotated[list[Any], BeforeValidator(_attachments)]
Status = Annotated[str, AfterValidator(_known(MESSAGE_STATUSES, "unknown_status"))]
Channel = Annotated[str, AfterValidator(_channel)]
