"""Fixtures for the contact tests: the desk's platform client pointed at the test sandbox, and a
data set made on the sandbox through the API (variables/create, contacts/create,
contacts/update, contacts/variables) and synced into the desk with `fromni_sync`'s code.

A test module loads them with `pytest_plugins = ["tests.support.contacts"]`.
"""

from __future__ import annotations

from typing import Any

import pytest

from contacts.sync import sync_contacts
from fromni.client import FromniClient
from operator_desk.platform import platform_client


@pytest.fixture
def desk_platform(sandbox, settings) -> FromniClient:
    """platform_client() of the desk, talking to the (freshly reset) test sandbox."""
    settings.FROMNI_BASE_URL = sandbox.api_url
    settings.FROMNI_API_TOKEN = sandbox.token
    return platform_client()


# Five people besides the sandbox's seed (Ivan on vk, Maria on telegram, Alexey, a web chat
# guest); phones +7900000000N. (fields, variables by name, identifiers set afterwards)
PEOPLE: tuple[tuple[str, dict[str, Any], dict[str, Any]], ...] = (
    (
        "+79000000001",
        {
            "First Name": "Zoya",
            "City": "Tver",
            "Orders": 5,
            "Last visit": "2024-03-01",
            "Tier": "Gold",
        },
        {"telegramId": 777001},
    ),
    (
        "+79000000002",
        {
            "First Name": "Yakov",
            "City": "Tula",
            "Orders": 15,
            "Last visit": "2024-06-01T12:00:00Z",
            "Tier": "silver",
        },
        {"vkId": 888002, "instagramId": "yakov.ig"},
    ),
    ("+79000000003", {"First Name": "Xenia", "City": "Москва", "Orders": "25"}, {}),
    ("+79000000004", {}, {}),
    ("+79000000005", {"First Name": "Viktor", "Orders": 15.5, "Birthday": "1999-12-31"}, {}),
)


def make_people(sandbox_api) -> dict[str, str]:
    """Create the data set on the sandbox; returns {phone: platform id}."""
    sandbox_api.ok("variables/create", {"name": "Orders", "validateAs": "NUMBER"})
    sandbox_api.ok("variables/create", {"name": "Last visit", "validateAs": "DATE"})
    sandbox_api.ok("variables/create", {"name": "Tier"})
    created = sandbox_api.ok(
        "contacts/create",
        [
            {"phone": phone, "variables": [{"name": n, "value": v} for n, v in values.items()]}
            for phone, values, _ in PEOPLE
        ],
    )["data"]
    ids = {row["phone"]: row["id"] for row in created}
    for phone, _, identifiers in PEOPLE:
        for field, value in identifiers.items():
            sandbox_api.ok("contacts/update", {"contactId": ids[phone], field: value})
    return ids


@pytest.fixture
def people(db, sandbox_api, desk_platform) -> dict[str, str]:
    """The data set on the sandbox, synced into the desk; {phone: platform id}."""
    ids = make_people(sandbox_api)
    sync_contacts(desk_platform)
    return ids
