"""The JSON API's refusals reach the operator in their language (issue 18): the page shows an
answer's `message` as it is, so every sentence a service refuses with goes through gettext,
while the machine-readable `error` and `field` stay the same in every language.

- a scan of the project's Python finds a refusal (`Invalid`, `Forbidden`, `NotFound`,
  `Conflict`, or any other `DeskError`) built from a bare string: a literal, an f-string, or a
  literal formatted with `%` / `.format` — such a sentence can never be translated;
- a Russian operator gets Russian sentences from the API, with the English answer's codes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.test import Client

from conversations.models import Conversation
from tests.support.fixtures import handover

ROOT = Path(__file__).resolve().parent.parent
# Not the desk's Python: tests, the schema's history, the Fromni client (no Django there), and
# what is installed or generated.
SKIPPED = {"tests", "migrations", "fromni", ".venv", "node_modules", "bench", "var", "staticfiles"}
BASE_REFUSALS = {"DeskError", "Invalid", "Unauthenticated", "Forbidden", "NotFound", "Conflict"}


def project_modules() -> dict[Path, ast.Module]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        if SKIPPED & set(path.relative_to(ROOT).parts):
            continue
        found[path] = ast.parse(path.read_text(), filename=str(path))
    return found


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def refusal_classes(modules: dict[Path, ast.Module]) -> set[str]:
    """DeskError and every class that derives from it, anywhere in the project."""
    known = set(BASE_REFUSALS)
    grew = True
    while grew:
        grew = False
        for tree in modules.values():
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in known
                    and any(_name(base) in known for base in node.bases)
                ):
                    known.add(node.name)
                    grew = True
    return known


def is_bare_text(node: ast.expr) -> bool:
    """A sentence no gettext call saw: "…", f"…", "…" % x, "…".format(x), "…" + x."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.strip() != ""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return is_bare_text(node.left) or is_bare_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and is_bare_text(node.func.value)
    return False


def untranslated_refusals() -> list[str]:
    modules = project_modules()
    classes = refusal_classes(modules)
    found = []
    for path, tree in modules.items():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and _name(node.func) in classes
                and node.args
                and is_bare_text(node.args[0])
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_scan_sees_a_bare_refusal():
    tree = ast.parse('raise Conflict(f"The conversation is {state}.")\nraise Invalid(_("ok"))')
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    bare = [
        call for call in calls if _name(call.func) in BASE_REFUSALS and is_bare_text(call.args[0])
    ]
    assert [call.lineno for call in bare] == [1]


def test_every_refusal_is_translatable():
    found = untranslated_refusals()
    assert not found, "refusals not wrapped in gettext: " + ", ".join(found)


@pytest.fixture
def queued(post_callback):
    def make(platform_id: str) -> Conversation:
        assert post_callback(handover(platform_id)).status_code == 200
        return Conversation.objects.get(platform_id=platform_id)

    return make


def _client(user, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _post(client: Client, url: str, body: dict | None = None) -> dict:
    return client.post(url, body or {}, content_type="application/json").json()


@pytest.mark.django_db
def test_a_russian_operator_is_refused_in_russian_with_the_same_codes(agent, supervisor, queued):
    conversation = queued("closed-one")
    boss = _client(supervisor, "en")
    _post(boss, f"/api/conversations/{conversation.pk}/claim")
    _post(boss, f"/api/conversations/{conversation.pk}/close")
    url = f"/api/conversations/{conversation.pk}/claim"
    english, russian = _post(boss, url), _post(_client(supervisor, "ru"), url)
    assert english["error"] == russian["error"] == "conflict"
    assert english["message"] == "The conversation is closed; only queued ones can be claimed."
    assert russian["message"] != english["message"]
    assert russian["message"].startswith("Статус диалога: закрыт;"), russian

    # The profile's language wins over the browser's.
    agent.operator.language = "ru"
    agent.operator.save()
    own = queued("bad-input")
    client = _client(agent, "en")
    _post(client, f"/api/conversations/{own.pk}/claim")
    long_key = {"text": "hi", "clientKey": "k" * 101}
    refused = _post(client, f"/api/conversations/{own.pk}/replies", long_key)
    assert refused["error"] == "invalid" and refused["field"] == "clientKey", refused
    assert "clientKey" in refused["message"] and "100" in refused["message"]
    assert "at most" not in refused["message"], refused
