"""The platform's message templates, as the desk uses them: canned responses in the composer,
and the text of a notification when a conversation's window has closed.

Placeholders are `#NAME#`; a contact's variable fills the placeholder named after it in upper
case with spaces as underscores ("First Name" fills `#FIRST_NAME#`).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings

from fromni.models import Template
from operator_desk.platform import platform_client

PLACEHOLDER = re.compile(r"#([^#\s]+)#")
APPROVED = "approved"

_lock = threading.Lock()
_cache: dict[str, Any] = {"at": None, "templates": []}


def placeholder_key(variable_name: str) -> str:
    return re.sub(r"[\s\-]+", "_", variable_name.strip()).upper()


def placeholders(text: str) -> list[str]:
    """The placeholders of a text, each once, in order of appearance."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text or "")))


def contact_values(variables: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """{placeholder: value} from a contact's variables ([{name, value}, ...]); empty values are
    left out, so their placeholders stay to be filled by hand."""
    values = {}
    for variable in variables:
        name, value = variable.get("name"), variable.get("value")
        if isinstance(name, str) and value not in (None, ""):
            values[placeholder_key(name)] = str(value)
    return values


def template_fill(text: str, values: Mapping[str, str]) -> tuple[str, list[str]]:
    """The text with every placeholder that has a value filled in, and the ones left over."""
    missing = [key for key in placeholders(text) if not str(values.get(key) or "").strip()]

    def fill(match: re.Match[str]) -> str:
        value = str(values.get(match.group(1)) or "").strip()
        return value or match.group(0)

    return PLACEHOLDER.sub(fill, text or ""), missing


def approved_channels(template: Template) -> list[str]:
    return [c.channel for c in template.channels if (c.status or APPROVED) == APPROVED]


def template_data(template: Template) -> dict[str, Any]:
    return {
        "id": str(template.id),
        "source": "platform",
        "name": template.display_name or template.name or f"#{template.id}",
        "text": template.text or "",
        "channels": approved_channels(template),
        "placeholders": placeholders(template.text or ""),
        "group": template.group_name,
    }


def _max_age() -> float:
    return settings.DESK_TEMPLATES_CACHE_SECONDS


def platform_templates(*, fresh: bool = False) -> list[Template]:
    """Every template of the account, kept for DESK_TEMPLATES_CACHE_SECONDS in this process.
    Raises fromni.errors.FromniError when the platform cannot be asked and nothing is kept."""
    with _lock:
        at = _cache["at"]
        if not fresh and at is not None and time.monotonic() - at < _max_age():
            return _cache["templates"]
    # Paged explicitly: a missing `limit` may mean 10 rows rather than all (docs/platform.md).
    templates = list(platform_client().iter_templates(order=[["id", "ASC"]]))
    with _lock:
        _cache.update(at=time.monotonic(), templates=templates)
    return templates


def platform_template(template_id: str) -> Template | None:
    """One template by id; asks the platform again when the cached list does not have it."""
    for fresh in (False, True):
        for template in platform_templates(fresh=fresh):
            if str(template.id) == str(template_id):
                return template
    return None


def templates_forget() -> None:
    """Drop the cached list (tests, and after an administrator changed templates)."""
    with _lock:
        _cache.update(at=None, templates=[])
