"""The suite's own shape: test modules share helpers through tests/support and the conftest
files, never by importing one another (a test module imported elsewhere is collected as a
dependency, and a change to one silently changes the other)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _test_modules_imported(source: str) -> list[str]:
    """The test modules (`test_*`) a module's source imports, absolutely or relatively."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            # `from tests import test_x`: the names imported may be modules themselves.
            names = [base] if _is_test_module(base) else [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        found += [name.lstrip(".") for name in names if _is_test_module(name)]
    return sorted(set(found))


def _is_test_module(name: str) -> bool:
    return any(part.startswith("test_") for part in name.split("."))


def _python_files() -> list[Path]:
    files = [*TESTS.glob("test_*.py"), *TESTS.glob("support/*.py"), TESTS / "conftest.py"]
    return [*files, TESTS.parent / "conftest.py"]


def test_no_module_of_the_suite_imports_a_test_module():
    offenders = {
        str(path.relative_to(TESTS.parent)): imported
        for path in _python_files()
        if (imported := _test_modules_imported(path.read_text()))
    }
    assert offenders == {}, "move what they share to tests/support/ or tests/conftest.py"


def test_the_check_sees_every_way_of_importing_a_test_module():
    ways = [
        "from tests.test_resume import read_resuming",
        "import tests.test_resume",
        "from tests import test_resume",
        "from .test_resume import read_resuming",
        "from . import test_resume",
        "def later():\n    from tests.test_resume import read_resuming",
    ]
    assert [bool(_test_modules_imported(way)) for way in ways] == [True] * len(ways)
    assert _test_modules_imported("from tests.support.live import until") == []
