"""A pseudo-locale, compiled at test time, that shows which words of a page went through gettext.

Every string the Russian catalogues translate (the desk's locale/ru and Django's own, of Django
and of each installed app) is "translated" into its English text between markers: "Sign in"
becomes "⟦Sign in⟧". A page rendered in this language shows each translated sentence marked,
so any Latin text left outside the markers never went through a catalogue, and a Russian reader
would see it in English. `untranslated(html, data=...)` names those texts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import django
import polib
from django.apps import apps
from django.conf import settings

CODE = "xx"  # made up: no catalogue of Django's or of any package has it
OPEN, CLOSE = "⟦", "⟧"
INFO = {"bidi": False, "code": CODE, "name": "Pseudo", "name_local": "⟦Pseudo⟧"}


def mark(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}" if text else text


def _russian_catalogues() -> Iterator[polib.POFile | polib.MOFile]:
    yield polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / "ru" / "LC_MESSAGES" / "django.po"))
    # Django's own sentences (form errors, month names...), as Russian readers get them.
    places = [Path(django.__file__).parent / "conf" / "locale"]
    places += [Path(app.path) / "locale" for app in apps.get_app_configs()]
    for place in places:
        compiled = place / "ru" / "LC_MESSAGES" / "django.mo"
        if compiled.exists():
            yield polib.mofile(str(compiled))


def compile_into(directory: Path) -> None:
    """Writes directory/xx/LC_MESSAGES/django.mo: every Russian entry, its English marked."""
    pseudo = polib.MOFile()
    ours = polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / "ru" / "LC_MESSAGES" / "django.po"))
    pseudo.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Plural-Forms": ours.metadata["Plural-Forms"],
    }
    seen = set()
    for catalogue in _russian_catalogues():
        for entry in catalogue:
            key = (entry.msgctxt, entry.msgid)
            if not entry.msgid or key in seen or getattr(entry, "obsolete", False):
                continue
            seen.add(key)
            copy = polib.MOEntry(msgid=entry.msgid, msgctxt=entry.msgctxt)
            if entry.msgid_plural:
                copy.msgid_plural = entry.msgid_plural
                copy.msgstr_plural = {0: mark(entry.msgid)} | {
                    form: mark(entry.msgid_plural) for form in (1, 2, 3)
                }
            else:
                copy.msgstr = mark(entry.msgid)
            pseudo.append(copy)
    target = directory / CODE / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    pseudo.save(str(target / "django.mo"))


# What the reader does not read as words: scripts and styles; code, commands and JSON (in <code>,
# <pre>, <kbd>); what the user typed (<textarea>).
HIDDEN = {"script", "style", "code", "pre", "kbd", "textarea"}
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
GAP = "\x00"  # between two text nodes: a word never runs from one into the next


def _is_json(value: str) -> bool:
    """An example of a JSON object (a placeholder showing the filter's shape) is code."""
    try:
        return isinstance(json.loads(value), dict)
    except ValueError:
        return False


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.attributes: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        self.text.append(GAP)
        self.attributes += [
            value for name, value in attrs if name in ATTRIBUTES and value and not _is_json(value)
        ]

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN and self.hidden:
            self.hidden -= 1
        self.text.append(GAP)

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.text.append(data)


MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
LATIN = re.compile(r"[A-Za-z]")


def unmarked(text: str) -> str:
    # Innermost first: a marked sentence may hold a marked word (a role, a state).
    while True:
        text, count = MARKED.subn(GAP, text)
        if not count:
            return text


def untranslated(html: str, *, data: Iterable[str], allowed: Iterable[re.Pattern[str]]) -> list:
    """The pieces of a page's text (and its title/aria-label/placeholder/alt attributes) with
    Latin letters outside the markers, once `data` (names, texts the platform holds: shown as
    they are) and the `allowed` patterns are taken out."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    found = []
    everything = ["".join(parser.text), *parser.attributes]
    values = sorted({d for d in data if d and LATIN.search(d)}, key=len, reverse=True)
    # Whole words only: a user called "Admin" does not hide "Administration". Data and patterns
    # are one alternation, so the leftmost whole thing is taken out: a contact called "New" does
    # not split America/New_York, and a placeholder does not split a template's text.
    data_words = "|".join(map(re.escape, values))
    shown = [rf"(?<![A-Za-z])(?:{data_words})(?![A-Za-z])"] if values else []
    either = re.compile("|".join(f"(?:{p})" for p in [*shown, *(a.pattern for a in allowed)]))
    for text in everything:
        rest = either.sub(GAP, unmarked(text))
        for piece in rest.split(GAP):
            piece = " ".join(piece.split())
            if LATIN.search(piece):
                found.append(piece)
    return found
