"""The docs stay honest as code moves: every link in README.md and docs/*.md that points into the
repository reaches a file or folder that exists (and a heading, when it names one), nothing
points outside the repository, and README links every reference in docs/.

Reads Markdown files only: no database, no processes."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"`+[^`]*`+")
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*<?(\S+?)>?(?:[ \t]+\"[^\"]*\")?[ \t]*$", re.M)
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:, ...
RELATIVE_PATH = re.compile(r"(?<![\w/.])(?:\.\./)+[\w.-]+")  # ../x, ../../y, in any text


def prose_lines(page: Path) -> list[tuple[int, str]]:
    """The page's lines outside fenced code blocks, numbered from 1."""
    lines, fenced = [], False
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def links(page: Path) -> list[tuple[int, str]]:
    """(line, target) of every link outside code; a link's text may run over several lines."""
    numbered = dict(prose_lines(page))
    text = "\n".join(numbered.get(number, "") for number in range(1, max(numbered, default=0) + 1))
    text = CODE_SPAN.sub(lambda span: "\n" * span.group().count("\n"), text)
    matches = sorted(
        [*INLINE_LINK.finditer(text), *REFERENCE_LINK.finditer(text)], key=re.Match.start
    )
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in matches]


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: link text kept, punctuation dropped, spaces to dashes."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for _, line in prose_lines(page):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    problems = []
    for number, target in links(page):
        if EXTERNAL.match(target):
            continue
        path_part, _, fragment = target.partition("#")
        where = f"{page.relative_to(root)}:{number}: {target}"
        resolved = (page.parent / unquote(path_part)).resolve() if path_part else page
        if not resolved.is_relative_to(root):
            problems.append(f"{where} points outside the repository")
        elif not resolved.exists():
            problems.append(f"{where} does not exist")
        elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
            problems.append(f"{where} names no heading of {resolved.relative_to(root)}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_repository_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_nothing_points_outside_the_repository(page: Path) -> None:
    """A clone of this repository alone is complete: no link, and no relative path written in
    the text, leads out of it (to material that lies beside it on one machine only)."""
    text = page.read_text(encoding="utf-8")

    def inside(target: str) -> Path | None:
        resolved = (page.parent / unquote(target.partition("#")[0])).resolve()
        return resolved if resolved.is_relative_to(ROOT) else None

    linked = [t for _, t in links(page) if not EXTERNAL.match(t) and not t.startswith("#")]
    written = RELATIVE_PATH.findall(text)
    outside = [t for t in linked if inside(t) is None]
    # A path written in the text is read from the page's folder: it must be there in the clone.
    outside += [t for t in written if (found := inside(t)) is None or not found.exists()]
    assert outside == []


def test_readme_links_every_reference() -> None:
    linked = {
        (README.parent / target.partition("#")[0]).resolve()
        for _, target in links(README)
        if not EXTERNAL.match(target)
    }
    assert [doc.name for doc in DOCS if doc not in linked] == []


def test_the_checker_reports_each_kind_of_broken_link(tmp_path: Path) -> None:
    """So that a passing run above means the links resolve, not that none were read."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other\n\n## Its `part`: two\n", "utf-8")
    page = tmp_path / "docs" / "page.md"
    page.write_text(
        "# Page\n\n"
        "[gone](no/such.md) [out](../../elsewhere.md) [here](#page) [no heading](#nowhere)\n"
        "[there](other.md#its-part-two) [wrong heading](other.md#its-part) [web](https://x.org)\n"
        "`[in code](no/such/code.md)`\n\n"
        "```\n[in a fence](no/such/fence.md)\n```\n\n"
        "[ref]: ../missing/\n\nA [link over\ntwo lines](other.md#nowhere).\n",
        "utf-8",
    )
    assert broken_links(page, root=tmp_path) == [
        "docs/page.md:3: no/such.md does not exist",
        "docs/page.md:3: ../../elsewhere.md points outside the repository",
        "docs/page.md:3: #nowhere names no heading of docs/page.md",
        "docs/page.md:4: other.md#its-part names no heading of docs/other.md",
        "docs/page.md:11: ../missing/ does not exist",
        "docs/page.md:13: other.md#nowhere names no heading of docs/other.md",
    ]
