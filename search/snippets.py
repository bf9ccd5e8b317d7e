"""Snippets with their hits marked, in two safe forms.

The database marks a hit between START and STOP (control characters no message text keeps:
search/backends.py takes them out of the text first). Here they become parts (text, marked?)
for the page, which builds them into text nodes and <mark> elements, and an HTML string for
other API clients, escaped everywhere except for the <mark> tags it adds itself.
"""

from __future__ import annotations

import html
from typing import Any

START, STOP = "\x01", "\x02"


def snippet_parts(marked: str) -> list[dict[str, Any]]:
    """[{"text", "mark"}] in order; an unbalanced marker ends or starts a hit, nothing more."""
    parts: list[dict[str, Any]] = []
    inside = False
    chunk: list[str] = []

    def flush() -> None:
        if chunk:
            text = "".join(chunk)
            if parts and parts[-1]["mark"] == inside:
                parts[-1]["text"] += text
            else:
                parts.append({"text": text, "mark": inside})
            chunk.clear()

    for character in marked:
        if character in (START, STOP):
            flush()
            inside = character == START
        else:
            chunk.append(character)
    flush()
    return parts


def snippet_html(parts: list[dict[str, Any]]) -> str:
    return "".join(
        f"<mark>{html.escape(p['text'])}</mark>" if p["mark"] else html.escape(p["text"])
        for p in parts
    )


def mark_span(text: str, start: int, end: int) -> str:
    """`text` with text[start:end] marked (a contact's name or phone)."""
    return f"{text[:start]}{START}{text[start:end]}{STOP}{text[end:]}"


def unmarked(text: str) -> str:
    """A text with the markers taken out, so that the only markers are the database's."""
    return text.replace(START, "").replace(STOP, "")
