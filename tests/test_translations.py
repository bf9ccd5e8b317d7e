"""The gettext catalogues in locale/ are the one source of the desk's wording; these keep them
honest (docs/conventions.md says how to add a string):

- the .po files are up to date with the code: `make messages` (scripts/messages.sh: Django's
  makemessages for the templates and Python, domain django, and for the page's modules, domain
  djangojs, served by /jsi18n/), run on a copy of the project, adds or drops no entry;
- the compiled .mo files, committed so that the desk runs without gettext tools, are what the
  .po files compile to;
- every string has a Russian translation, neither empty nor fuzzy, but the few in UNTRANSLATED.

They run GNU gettext (`make test` installs it: scripts/install-gettext.sh).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "locale" / "ru" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")

# Strings the Russian pages show in English, until they are translated. A
# string translated since must leave the list, so that it cannot lose its translation unseen.
UNTRANSLATED: set[tuple[str, str]] = set()

# Not copied for the extraction: what scripts/messages.sh ignores anyway, and what is big.
NOT_COPIED = {".git", ".venv", "node_modules", "var", "staticfiles", "tests", "test-artifacts"}
NOT_COPIED_ANYWHERE = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".ruff_cache")


def gettext_tools() -> None:
    missing = [tool for tool in ("xgettext", "msgmerge", "msgfmt") if not shutil.which(tool)]
    assert not missing, f"GNU gettext is missing ({missing}): bash scripts/install-gettext.sh"


def key(entry: polib.POEntry | polib.MOEntry) -> tuple[str | None, str, str | None]:
    return entry.msgctxt, entry.msgid, entry.msgid_plural or None


def text(entry: polib.POEntry | polib.MOEntry) -> str | tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[form] for form in sorted(entry.msgstr_plural))
    return entry.msgstr


def active(po: polib.POFile) -> dict:
    return {key(entry): entry for entry in po if not entry.obsolete}


def catalogue(mo: polib.MOFile) -> dict:
    return {key(entry): text(entry) for entry in mo}


def without_what_is_not_copied(directory: str, names: list[str]) -> set[str]:
    ignored = set(NOT_COPIED_ANYWHERE(directory, names))
    return ignored | (NOT_COPIED & set(names) if Path(directory) == ROOT else set())


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """The catalogues `make messages` makes from the code as it is, in a copy of the project."""
    gettext_tools()
    before = {domain: (CATALOGUES / f"{domain}.po").read_bytes() for domain in DOMAINS}
    copy = tmp_path_factory.mktemp("messages") / "desk"
    shutil.copytree(ROOT, copy, ignore=without_what_is_not_copied)
    done = subprocess.run(
        ["bash", "scripts/messages.sh"],
        cwd=copy,
        env={**os.environ, "PY": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    after = {domain: (CATALOGUES / f"{domain}.po").read_bytes() for domain in DOMAINS}
    assert after == before, "the extraction wrote to the project's own catalogues"
    return copy / "locale" / "ru" / "LC_MESSAGES"


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_po_files_hold_every_string_of_the_code_and_no_other(extracted, domain):
    ours = active(polib.pofile(str(CATALOGUES / f"{domain}.po")))
    fresh = active(polib.pofile(str(extracted / f"{domain}.po")))
    added = sorted(fresh.keys() - ours.keys(), key=str)
    dropped = sorted(ours.keys() - fresh.keys(), key=str)
    assert (added, dropped) == ([], []), (
        f"locale/ru/LC_MESSAGES/{domain}.po is behind the code (added, dropped): run `make "
        "messages`, translate the new entries, commit the .po and .mo files"
    )


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalogues_are_the_po_files_compiled(tmp_path, domain):
    gettext_tools()
    compiled = tmp_path / f"{domain}.mo"
    source = CATALOGUES / f"{domain}.po"
    subprocess.run(["msgfmt", "--check-format", "-o", compiled, source], check=True)
    fresh, ours = polib.mofile(str(compiled)), polib.mofile(str(CATALOGUES / f"{domain}.mo"))
    assert catalogue(ours) == catalogue(fresh), f"{domain}.mo is stale: run `make messages`"
    assert ours.metadata["Plural-Forms"] == fresh.metadata["Plural-Forms"]


def test_every_string_has_a_russian_translation():
    wanting, fuzzy = set(), set()
    for domain in DOMAINS:
        for (_context, msgid, _plural), entry in active(
            polib.pofile(str(CATALOGUES / f"{domain}.po"))
        ).items():
            if "fuzzy" in entry.flags:
                fuzzy.add((domain, msgid))
            elif not entry.translated():
                wanting.add((domain, msgid))
    # A fuzzy entry is one makemessages guessed from a changed string: check it, drop the flag.
    assert (fuzzy, wanting) == (set(), UNTRANSLATED), "(fuzzy, untranslated) in locale/ru"


def test_russian_plurals_take_the_form_of_the_number():
    # Four forms, from the catalogue's own Plural-Forms header (as in Django's Russian catalogue).
    from django.utils import translation

    singular = (
        "Too many failed sign-ins: this account is locked for %(minutes)s more minute. "
        "An admin can unlock it sooner."
    )
    plural = singular.replace("more minute.", "more minutes.")
    with translation.override("ru"):
        forms = [translation.ngettext(singular, plural, n) % {"minutes": n} for n in (1, 3, 5, 21)]
    assert [form.split(" ещё на ")[1].split(".")[0] for form in forms] == [
        "1 минуту",
        "3 минуты",
        "5 минут",
        "21 минуту",
    ]
